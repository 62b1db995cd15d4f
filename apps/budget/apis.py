"""Budget endpoints (DESIGN.md §11): fund accounts, subjects, projects, indicators (and their
Excel import), department limits, subject totals, adjustments, revenue registrations, and the
execution tables (each also as an Excel download with ?format=xlsx).

Members read (budget lines and projects: all of them for the posts that work on every
department's money, else those of the caller's departments and projects — see
permissions.visibility); the budget officer writes (revenue: the finance office)."""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.approvals.apis import ApprovalOutput, approval_representation
from apps.approvals.selectors import approval_loaded
from apps.attachments.upload import LimitedUploadHandler, ReceivedFile
from apps.budget import adjustments, exports, importer, revenue, selectors, services
from apps.budget.models import DocumentStatus, FundKind, RevenueKind
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, HoldsPostToWrite
from county_platform.errors import DomainError
from permissions.models import PostCode
from permissions.objects import project_officer_set, project_officers
from permissions.selectors import department_get, staff_get

BUDGET_OFFICER = ("budget_officer",)
FINANCE_OFFICE = ("cashier", "accountant", "budget_officer")


def Money(**kwargs):  # noqa: N802  (reads like a field class)
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def Rate(**kwargs):  # noqa: N802
    return serializers.DecimalField(max_digits=9, decimal_places=4, **kwargs)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _missing(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


def _department(pk: int):
    department = department_get(pk=pk)
    if department is None:
        raise _missing("department", "没有该部门。")
    return department


def _subject(code: str):
    subject = selectors.subject_get(code=code)
    if subject is None:
        raise _missing("subject", f"没有支出科目 {code}。")
    return subject


def _this_year() -> int:
    return timezone.localdate().year


class BudgetApi(TenantAPIView):
    """Members read; writing needs one of `required_posts`."""

    extra_permission_classes = (HoldsPostToWrite,)
    required_posts = BUDGET_OFFICER

    def paginated(self, rows, output):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, self.request, view=self)
        return paginator.get_paginated_response(output(page, many=True).data)


class ActsApi(TenantAPIView):
    """Every method needs one of `required_posts` (inspectors may read)."""

    extra_permission_classes = (HoldsPost,)
    required_posts = BUDGET_OFFICER


# --- fund accounts -------------------------------------------------------------------------


class FundAccountInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=FundKind.choices)
    bank_account = serializers.RegexField(r"^[\d -]{0,40}$", max_length=40, required=False,
                                          allow_blank=True, default="")


class FundAccountOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_name = serializers.CharField(source="get_kind_display")
    bank_account = serializers.CharField()
    is_active = serializers.BooleanField()


class FundAccountsQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FundKind.choices, required=False)


class FundAccountsApi(BudgetApi):
    """全口径资金账户: fiscal, government, special and company accounts."""

    @extend_schema(parameters=[FundAccountsQuery], responses={200: FundAccountOutput(many=True)})
    def get(self, request):
        query = _valid(FundAccountsQuery, request.query_params)
        return self.paginated(selectors.fund_accounts_list(**query), FundAccountOutput)

    @extend_schema(request=FundAccountInput, responses={201: FundAccountOutput})
    def post(self, request):
        account = services.fund_account_create(actor=request.user,
                                               **_valid(FundAccountInput, request.data))
        return Response(FundAccountOutput(account).data, status=status.HTTP_201_CREATED)


# --- subjects and projects -----------------------------------------------------------------


class SubjectsQuery(serializers.Serializer):
    def get_fields(self):
        return {"class": serializers.RegexField(r"^\d{3}$", required=False),
                "q": serializers.CharField(max_length=32, required=False),
                "sangong": serializers.BooleanField(required=False, allow_null=True,
                                                    default=None)}


class SubjectOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    is_sangong = serializers.BooleanField()
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)


class SubjectsApi(BudgetApi):
    """政府支出经济分类: classes and items; filter by class (e.g. 302), code prefix or name."""

    @extend_schema(parameters=[SubjectsQuery], responses={200: SubjectOutput(many=True)})
    def get(self, request):
        query = _valid(SubjectsQuery, request.query_params)
        subjects = selectors.subjects_list(class_code=query.get("class"), q=query.get("q"),
                                           sangong=query.get("sangong"))
        return self.paginated(subjects, SubjectOutput)


class ProjectInput(serializers.Serializer):
    code = serializers.RegexField(r"^[\w.-]{1,32}$", max_length=32)
    name = serializers.CharField(max_length=100)
    department = serializers.IntegerField(min_value=1)
    allowed_subjects = serializers.ListField(
        child=serializers.RegexField(r"^\d{3,8}$"), min_length=1, max_length=200)
    is_basic = serializers.BooleanField(required=False, default=False)


class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField(source="department.name")
    is_basic = serializers.BooleanField()
    allowed_subjects = serializers.SerializerMethodField()

    def get_allowed_subjects(self, project) -> list[str]:
        return sorted(s.code for s in project.allowed_subjects.all())


class ProjectsQuery(serializers.Serializer):
    department = serializers.IntegerField(min_value=1, required=False)


class ProjectsApi(BudgetApi):
    """预算项目 with their allowed subjects (可用费用范围)."""

    @extend_schema(parameters=[ProjectsQuery], responses={200: ProjectOutput(many=True)})
    def get(self, request):
        query = _valid(ProjectsQuery, request.query_params)
        return self.paginated(selectors.projects_list(user=request.user, **query), ProjectOutput)

    @extend_schema(request=ProjectInput, responses={201: ProjectOutput})
    def post(self, request):
        data = dict(_valid(ProjectInput, request.data))
        data["department"] = _department(data["department"])
        project = services.project_create(actor=request.user, **data)
        return Response(ProjectOutput(selectors.projects_list().get(pk=project.pk)).data,
                        status=status.HTTP_201_CREATED)


class ProjectOfficerInput(serializers.Serializer):
    staff = serializers.IntegerField(min_value=1)


class ProjectOfficerOutput(serializers.Serializer):
    project = serializers.IntegerField(source="pk")
    officers = serializers.SerializerMethodField()

    def get_officers(self, project) -> list[str]:
        return [user.username for user in project_officers(project=project)]


class ProjectOfficerApi(ActsApi):
    """Name the project's officer (项目负责人): they see the project and its lines; the one
    before loses them. The budget officer or the tenant administrator names them."""

    required_posts = (*BUDGET_OFFICER, PostCode.TENANT_ADMIN)

    @extend_schema(request=ProjectOfficerInput, responses={200: ProjectOfficerOutput})
    def post(self, request, pk: int):
        project = selectors.project_get(pk=pk, user=request.user)
        if project is None:
            raise DomainError("not_found", "未找到该预算项目。", 404)
        data = _valid(ProjectOfficerInput, request.data)
        staff = staff_get(pk=data["staff"])
        if staff is None:
            raise _missing("staff", "没有该工作人员。")
        project = project_officer_set(actor=request.user, project=project, staff=staff)
        return Response(ProjectOfficerOutput(project).data)


# --- indicators ----------------------------------------------------------------------------


class IndicatorInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    department = serializers.IntegerField(min_value=1)
    subject = serializers.RegexField(r"^\d{3,8}$")
    fund_account = serializers.IntegerField(min_value=1)
    project = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                       default=None)
    amount = Money(min_value=Decimal("0.01"))


class IndicatorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField(source="department.name")
    subject = serializers.CharField(source="subject.code")
    subject_name = serializers.CharField(source="subject.name")
    fund_account = serializers.IntegerField(source="fund_account_id")
    fund_account_name = serializers.CharField(source="fund_account.name")
    project = serializers.IntegerField(source="project_id", allow_null=True)
    project_code = serializers.CharField(source="project.code", allow_null=True, default=None)
    project_name = serializers.CharField(source="project.name", allow_null=True, default=None)
    amount = Money()
    committed = Money()
    executed = Money()
    available = Money()


class IndicatorsQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    department = serializers.IntegerField(min_value=1, required=False)
    subject = serializers.RegexField(r"^\d{3,8}$", required=False)
    project = serializers.IntegerField(min_value=1, required=False)
    fund_account = serializers.IntegerField(min_value=1, required=False)


class IndicatorsApi(BudgetApi):
    """预算指标: amount, committed, executed and available, always consistent."""

    @extend_schema(parameters=[IndicatorsQuery], responses={200: IndicatorOutput(many=True)})
    def get(self, request):
        query = _valid(IndicatorsQuery, request.query_params)
        return self.paginated(selectors.indicators_list(user=request.user, **query),
                              IndicatorOutput)

    @extend_schema(request=IndicatorInput, responses={201: IndicatorOutput})
    def post(self, request):
        data = _valid(IndicatorInput, request.data)
        account = selectors.fund_account_get(pk=data["fund_account"])
        if account is None:
            raise _missing("fund_account", "没有该资金账户。")
        project = None
        if data["project"] is not None:
            project = selectors.project_get(pk=data["project"], user=request.user)
            if project is None:
                raise _missing("project", "没有该预算项目。")
        indicator = services.indicator_create(
            actor=request.user, year=data["year"], department=_department(data["department"]),
            subject=_subject(data["subject"]), fund_account=account, project=project,
            amount=data["amount"],
        )
        return Response(IndicatorOutput(selectors.indicator_get(pk=indicator.pk,
                                                                user=request.user)).data,
                        status=status.HTTP_201_CREATED)


class IndicatorDetailApi(BudgetApi):
    """One line; 404 alike for a line that does not exist and one the caller does not see."""

    @extend_schema(responses={200: IndicatorOutput})
    def get(self, request, pk: int):
        return Response(IndicatorOutput(selectors.indicator_get(pk=pk, user=request.user)).data)


class ImportInput(serializers.Serializer):
    file = serializers.FileField(
        help_text="xlsx：年度、部门编码、项目编码、经济分类科目编码、资金账户、金额")


class ImportOutput(serializers.Serializer):
    created = serializers.IntegerField()


class ImportRefusedRow(serializers.Serializer):
    row = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())


class ImportRefusedOutput(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    rows = ImportRefusedRow(many=True)


class IndicatorImportApi(ActsApi):
    """All or nothing: 200 {created} or 422 `import_refused` with every refused row."""

    parser_classes = (MultiPartParser,)

    def initialize_request(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)  # none for the schema generator's mock
        if tenant is not None:
            request.upload_handlers = [
                LimitedUploadHandler(request, schema_name=tenant.schema_name)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": ImportInput},
                   responses={200: ImportOutput, 422: ImportRefusedOutput})
    def post(self, request):
        received = request.FILES.get("file")
        if not isinstance(received, ReceivedFile):
            raise DomainError("invalid", "请选择要导入的 Excel 文件（字段 file）。", 400)
        try:
            importer.check_file(head=received.head, path=received.path)
            created = importer.indicators_import(actor=request.user, path=received.path)
        finally:
            received.close()
        return Response(ImportOutput({"created": created}).data)


class IndicatorImportTemplateApi(BudgetApi):
    """The import template (.xlsx) with its column explanations."""

    @extend_schema(responses={(200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        return exports.xlsx_response(importer.template_bytes(), "预算指标导入模板")


# --- department limits and subject totals ---------------------------------------------------


class YearQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class SubjectTotalInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    subject = serializers.RegexField(r"^\d{3,8}$")
    amount = Money(min_value=Decimal("0.00"))


class SubjectTotalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    subject = serializers.CharField(source="subject.code")
    subject_name = serializers.CharField(source="subject.name")
    amount = Money()


class DepartmentLimitInput(SubjectTotalInput):
    """A subject total for one department: the same cap, narrowed."""

    department = serializers.IntegerField(min_value=1)


class DepartmentLimitOutput(SubjectTotalOutput):
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField(source="department.name")


class DepartmentLimitsApi(BudgetApi):
    """部门费用限额: POST sets the limit (201 when new, 200 when changed)."""

    @extend_schema(parameters=[YearQuery], responses={200: DepartmentLimitOutput(many=True)})
    def get(self, request):
        query = _valid(YearQuery, request.query_params)
        return self.paginated(selectors.department_limits_list(**query), DepartmentLimitOutput)

    @extend_schema(request=DepartmentLimitInput,
                   responses={201: DepartmentLimitOutput, 200: DepartmentLimitOutput})
    def post(self, request):
        data = _valid(DepartmentLimitInput, request.data)
        limit, created = services.department_limit_set(
            actor=request.user, year=data["year"], department=_department(data["department"]),
            subject=_subject(data["subject"]), amount=data["amount"])
        return Response(DepartmentLimitOutput(limit).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SubjectTotalsApi(BudgetApi):
    """科目总额: POST sets the total (201 when new, 200 when changed)."""

    @extend_schema(parameters=[YearQuery], responses={200: SubjectTotalOutput(many=True)})
    def get(self, request):
        query = _valid(YearQuery, request.query_params)
        return self.paginated(selectors.subject_totals_list(**query), SubjectTotalOutput)

    @extend_schema(request=SubjectTotalInput,
                   responses={201: SubjectTotalOutput, 200: SubjectTotalOutput})
    def post(self, request):
        data = _valid(SubjectTotalInput, request.data)
        total, created = services.subject_total_set(
            actor=request.user, year=data["year"], subject=_subject(data["subject"]),
            amount=data["amount"])
        return Response(SubjectTotalOutput(total).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- documents: adjustments and revenue registrations ---------------------------------------


def approval_of(document) -> dict | None:
    """The document's approval with its steps and their timing (None while a draft)."""
    if document.approval_id is None:
        return None
    return approval_representation(approval_loaded(approval_id=document.approval_id))


class AdjustmentInput(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1)
    delta = Money()
    reason = serializers.CharField(max_length=500)


class AdjustmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.IntegerField(source="indicator_id")
    subject = serializers.CharField(source="indicator.subject.code")
    department_name = serializers.CharField(source="indicator.department.name")
    delta = Money()
    reason = serializers.CharField()
    status = serializers.CharField()
    status_name = serializers.CharField(source="get_status_display")
    requested_by = serializers.CharField(source="requested_by.username")
    amount_before = Money(allow_null=True)
    amount_after = Money(allow_null=True)
    created_at = serializers.DateTimeField()
    applied_at = serializers.DateTimeField(allow_null=True)


class AdjustmentDetailOutput(AdjustmentOutput):
    approval = serializers.SerializerMethodField()

    @extend_schema_field(ApprovalOutput(allow_null=True))
    def get_approval(self, document) -> dict | None:
        return approval_of(document)


class AdjustmentsQuery(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1, required=False)
    status = serializers.ChoiceField(choices=DocumentStatus.choices, required=False)


class AdjustmentsApi(BudgetApi):
    """预算调整: POST drafts and submits it into approval at once (201); the indicator's
    amount changes only when that approval passes."""

    @extend_schema(parameters=[AdjustmentsQuery], responses={200: AdjustmentOutput(many=True)})
    def get(self, request):
        query = _valid(AdjustmentsQuery, request.query_params)
        return self.paginated(selectors.adjustments_list(**query), AdjustmentOutput)

    @extend_schema(request=AdjustmentInput, responses={201: AdjustmentDetailOutput})
    def post(self, request):
        data = _valid(AdjustmentInput, request.data)
        adjustment = adjustments.adjustment_create(
            actor=request.user, indicator_id=data["indicator"], delta=data["delta"],
            reason=data["reason"])
        return Response(AdjustmentDetailOutput(selectors.adjustment_get(pk=adjustment.pk)).data,
                        status=status.HTTP_201_CREATED)


class AdjustmentDetailApi(BudgetApi):
    @extend_schema(responses={200: AdjustmentDetailOutput})
    def get(self, request, pk: int):
        return Response(AdjustmentDetailOutput(selectors.adjustment_get(pk=pk)).data)


class AdjustmentActionApi(ActsApi):
    """Resubmit a returned adjustment (`submit`) or take it back (`withdraw`): its requester."""

    operation = "submit"

    @extend_schema(request=None, responses={200: AdjustmentDetailOutput})
    def post(self, request, pk: int):
        service = {"submit": adjustments.adjustment_submit,
                   "withdraw": adjustments.adjustment_withdraw}[self.operation]
        service(actor=request.user, adjustment_id=pk)
        return Response(AdjustmentDetailOutput(selectors.adjustment_get(pk=pk)).data)


class RevenueInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RevenueKind.choices)
    fund_account = serializers.IntegerField(min_value=1)
    amount = Money(min_value=Decimal("0.01"))
    received_on = serializers.DateField()
    payer = serializers.CharField(max_length=100)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RevenueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_name = serializers.CharField(source="get_kind_display")
    fund_account = serializers.IntegerField(source="fund_account_id")
    fund_account_name = serializers.CharField(source="fund_account.name")
    amount = Money()
    received_on = serializers.DateField()
    payer = serializers.CharField()
    note = serializers.CharField()
    status = serializers.CharField()
    status_name = serializers.CharField(source="get_status_display")
    registered_by = serializers.CharField(source="registered_by.username")
    created_at = serializers.DateTimeField()


class RevenueDetailOutput(RevenueOutput):
    approval = serializers.SerializerMethodField()

    @extend_schema_field(ApprovalOutput(allow_null=True))
    def get_approval(self, document) -> dict | None:
        return approval_of(document)


class RevenuesQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    kind = serializers.ChoiceField(choices=RevenueKind.choices, required=False)
    fund_account = serializers.IntegerField(min_value=1, required=False)
    status = serializers.ChoiceField(choices=DocumentStatus.choices, required=False)


class RevenuesApi(BudgetApi):
    """收入登记 (land-transfer fees, tax returns, asset income, transfers from above): the
    finance office drafts one; members read."""

    required_posts = FINANCE_OFFICE

    @extend_schema(parameters=[RevenuesQuery], responses={200: RevenueOutput(many=True)})
    def get(self, request):
        query = _valid(RevenuesQuery, request.query_params)
        return self.paginated(selectors.revenues_list(**query), RevenueOutput)

    @extend_schema(request=RevenueInput, responses={201: RevenueDetailOutput})
    def post(self, request):
        data = dict(_valid(RevenueInput, request.data))
        data["fund_account_id"] = data.pop("fund_account")
        registration = revenue.revenue_create(actor=request.user, **data)
        return Response(RevenueDetailOutput(selectors.revenue_get(pk=registration.pk)).data,
                        status=status.HTTP_201_CREATED)


class RevenueDetailApi(BudgetApi):
    required_posts = FINANCE_OFFICE

    @extend_schema(responses={200: RevenueDetailOutput})
    def get(self, request, pk: int):
        return Response(RevenueDetailOutput(selectors.revenue_get(pk=pk)).data)


class RevenueActionApi(ActsApi):
    """Submit a draft (or returned) registration into approval, or withdraw it: its
    registrant."""

    required_posts = FINANCE_OFFICE
    operation = "submit"

    @extend_schema(request=None, responses={200: RevenueDetailOutput})
    def post(self, request, pk: int):
        service = {"submit": revenue.revenue_submit,
                   "withdraw": revenue.revenue_withdraw}[self.operation]
        service(actor=request.user, revenue_id=pk)
        return Response(RevenueDetailOutput(selectors.revenue_get(pk=pk)).data)


# --- execution and tables -------------------------------------------------------------------


class JsonUnlessXlsx(DefaultContentNegotiation):
    """`?format=` is the view's own parameter (json or xlsx, validated by the view): the
    workbook is not a DRF renderer, and an unknown format is a 400, not DRF's 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get("format") not in (None, "json", "api"):
            return JSONRenderer(), JSONRenderer.media_type
        return super().select_renderer(request, renderers, format_suffix)


class TableQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    format = serializers.ChoiceField(choices=["json", "xlsx"], required=False, default="json")


FORMAT_PARAMETER = OpenApiParameter("format", str, enum=["json", "xlsx"],
                                    description="xlsx：下载 Excel")


class TableApi(BudgetApi):
    content_negotiation_class = JsonUnlessXlsx
    columns: tuple = ()
    title = ""

    def query(self, serializer_class=TableQuery) -> dict:
        query = dict(_valid(serializer_class, self.request.query_params))
        query.setdefault("year", None)
        query["year"] = query["year"] or _this_year()
        return query

    def answer(self, query: dict, rows: list[dict], output, *, subtitle: str, **extra):
        if query["format"] == "xlsx":
            content = exports.workbook_bytes(title=self.title, subtitle=subtitle,
                                             columns=self.columns, rows=rows)
            return exports.xlsx_response(content, f"{self.title}-{query['year']}")
        return Response({"year": query["year"], **extra,
                         "rows": output(rows, many=True).data})


class ExecutionRow(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    amount = Money()
    committed = Money()
    executed = Money()
    available = Money()
    execution_rate = Rate()


class ExecutionQuery(TableQuery):
    by = serializers.ChoiceField(choices=selectors.EXECUTION_KEYS, required=False,
                                 default="department")
    at = serializers.DateTimeField(required=False, default=None)


class ExecutionOutput(serializers.Serializer):
    year = serializers.IntegerField()
    by = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    total = ExecutionRow()
    rows = ExecutionRow(many=True)


BY_NAMES = {"indicator": "指标", "department": "部门", "subject": "科目", "project": "项目",
            "fund_account": "资金账户"}


class ExecutionApi(TableApi):
    """预算执行: by indicator, department, subject, project or fund account, now or as it stood
    at a moment (`at`, from the ledger); execution_rate = executed / amount."""

    columns = exports.EXECUTION
    title = "预算执行情况"

    @extend_schema(parameters=[ExecutionQuery, FORMAT_PARAMETER],
                   responses={200: ExecutionOutput,
                              (200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        query = self.query(ExecutionQuery)
        rows = selectors.execution(year=query["year"], by=query["by"], at=query["at"],
                                   user=request.user)
        total = selectors.execution_totals(rows)
        moment = query["at"] or timezone.now()
        subtitle = (f"{query['year']} 年度，按{BY_NAMES[query['by']]}，截至 "
                    f"{timezone.localtime(moment):%Y-%m-%d %H:%M}")
        return self.answer(query, rows + [total] if query["format"] == "xlsx" else rows,
                           ExecutionRow, subtitle=subtitle, by=query["by"], at=query["at"],
                           total=ExecutionRow(total).data)


class SangongRow(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    amount = Money()
    executed = Money()
    last_year_executed = Money()
    change = Money()
    change_rate = Rate(allow_null=True)


class SangongApi(TableApi):
    """三公经费: per subject, this year's budget and spending against last year's spending
    (the last row is the total)."""

    columns = exports.SANGONG
    title = "三公经费支出情况"

    @extend_schema(parameters=[TableQuery, FORMAT_PARAMETER],
                   responses={200: SangongRow(many=True),
                              (200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        query = self.query()
        rows = selectors.sangong_summary(year=query["year"])
        return self.answer(query, rows, SangongRow,
                           subtitle=f"{query['year']} 年度与 {query['year'] - 1} 年度对比")


class BudgetTableRow(serializers.Serializer):
    level = serializers.ChoiceField(choices=["class", "item", "total"])
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    amount = Money()
    basic = Money()
    project = Money()


class BudgetTableApi(TableApi):
    """年度预算表: by class (类) and item (款) of the economic classification."""

    columns = exports.BUDGET_TABLE
    title = "年度预算表"

    @extend_schema(parameters=[TableQuery, FORMAT_PARAMETER],
                   responses={200: BudgetTableRow(many=True),
                              (200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        query = self.query()
        return self.answer(query, selectors.budget_table(year=query["year"]), BudgetTableRow,
                           subtitle=f"{query['year']} 年度，单位：元")


class FinalAccountRow(serializers.Serializer):
    level = serializers.ChoiceField(choices=["class", "item", "total"])
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    amount = Money()
    executed = Money()
    execution_rate = Rate()


class FinalAccountTableApi(TableApi):
    """决算表: by class and item, the approved amount, what was paid and the rate."""

    columns = exports.FINAL_ACCOUNT
    title = "决算表"

    @extend_schema(parameters=[TableQuery, FORMAT_PARAMETER],
                   responses={200: FinalAccountRow(many=True),
                              (200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        query = self.query()
        return self.answer(query, selectors.final_account_table(year=query["year"]),
                           FinalAccountRow, subtitle=f"{query['year']} 年度，单位：元")
