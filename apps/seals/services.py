"""Seal-use applications: draft, submit into approval, and what each outcome does."""

from django.db import transaction

from apps.approvals.registry import DocumentType, document_type_register
from apps.approvals.services import approval_submit, approval_withdraw
from apps.audit.services import audit_record
from apps.seals.models import SealApplication, SealKind, SealStatus
from county_platform.errors import DomainError
from permissions.selectors import staff_get_for_user
from tenants.models import User

DOCUMENT_TYPE = "seal_use"


@transaction.atomic
def seal_application_create(*, actor: User, seal_kind: str, document_title: str, purpose: str,
                            copies: int = 1) -> SealApplication:
    if seal_kind not in SealKind.values:
        raise DomainError("invalid", "请选择要使用的印章。", 400)
    if copies < 1:
        raise DomainError("invalid", "份数至少为 1。", 400)
    staff = staff_get_for_user(user=actor)
    application = SealApplication.objects.create(
        applicant=actor, department=getattr(staff, "department", None), seal_kind=seal_kind,
        document_title=document_title, purpose=purpose, copies=copies,
    )
    audit_record(actor=actor, action="seal.application_created", obj=application,
                 after={"seal_kind": seal_kind, "document_title": document_title,
                        "copies": copies})
    return application


def _locked(application_id: int | str) -> SealApplication:
    application = SealApplication.objects.select_for_update().filter(pk=application_id).first()
    if application is None:
        raise DomainError("not_found", "未找到该用印申请。", 404)
    return application


@transaction.atomic
def seal_application_submit(*, actor: User, application_id: int) -> SealApplication:
    application = _locked(application_id)
    if application.applicant_id != actor.pk:
        raise DomainError("not_found", "未找到该用印申请。", 404)
    if application.status not in (SealStatus.DRAFT, SealStatus.RETURNED):
        raise DomainError("invalid_state", "只有草稿或被退回的申请可以提交。", 409)
    application.status = SealStatus.IN_APPROVAL
    application.save(update_fields=["status"])
    application.approval = approval_submit(
        actor=actor, document_type=DOCUMENT_TYPE, document_id=application.pk,
        department_id=application.department_id,
        facts={"seal_kind": application.seal_kind, "copies": application.copies,
               "title": application.document_title},
    )
    application.save(update_fields=["approval"])
    return application


@transaction.atomic
def seal_application_withdraw(*, actor: User, application_id: int) -> SealApplication:
    application = _locked(application_id)
    if application.applicant_id != actor.pk or application.approval_id is None:
        raise DomainError("not_found", "未找到该用印申请。", 404)
    approval_withdraw(actor=actor, approval_id=application.approval_id)
    application.refresh_from_db()
    return application


def _outcome(status: str):
    def hook(*, document_id: str, actor: User) -> None:
        application = _locked(document_id)
        application.status = status
        application.save(update_fields=["status"])
        audit_record(actor=actor, action=f"seal.application_{status}", obj=application,
                     after={"status": status})
    return hook


document_type_register(DocumentType(
    code=DOCUMENT_TYPE, name="用印申请",
    on_approved=_outcome(SealStatus.APPROVED), on_rejected=_outcome(SealStatus.REJECTED),
    on_returned=_outcome(SealStatus.RETURNED), on_withdrawn=_outcome(SealStatus.WITHDRAWN),
))
