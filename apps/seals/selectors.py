"""Reads of seal-use applications, each scoped to who may see it."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.approvals.models import ApprovalTask
from apps.approvals.selectors import oversees_approvals
from apps.seals.models import SealApplication, SealStatus
from county_platform.errors import DomainError
from permissions.access import Membership

# Besides those who oversee every approval, the seal keeper sees every application.
SEAL_OVERSEERS = frozenset({"seal_keeper"})


def seal_applications_visible(*, user, membership: Membership) -> QuerySet[SealApplication]:
    """Applications the caller may see: their own, those they have (had) a task on, and all
    of them for the tenant's admin, internal-control lead, supervisor, seal keeper and
    inspectors."""
    applications = SealApplication.objects.select_related("applicant", "department")
    if oversees_approvals(membership) or SEAL_OVERSEERS & set(membership.posts):
        return applications
    task_on_it = ApprovalTask.objects.filter(step__approval_id=OuterRef("approval_id")).filter(
        Q(assignee_id=user.pk) | Q(delegate_id=user.pk)
    )
    return applications.filter(Q(applicant_id=user.pk) | Exists(task_on_it))


def seal_applications_list(*, user, membership: Membership, status: str | None = None,
                           mine: bool = False) -> QuerySet[SealApplication]:
    applications = seal_applications_visible(user=user, membership=membership)
    if status:
        if status not in SealStatus.values:
            raise DomainError("invalid", "未知的申请状态。", 400)
        applications = applications.filter(status=status)
    if mine:
        applications = applications.filter(applicant_id=user.pk)
    return applications.order_by("-created_at", "-id")


def seal_application_get_for(*, user, membership: Membership,
                             application_id: int) -> SealApplication:
    """The application if the caller may see it; the same 404 when it does not exist."""
    application = seal_applications_visible(user=user, membership=membership).filter(
        pk=application_id
    ).first()
    if application is None:
        raise DomainError("not_found", "未找到该用印申请。", 404)
    return application
