"""Reads of spending requests and payments, each scoped to who may see them."""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from apps.approvals.models import ApprovalTask
from apps.approvals.selectors import oversees_approvals
from apps.expenditure.models import Payment, RequestStatus, SpendingRequest
from county_platform.errors import DomainError
from permissions.access import Membership

# Besides those who oversee every approval: the finance office and the leaders see every
# request of the tenant (DESIGN.md §11: "mine / all for budget_officer, accountant, …").
FINANCE_AND_LEADERS = frozenset({"budget_officer", "accountant", "cashier", "finance_reviewer",
                                 "leader", "principal"})


def sees_all_requests(membership: Membership) -> bool:
    return oversees_approvals(membership) or bool(FINANCE_AND_LEADERS & set(membership.posts))


def requests_visible(*, user, membership: Membership) -> QuerySet[SpendingRequest]:
    """The caller's own requests, those they have (had) a task on, and every request for the
    finance office, the leaders, the overseers and inspectors."""
    requests = SpendingRequest.objects.select_related(
        "applicant", "department", "indicator__subject", "subject")
    if sees_all_requests(membership):
        return requests
    task_on_it = ApprovalTask.objects.filter(step__approval_id=OuterRef("approval_id")).filter(
        Q(assignee_id=user.pk) | Q(delegate_id=user.pk))
    return requests.filter(Q(applicant_id=user.pk) | Exists(task_on_it))


def requests_list(*, user, membership: Membership, status: str | None = None,
                  mine: bool = False, indicator: int | None = None
                  ) -> QuerySet[SpendingRequest]:
    requests = requests_visible(user=user, membership=membership)
    if status:
        if status not in RequestStatus.values:
            raise DomainError("invalid", "未知的申请状态。", 400)
        requests = requests.filter(status=status)
    if mine:
        requests = requests.filter(applicant_id=user.pk)
    if indicator:
        requests = requests.filter(indicator_id=indicator)
    return requests.order_by("-created_at", "-id")


def requests_payable(*, user, membership: Membership) -> QuerySet[SpendingRequest]:
    """Approved requests not yet paid in full (the cashier's queue), oldest submission first,
    each with its `unpaid` remainder."""
    return (requests_visible(user=user, membership=membership)
            .filter(status__in=(RequestStatus.APPROVED, RequestStatus.PARTLY_PAID))
            .annotate(unpaid=F("amount") - F("paid_amount"))
            .order_by("submitted_at", "id"))


def request_get_for(*, user, membership: Membership, request_id: int) -> SpendingRequest:
    """The request if the caller may see it; the same 404 when it does not exist."""
    request = requests_visible(user=user, membership=membership).filter(pk=request_id).first()
    if request is None:
        raise DomainError("not_found", "未找到该支出申请。", 404)
    return request


def payments_of(*, request: SpendingRequest) -> QuerySet[Payment]:
    return request.payments.select_related("paid_by").order_by("paid_at", "id")


def payment_get(*, pk: int) -> Payment:
    return Payment.objects.select_related("request", "paid_by").get(pk=pk)
