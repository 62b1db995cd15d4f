"""Tenant duties over the API: departments, staff, posts, assignments and SoD exceptions."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, HoldsPostToWrite, OnCountyHost
from permissions import exceptions, objects, selectors, services
from permissions.catalog.models import ExceptionStatus
from permissions.models import PostCode


class TenantAdminWrites(TenantAPIView):
    extra_permission_classes = (HoldsPostToWrite,)
    required_posts = (PostCode.TENANT_ADMIN,)

    def paginated(self, rows, output):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, self.request, view=self)
        return paginator.get_paginated_response(output(page, many=True).data)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _resolve(field: str, found, message: str):
    if found is None:
        raise serializers.ValidationError({field: [message]})
    return found


def _department(pk: int | None):
    if pk is None:
        return None
    return _resolve("department", selectors.department_get(pk=pk), "没有该部门。")


def _staff(pk: int):
    return _resolve("staff", selectors.staff_get(pk=pk), "没有该工作人员。")


# --- departments ---------------------------------------------------------------------------


class DepartmentInput(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    code = serializers.RegexField(r"^[\w.-]{1,32}$", max_length=32)


class DepartmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()


class DepartmentsApi(TenantAdminWrites):
    @extend_schema(responses={200: DepartmentOutput(many=True)})
    def get(self, request):
        return self.paginated(selectors.departments_list(), DepartmentOutput)

    @extend_schema(request=DepartmentInput, responses={201: DepartmentOutput})
    def post(self, request):
        department = services.department_create(
            actor=request.user, **_valid(DepartmentInput, request.data)
        )
        return Response(DepartmentOutput(department).data, status=status.HTTP_201_CREATED)


class MyDepartmentOutput(DepartmentOutput):
    heads = serializers.BooleanField(help_text="本人是该部门负责人")
    belongs = serializers.BooleanField(help_text="本人属于该部门")


class MyDepartmentsApi(TenantAPIView):
    """我的部门: the departments the caller heads or belongs to (an inspector: none)."""

    @extend_schema(responses={200: MyDepartmentOutput(many=True)})
    def get(self, request):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(objects.departments_of(user=request.user), request,
                                           view=self)
        return paginator.get_paginated_response(MyDepartmentOutput(page, many=True).data)


# --- staff ---------------------------------------------------------------------------------


class StaffFilter(serializers.Serializer):
    department = serializers.IntegerField(required=False, min_value=1)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class StaffInput(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    display_name = serializers.CharField(max_length=64)
    department = serializers.IntegerField(min_value=1, allow_null=True)
    password = serializers.CharField(
        min_length=8, max_length=128, trim_whitespace=False, required=False
    )
    mobile = serializers.RegexField(r"^\+?[\d-]{0,20}$", max_length=20, required=False,
                                    default="", allow_blank=True)


class StaffOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")
    mobile = serializers.CharField(source="user.mobile")
    department = serializers.IntegerField(source="department_id", allow_null=True)
    department_name = serializers.CharField(source="department.name", default=None)
    is_active = serializers.BooleanField()
    posts = serializers.SerializerMethodField()

    def get_posts(self, staff) -> list[str]:
        held = getattr(staff, "current_assignments", None)
        if held is None:
            return [code for code, _ in selectors.posts_held(staff=staff)]
        return list(dict.fromkeys(a.post.code for a in held))


class StaffApi(TenantAdminWrites):
    @extend_schema(parameters=[StaffFilter], responses={200: StaffOutput(many=True)})
    def get(self, request):
        filters = _valid(StaffFilter, request.query_params)
        return self.paginated(selectors.staff_list(**filters), StaffOutput)

    @extend_schema(request=StaffInput, responses={201: StaffOutput})
    def post(self, request):
        data = dict(_valid(StaffInput, request.data))
        data["department"] = _department(data["department"])
        staff = services.staff_add(actor=request.user, **data)
        return Response(StaffOutput(selectors.staff_get(pk=staff.pk)).data,
                        status=status.HTTP_201_CREATED)


# --- posts and assignments -----------------------------------------------------------------


class TenantPostOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    is_key = serializers.BooleanField()
    max_tenure_months = serializers.IntegerField(allow_null=True)
    county_max_tenure_months = serializers.IntegerField(allow_null=True)
    holds_money = serializers.BooleanField()
    origin = serializers.CharField()


class PostsApi(TenantAPIView):
    @extend_schema(responses={200: TenantPostOutput(many=True)})
    def get(self, request):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(selectors.posts_list(), request, view=self)
        return paginator.get_paginated_response(TenantPostOutput(page, many=True).data)


class AssignmentFilter(serializers.Serializer):
    staff = serializers.IntegerField(required=False, min_value=1)
    post = serializers.SlugField(required=False, max_length=32)
    current = serializers.BooleanField(required=False, allow_null=True, default=None)


class AssignmentInput(serializers.Serializer):
    staff = serializers.IntegerField(min_value=1)
    post = serializers.SlugField(max_length=32)
    start_date = serializers.DateField()
    department = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                          default=None)


class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    staff = serializers.IntegerField(source="staff_id")
    username = serializers.CharField(source="staff.user.username")
    display_name = serializers.CharField(source="staff.user.display_name")
    post = serializers.CharField(source="post.code")
    post_name = serializers.CharField(source="post.name")
    department = serializers.IntegerField(source="department_id", allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class SodConflictOutput(serializers.Serializer):
    post = serializers.CharField()
    rule = serializers.CharField()
    article = serializers.CharField()
    with_post = serializers.CharField()


class AssignmentSimulateOutput(serializers.Serializer):
    allowed = serializers.BooleanField()
    conflicts = SodConflictOutput(many=True)


class SodConflictError(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    conflicts = SodConflictOutput(many=True)


class AssignmentsApi(TenantAdminWrites):
    @extend_schema(parameters=[AssignmentFilter], responses={200: AssignmentOutput(many=True)})
    def get(self, request):
        filters = _valid(AssignmentFilter, request.query_params)
        return self.paginated(selectors.assignments_list(**filters), AssignmentOutput)

    @extend_schema(request=AssignmentInput,
                   responses={201: AssignmentOutput, 422: SodConflictError})
    def post(self, request):
        data = _valid(AssignmentInput, request.data)
        assignment = services.post_assign(
            actor=request.user, staff=_staff(data["staff"]), post_code=data["post"],
            start_date=data["start_date"], department=_department(data["department"]),
        )
        return Response(AssignmentOutput(selectors.assignment_get(pk=assignment.pk)).data,
                        status=status.HTTP_201_CREATED)


class AssignmentSimulateApi(TenantAPIView):
    extra_permission_classes = (HoldsPost,)
    required_posts = (PostCode.TENANT_ADMIN,)

    @extend_schema(request=AssignmentInput, responses={200: AssignmentSimulateOutput})
    def post(self, request):
        data = _valid(AssignmentInput, request.data)
        _department(data["department"])
        answer = services.post_assignment_simulate(
            staff=_staff(data["staff"]), post_code=data["post"], start_date=data["start_date"]
        )
        return Response(AssignmentSimulateOutput(answer).data)


class AssignmentEndInput(serializers.Serializer):
    end_date = serializers.DateField()


class AssignmentEndApi(TenantAPIView):
    extra_permission_classes = (HoldsPost,)
    required_posts = (PostCode.TENANT_ADMIN,)

    @extend_schema(request=AssignmentEndInput, responses={200: AssignmentOutput})
    def post(self, request, pk: int):
        assignment = selectors.assignment_get(pk=pk)
        if assignment is None:
            raise Http404
        data = _valid(AssignmentEndInput, request.data)
        services.post_assignment_end(
            actor=request.user, assignment=assignment, end_date=data["end_date"]
        )
        return Response(AssignmentOutput(selectors.assignment_get(pk=pk)).data)


# --- exceptions to separation of duties ----------------------------------------------------


class SodExceptionFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=ExceptionStatus.choices, required=False)


class CountySodExceptionFilter(SodExceptionFilter):
    tenant = serializers.SlugField(required=False, max_length=63)


class SodExceptionInput(serializers.Serializer):
    staff = serializers.IntegerField(min_value=1)
    rule = serializers.SlugField(max_length=48)
    reason = serializers.CharField(max_length=500)
    substitute_control = serializers.CharField(max_length=500)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()


class SodExceptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    tenant = serializers.CharField(source="tenant.slug")
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")
    rule = serializers.CharField(source="rule_code")
    post_a = serializers.CharField()
    post_b = serializers.CharField()
    reason = serializers.CharField()
    substitute_control = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    status = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    requested_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class SodExceptionsApi(TenantAdminWrites):
    """This tenant's exceptions; its `tenant_admin` requests new ones."""

    @extend_schema(parameters=[SodExceptionFilter], responses={200: SodExceptionOutput(many=True)})
    def get(self, request):
        filters = _valid(SodExceptionFilter, request.query_params)
        rows = selectors.sod_exceptions_of_tenant(tenant=request.tenant, **filters)
        return self.paginated(rows, SodExceptionOutput)

    @extend_schema(request=SodExceptionInput, responses={201: SodExceptionOutput})
    def post(self, request):
        data = dict(_valid(SodExceptionInput, request.data))
        staff = _staff(data.pop("staff"))
        exception = exceptions.sod_exception_request(
            actor=request.user, tenant=request.tenant, user=staff.user,
            rule_code=data.pop("rule"), **data,
        )
        return Response(SodExceptionOutput(exception).data, status=status.HTTP_201_CREATED)


class CountyExceptionsApi(TenantAPIView):
    """Every exception of the county's tenants, for its `county_admin`."""

    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)

    @extend_schema(parameters=[CountySodExceptionFilter],
                   responses={200: SodExceptionOutput(many=True)})
    def get(self, request):
        filters = _valid(CountySodExceptionFilter, request.query_params)
        rows = selectors.sod_exceptions_of_county(county=request.tenant, **filters)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(SodExceptionOutput(page, many=True).data)


class SodDecisionInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class _CountyDecisionApi(TenantAPIView):
    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)
    approve: bool

    @extend_schema(request=SodDecisionInput, responses={200: SodExceptionOutput})
    def post(self, request, pk: int):
        exception = selectors.sod_exception_get_for_county(county=request.tenant, pk=pk)
        data = _valid(SodDecisionInput, request.data)
        decided = exceptions.sod_exception_decide(
            actor=request.user, exception=exception, approve=self.approve, note=data["note"]
        )
        return Response(SodExceptionOutput(decided).data)


class CountyExceptionApproveApi(_CountyDecisionApi):
    approve = True


class CountyExceptionRejectApi(_CountyDecisionApi):
    approve = False
