"""Spending-request and payment endpoints (DESIGN.md §11): draft, submit under the five budget
controls (422 with the control's code), withdraw, correction of a draft (PATCH), the detail with
its approval steps and their timing, and payment by the cashier."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.approvals.apis import ApprovalOutput, approval_representation
from apps.approvals.selectors import approval_loaded
from apps.expenditure import selectors, services
from apps.expenditure.models import PaymentMethod, RequestStatus, SpendingRequest
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost


def Money(**kwargs):  # noqa: N802  (reads like a field class)
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


class SpendingRequestInput(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                         default=None)
    amount = Money(min_value=Decimal("0.01"))
    purpose = serializers.CharField(max_length=500)
    subject = serializers.RegexField(r"^\d{3,8}$", required=False, allow_null=True,
                                     default=None)
    major_matter = serializers.BooleanField(required=False, default=False)
    payee_name = serializers.CharField(max_length=100, required=False, default="",
                                       allow_blank=True)
    payee_account = serializers.RegexField(r"^[0-9 -]{0,40}$", required=False, default="",
                                           allow_blank=True)


class SpendingRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_name = serializers.CharField(source="get_status_display")
    applicant = serializers.CharField(source="applicant.username")
    applicant_name = serializers.SerializerMethodField()
    department = serializers.IntegerField(source="department_id", allow_null=True)
    department_name = serializers.CharField(source="department.name", allow_null=True,
                                            default=None)
    indicator = serializers.IntegerField(source="indicator_id", allow_null=True)
    subject = serializers.CharField(source="subject.code", allow_null=True, default=None)
    subject_name = serializers.CharField(source="subject.name", allow_null=True, default=None)
    amount = Money()
    paid_amount = Money()
    purpose = serializers.CharField()
    major_matter = serializers.BooleanField()
    payee_name = serializers.CharField()
    payee_account = serializers.CharField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)

    def get_applicant_name(self, request: SpendingRequest) -> str:
        return request.applicant.display_name or request.applicant.username


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.IntegerField(source="request_id")
    amount = Money()
    method = serializers.CharField()
    paid_by = serializers.CharField(source="paid_by.username")
    paid_at = serializers.DateTimeField()


class NoticeOutput(serializers.Serializer):
    """A remind/warn rule's notice on the document (its alert)."""

    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    status = serializers.CharField()


class SpendingRequestDetailOutput(SpendingRequestOutput):
    approval = serializers.SerializerMethodField()
    payments = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()

    @extend_schema_field(NoticeOutput(many=True))
    def get_notices(self, request: SpendingRequest) -> list[dict]:
        from apps.controls.selectors import notices_for  # the rules' side of the document

        return notices_for(object_type=services.DOCUMENT_TYPE, object_id=request.pk)

    @extend_schema_field(ApprovalOutput(allow_null=True))
    def get_approval(self, request: SpendingRequest) -> dict | None:
        if request.approval_id is None:
            return None
        return approval_representation(approval_loaded(approval_id=request.approval_id))

    @extend_schema_field(PaymentOutput(many=True))
    def get_payments(self, request: SpendingRequest) -> list[dict]:
        return PaymentOutput(selectors.payments_of(request=request), many=True).data


class SubmittedOutput(serializers.Serializer):
    """The hot path answers with the new state only; GET the request for its detail."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    approval = serializers.IntegerField(source="approval_id")


class SpendingRequestsQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
    mine = serializers.BooleanField(required=False, default=False)
    indicator = serializers.IntegerField(min_value=1, required=False)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _valid_partial(serializer_class, data) -> dict:
    """Only the fields sent (defaults are not applied to a partial input)."""
    serializer = serializer_class(data=data, partial=True)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# Input names → request_update's keywords.
UPDATE_NAMES = {"indicator": "indicator_id", "subject": "subject_code"}


class RequestApi(TenantAPIView):
    def detail(self, pk: int) -> dict:
        request = selectors.request_get_for(user=self.request.user,
                                            membership=self.membership, request_id=pk)
        return SpendingRequestDetailOutput(request).data


class SpendingRequestsApi(RequestApi):
    """The caller's requests (every request for the finance office, leaders and overseers);
    any member drafts one."""

    @extend_schema(parameters=[SpendingRequestsQuery],
                   responses={200: SpendingRequestOutput(many=True)})
    def get(self, request):
        query = _valid(SpendingRequestsQuery, request.query_params)
        requests = selectors.requests_list(user=request.user, membership=self.membership,
                                           **query)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(requests, request, view=self)
        return paginator.get_paginated_response(SpendingRequestOutput(page, many=True).data)

    @extend_schema(request=SpendingRequestInput, responses={201: SpendingRequestDetailOutput})
    def post(self, request):
        data = _valid(SpendingRequestInput, request.data)
        created = services.request_create(
            actor=request.user, amount=data["amount"], purpose=data["purpose"],
            indicator_id=data["indicator"], subject_code=data["subject"],
            major_matter=data["major_matter"], payee_name=data["payee_name"],
            payee_account=data["payee_account"])
        return Response(self.detail(created.pk), status=status.HTTP_201_CREATED)


class SpendingRequestDetailApi(RequestApi):
    """One request with its approval: steps, who decided, when, how long each took."""

    @extend_schema(responses={200: SpendingRequestDetailOutput})
    def get(self, request, pk: int):
        return Response(self.detail(pk))

    @extend_schema(request=SpendingRequestInput, responses={200: SpendingRequestDetailOutput})
    def patch(self, request, pk: int):
        """The applicant corrects a draft or a returned request (409 once submitted); only
        the fields sent change."""
        selectors.request_get_for(user=request.user, membership=self.membership,
                                  request_id=pk)  # 404 alike for missing and not visible
        data = _valid_partial(SpendingRequestInput, request.data)
        services.request_update(actor=request.user, request_id=pk, **{
            UPDATE_NAMES.get(name, name): value for name, value in data.items()})
        return Response(self.detail(pk))


class SpendingRequestSubmitApi(RequestApi):
    """The applicant submits: 200 in approval, or 422 with the refusing control's code
    (no_budget, out_of_scope, over_budget, over_department_limit, over_subject_total)."""

    @extend_schema(request=None, responses={200: SubmittedOutput})
    def post(self, request, pk: int):
        submitted = services.request_submit(actor=request.user, request_id=pk)
        return Response(SubmittedOutput(submitted).data)


class SpendingRequestWithdrawApi(RequestApi):
    """The applicant takes the request back while nobody has decided; the budget is
    released."""

    @extend_schema(request=None, responses={200: SpendingRequestDetailOutput})
    def post(self, request, pk: int):
        self.detail(pk)
        services.request_withdraw(actor=request.user, request_id=pk)
        return Response(self.detail(pk))


class PaymentInput(serializers.Serializer):
    request = serializers.IntegerField(min_value=1)
    amount = Money(min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False,
                                     default=PaymentMethod.TRANSFER)


class PaymentCreatedOutput(PaymentOutput):
    request_status = serializers.CharField(source="request.status")
    paid_total = Money(source="request.paid_amount")


class PaymentsApi(TenantAPIView):
    """The cashier pays (part of) an approved request: 409 when it is not approved, 422 when
    more than approved and unpaid."""

    extra_permission_classes = (HoldsPost,)
    required_posts = ("cashier",)

    @extend_schema(request=PaymentInput, responses={201: PaymentCreatedOutput})
    def post(self, request):
        data = _valid(PaymentInput, request.data)
        payment = services.payment_create(actor=request.user, request_id=data["request"],
                                          amount=data["amount"], method=data["method"])
        return Response(PaymentCreatedOutput(selectors.payment_get(pk=payment.pk)).data,
                        status=status.HTTP_201_CREATED)
