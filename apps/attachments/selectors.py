"""Reads of attachments. `attachment_get_for` is the one place that decides who may see an
attachment: the same 404 for "does not exist" and "not yours"."""

from django.db.models import Q
from django.http import Http404

from apps.approvals.models import ApprovalTask
from apps.attachments.models import Attachment
from permissions.access import Membership
from permissions.models import PostCode
from tenants.models import User

# Who sees every attachment of the tenant: its administrator; inspectors read everything.
SEES_ALL = {PostCode.TENANT_ADMIN}
# The finance office reads the invoices of every submitted spending request: the accountant
# reviews them and the cashier pays against them, whether or not either holds a task of it.
# (The document type's code, not imported: apps.expenditure.services imports this module.)
FINANCE_READS = {"spending_request": frozenset({"accountant", "cashier"})}


def _takes_part(*, user: User, attachment: Attachment) -> bool:
    """The user holds (or is delegated) a task of the linked document's approval."""
    if not attachment.object_type:
        return False
    return ApprovalTask.objects.filter(
        Q(assignee=user) | Q(delegate=user),
        step__approval__document_type=attachment.object_type,
        step__approval__document_id=attachment.object_id,
    ).exists()


def _finance_reads(*, membership: Membership, attachment: Attachment) -> bool:
    """A finance post reading an attachment of a submitted document. Attachments are locked
    when their document is submitted, so a draft's (and one added to a returned request until
    it is submitted again) stay the applicant's; no query is needed."""
    posts = FINANCE_READS.get(attachment.object_type, frozenset())
    return attachment.locked and bool(posts & set(membership.posts))


def attachment_may_see(*, user: User, membership: Membership, attachment: Attachment) -> bool:
    # Document visibility rules (applicant's department, ...) are added here, nowhere else.
    return (attachment.uploaded_by_id == user.pk
            or membership.is_inspector
            or bool(SEES_ALL & set(membership.posts))
            or _finance_reads(membership=membership, attachment=attachment)
            or _takes_part(user=user, attachment=attachment))


def attachment_get_for(*, user: User, membership: Membership, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or not attachment_may_see(user=user, membership=membership,
                                                    attachment=attachment):
        raise Http404
    return attachment


def attachments_of(*, object_type: str, object_id: str):
    """The attachments linked to one document (for the checks at submission)."""
    return Attachment.objects.filter(object_type=object_type, object_id=object_id).order_by("id")
