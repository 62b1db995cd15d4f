"""Rotation endpoints: who is due, the rotation plans, the substitute special audits."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, HoldsPostToWrite
from permissions import rotation
from permissions.models import PostCode, RotationPlan, SpecialAudit, StaffMember


def _name(staff: StaffMember | None) -> str | None:
    return None if staff is None else staff.user.display_name or staff.user.username


class RotationDueQuery(serializers.Serializer):
    within_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    all = serializers.BooleanField(required=False, default=False)


class SpecialAuditBrief(serializers.Serializer):
    id = serializers.IntegerField()
    performed_on = serializers.DateField()
    valid_until = serializers.DateField()


class RotationDueOutput(serializers.Serializer):
    staff = serializers.IntegerField(source="staff.pk")
    staff_name = serializers.CharField()
    post = serializers.CharField(source="post.code")
    post_name = serializers.CharField(source="post.name")
    since = serializers.DateField(source="tenure.since")
    months_held = serializers.IntegerField(source="tenure.months_held")
    limit_months = serializers.IntegerField(source="tenure.limit_months", allow_null=True)
    due_date = serializers.DateField(source="tenure.due_date", allow_null=True)
    overdue = serializers.BooleanField(source="tenure.overdue")
    special_audit = serializers.SerializerMethodField()

    @extend_schema_field(SpecialAuditBrief(allow_null=True))
    def get_special_audit(self, row: rotation.RotationRow) -> dict | None:
        if row.special_audit is None:
            return None
        audit = {"id": row.special_audit.pk, "performed_on": row.special_audit.performed_on,
                 "valid_until": row.audit_valid_until}
        return SpecialAuditBrief(audit).data


class RotationDueApi(TenantAPIView):
    """Key-post holders due for rotation within the window (default: the county's remind
    days) or overdue; `all=1` lists every key-post holder."""

    @extend_schema(parameters=[RotationDueQuery], responses={200: RotationDueOutput(many=True)})
    def get(self, request):
        query = RotationDueQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = rotation.rotation_due(
            tenant=request.tenant,
            within_days=query.validated_data.get("within_days"),
            everyone=query.validated_data["all"],
        )
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(RotationDueOutput(page, many=True).data)


class RotationPlanInput(serializers.Serializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=StaffMember.objects.filter(is_active=True))
    post = serializers.SlugField(max_length=32)
    planned_date = serializers.DateField()
    successor = serializers.PrimaryKeyRelatedField(
        queryset=StaffMember.objects.filter(is_active=True), required=False, allow_null=True
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RotationPlanOutput(serializers.ModelSerializer):
    staff_name = serializers.SerializerMethodField()
    post = serializers.CharField(source="post.code")
    post_name = serializers.CharField(source="post.name")
    successor_name = serializers.SerializerMethodField()

    class Meta:
        model = RotationPlan
        fields = ["id", "staff", "staff_name", "post", "post_name", "planned_date", "successor",
                  "successor_name", "note", "done", "created_at"]

    def get_staff_name(self, plan: RotationPlan) -> str | None:
        return _name(plan.staff)

    def get_successor_name(self, plan: RotationPlan) -> str | None:
        return _name(plan.successor)


class RotationPlansApi(TenantAPIView):
    extra_permission_classes = (HoldsPostToWrite,)
    required_posts = (PostCode.TENANT_ADMIN,)

    @extend_schema(responses={200: RotationPlanOutput(many=True)})
    def get(self, request):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rotation.rotation_plans(), request, view=self)
        return paginator.get_paginated_response(RotationPlanOutput(page, many=True).data)

    @extend_schema(request=RotationPlanInput, responses={201: RotationPlanOutput})
    def post(self, request):
        data = RotationPlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        plan = rotation.rotation_plan_create(
            actor=request.user, post_code=fields.pop("post"), **fields
        )
        plan = rotation.rotation_plan_get(plan_id=plan.pk)
        return Response(RotationPlanOutput(plan).data, status=status.HTTP_201_CREATED)


class RotationPlanDoneApi(TenantAPIView):
    extra_permission_classes = (HoldsPost,)
    required_posts = (PostCode.TENANT_ADMIN,)

    @extend_schema(request=None, responses={200: RotationPlanOutput})
    def post(self, request, pk: int):
        plan = rotation.rotation_plan_get(plan_id=pk)
        rotation.rotation_plan_done(actor=request.user, plan=plan)
        return Response(RotationPlanOutput(rotation.rotation_plan_get(plan_id=pk)).data)


class SpecialAuditInput(serializers.Serializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=StaffMember.objects.filter(is_active=True))
    post = serializers.SlugField(max_length=32)
    performed_on = serializers.DateField()
    auditor = serializers.CharField(max_length=100)
    reason = serializers.CharField(max_length=500)
    findings = serializers.CharField(max_length=5000)


class SpecialAuditOutput(serializers.ModelSerializer):
    staff_name = serializers.SerializerMethodField()
    post = serializers.CharField(source="post.code")
    post_name = serializers.CharField(source="post.name")

    class Meta:
        model = SpecialAudit
        fields = ["id", "staff", "staff_name", "post", "post_name", "performed_on", "auditor",
                  "reason", "findings", "created_at"]

    def get_staff_name(self, audit: SpecialAudit) -> str | None:
        return _name(audit.staff)


class SpecialAuditsApi(TenantAPIView):
    """Special audits (专项审计) recorded where a key post could not be rotated."""

    extra_permission_classes = (HoldsPostToWrite,)
    required_posts = (PostCode.TENANT_ADMIN, "ic_lead")

    @extend_schema(responses={200: SpecialAuditOutput(many=True)})
    def get(self, request):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rotation.special_audits(), request, view=self)
        return paginator.get_paginated_response(SpecialAuditOutput(page, many=True).data)

    @extend_schema(request=SpecialAuditInput, responses={201: SpecialAuditOutput})
    def post(self, request):
        data = SpecialAuditInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        audit = rotation.special_audit_record(
            actor=request.user, post_code=fields.pop("post"), **fields
        )
        audit = rotation.special_audits().get(pk=audit.pk)
        return Response(SpecialAuditOutput(audit).data, status=status.HTTP_201_CREATED)
