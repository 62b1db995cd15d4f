"""Reads for the approval and seal pages: a user's to-dos, and a document as the paper form it
replaces, with one signature box per step. Every getter raises the same 404 for "does not
exist" and "not yours"."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.approvals.models import (
    Approval,
    ApprovalStatus,
    ApprovalStep,
    ApprovalTask,
    StepStatus,
    TaskStatus,
)
from apps.approvals.registry import document_type_get
from apps.approvals.selectors import approval_get_for, approval_loaded, task_counts, tasks_of
from apps.attachments.models import Attachment
from apps.expenditure.models import SpendingRequest
from apps.seals.models import SealApplication, SealStatus
from county_platform.errors import DomainError
from permissions.access import Membership
from permissions.models import Post

NOT_FOUND = DomainError("not_found", "未找到。", 404)


# --- which document a paper form shows --------------------------------------------------------


@dataclass(frozen=True)
class PaperForm:
    """How one document type is drawn as its paper form."""

    title: str  # the form's printed name: 用印申请单
    template: str  # renders `document` (and the signature boxes around it)
    load: Callable[[Iterable[str]], dict[str, Any]]  # document ids → documents
    subject: Callable[[Any], str]  # the document's one-line title in lists


def _seal_applications(ids: Iterable[str]) -> dict[str, SealApplication]:
    rows = SealApplication.objects.select_related("applicant", "department").filter(
        pk__in=[int(i) for i in ids]
    )
    return {str(row.pk): row for row in rows}


def _spending_requests(ids: Iterable[str]) -> dict[str, SpendingRequest]:
    """The requests with their attachments (`listed_attachments`), in two queries."""
    rows = SpendingRequest.objects.select_related(
        "applicant", "department", "indicator__subject", "subject").filter(
        pk__in=[int(i) for i in ids])
    found = {str(row.pk): row for row in rows}
    for row in found.values():
        row.listed_attachments = []
    for attachment in attachments_linked(object_type="spending_request", object_ids=found):
        found[attachment.object_id].listed_attachments.append(attachment)
    return found


def attachments_linked(*, object_type: str, object_ids: Iterable[str]) -> list[Attachment]:
    return list(Attachment.objects.filter(object_type=object_type, object_id__in=list(object_ids))
                .order_by("id"))


PAPER_FORMS: dict[str, PaperForm] = {
    "seal_use": PaperForm(
        title="用印申请单", template="seals/_paper.html", load=_seal_applications,
        subject=lambda application: application.document_title,
    ),
    "spending_request": PaperForm(
        title="支出申请单", template="expenditure/_paper.html", load=_spending_requests,
        subject=lambda request: f"{request.purpose} ¥{request.amount}",
    ),
}
_GENERIC = PaperForm(title="审批单", template="approvals/_paper_generic.html",
                     load=lambda ids: {}, subject=lambda document: "")


def paper_form_of(document_type: str) -> PaperForm:
    return PAPER_FORMS.get(document_type, _GENERIC)


def _type_name(code: str) -> str:
    try:
        return document_type_get(code).name
    except LookupError:
        return code


# --- my to-dos --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TodoCounts:
    pending: int
    overdue: int


def todo_counts(*, user) -> TodoCounts:
    """How many open to-dos the user has, and how many of them are past their due time."""
    return TodoCounts(**task_counts(user=user))


@dataclass(frozen=True)
class Todo:
    task: ApprovalTask
    type_name: str
    subject: str
    step_name: str
    applicant: str
    received_at: datetime
    due_at: datetime | None
    overdue: bool


def todos_for(*, user) -> list[Todo]:
    """The user's open to-dos (their own and those delegated to them), the most urgent first."""
    tasks = list(tasks_of(user=user, status="pending").select_related("step__approval__applicant"))
    documents = _documents_of([task.step.approval for task in tasks])
    now = timezone.now()
    return [
        Todo(
            task=task, type_name=_type_name(task.step.approval.document_type),
            subject=_subject(task.step.approval, documents),
            step_name=task.step.name, applicant=str(task.step.approval.applicant),
            received_at=task.created_at, due_at=task.due_at,
            overdue=task.due_at is not None and task.due_at < now,
        )
        for task in tasks
    ]


def _documents_of(approvals: list[Approval]) -> dict[tuple[str, str], Any]:
    """Each approval's document, one query per document type."""
    by_type: dict[str, set[str]] = {}
    for approval in approvals:
        by_type.setdefault(approval.document_type, set()).add(approval.document_id)
    found: dict[tuple[str, str], Any] = {}
    for code, ids in by_type.items():
        for document_id, document in paper_form_of(code).load(ids).items():
            found[(code, document_id)] = document
    return found


def _subject(approval: Approval, documents: dict) -> str:
    document = documents.get((approval.document_type, approval.document_id))
    if document is None:
        return f"#{approval.document_id}"
    return paper_form_of(approval.document_type).subject(document)


# --- the paper form with its signature boxes --------------------------------------------------


@dataclass(frozen=True)
class Signature:
    decision: str  # 同意 / 驳回 / 退回
    status: str
    name: str
    on_behalf_of: str  # the assignee's name when a delegate signed, else ""
    post_name: str
    at: datetime
    comment: str


@dataclass(frozen=True)
class SignatureBox:
    order: int
    name: str
    post_name: str
    mode: str
    status: str
    status_label: str
    signatures: list[Signature] = field(default_factory=list)

    @property
    def state(self) -> str:
        """signed (someone signed), skipped (不适用), closed (never reached), or blank."""
        if self.signatures:
            return "signed"
        if self.status == StepStatus.SKIPPED:
            return "skipped"
        if self.status == StepStatus.CANCELLED:
            return "closed"
        return "blank"


@dataclass(frozen=True)
class Paper:
    approval: Approval | None
    form: PaperForm
    document: Any
    type_name: str
    boxes: list[SignatureBox]


_SIGNED = (TaskStatus.APPROVED, TaskStatus.REJECTED, TaskStatus.RETURNED)


def _post_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Post.objects.filter(code__in=set(codes)).values_list("code", "name"))


def signature_boxes(approval: Approval) -> list[SignatureBox]:
    """One box per step; uses the steps and tasks prefetched by `approval_loaded`."""
    steps = list(approval.steps.all())
    names = _post_names([s.post_code for s in steps]
                        + [t.post_code for s in steps for t in s.tasks.all()])
    return [_box(step, sorted((t for t in step.tasks.all() if t.status in _SIGNED),
                              key=lambda t: (t.decided_at, t.pk)), names)
            for step in steps]


def _box(step: ApprovalStep, tasks: list[ApprovalTask], names: dict[str, str]) -> SignatureBox:
    signatures = [
        Signature(
            decision=task.get_status_display(), status=task.status,
            name=str(task.decided_by or task.assignee),
            on_behalf_of=str(task.assignee) if task.decided_by_id not in (None, task.assignee_id)
            else "",
            post_name=names.get(task.post_code, task.post_code),
            at=task.decided_at, comment=task.comment,
        )
        for task in tasks
    ]
    return SignatureBox(
        order=step.order, name=step.name, post_name=names.get(step.post_code, step.post_code),
        mode=step.get_mode_display(), status=step.status, status_label=step.get_status_display(),
        signatures=signatures,
    )


def paper_of(approval: Approval) -> Paper:
    form = paper_form_of(approval.document_type)
    document = form.load([approval.document_id]).get(approval.document_id)
    return Paper(approval=approval, form=form, document=document,
                 type_name=_type_name(approval.document_type), boxes=signature_boxes(approval))


# --- who may see an approval ------------------------------------------------------------------


def paper_get_for(*, user, membership: Membership, approval_id: int) -> Paper:
    """The approval's paper form, if the caller may see the approval (404 alike otherwise)."""
    return paper_of(approval_get_for(user=user, membership=membership, approval_id=approval_id))


@dataclass(frozen=True)
class TaskPage:
    task: ApprovalTask
    paper: Paper
    may_decide: bool  # the viewer is the assignee or a delegate in time, and it is still open
    note: str  # why the buttons are absent, in plain words ("" when they are shown)


def task_page_for(*, user, membership: Membership, task_id: int) -> TaskPage:
    """The task with its document; 404 unless the viewer may see the document."""
    task = ApprovalTask.objects.select_related("step", "assignee").filter(pk=task_id).first()
    if task is None:
        raise NOT_FOUND
    paper = paper_get_for(user=user, membership=membership, approval_id=task.step.approval_id)
    mine = tasks_of(user=user, status="pending").filter(pk=task.pk).exists()
    return TaskPage(task=task, paper=paper, may_decide=mine,
                    note="" if mine else _why_not(task, user=user))


def _why_not(task: ApprovalTask, *, user) -> str:
    if task.assignee_id != user.pk and task.delegate_id != user.pk:
        return "这是他人的待办，您只能查看。"
    if task.status == TaskStatus.PENDING:
        return "委托期限已过，您不能再代为办理。"
    if task.status == TaskStatus.CANCELLED:
        return "本环节已由他人办理，或申请已撤回，您无需再办理。"
    return f"您已办理：{task.get_status_display()}。"


def approval_withdrawable(approval: Approval | None) -> bool:
    """The applicant may still take it back: in approval and nobody has decided anything."""
    if approval is None or approval.status != ApprovalStatus.IN_APPROVAL:
        return False
    return not any(task.status in _SIGNED for step in approval.steps.all()
                   for task in step.tasks.all())


# --- seal-use applications --------------------------------------------------------------------


def seal_paper_of(application: SealApplication) -> Paper:
    """The application's paper form: its approval's boxes, or none while it is a draft."""
    form = PAPER_FORMS["seal_use"]
    approval = approval_loaded(approval_id=application.approval_id) \
        if application.approval_id else None
    return Paper(approval=approval, form=form, document=application, type_name="用印申请",
                 boxes=signature_boxes(approval) if approval else [])


SEAL_SUBMITTABLE = (SealStatus.DRAFT, SealStatus.RETURNED)


# --- spending requests ------------------------------------------------------------------------


def spending_paper_of(request: SpendingRequest) -> Paper:
    """The request's paper form (with its attachments): its approval's boxes, or none while
    it is a draft."""
    form = PAPER_FORMS["spending_request"]
    document = form.load([str(request.pk)])[str(request.pk)]
    approval = approval_loaded(approval_id=request.approval_id) if request.approval_id else None
    return Paper(approval=approval, form=form, document=document, type_name="支出申请",
                 boxes=signature_boxes(approval) if approval else [])
