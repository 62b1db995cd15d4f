"""What the approval engine tells people: one outbox message per recipient and event, written
in the deciding transaction (delivered in-app, by e-mail and to 浙政钉 by apps.notifications)."""

from apps.approvals.models import Approval, ApprovalTask
from apps.approvals.registry import document_type_get
from apps.outbox.services import outbox_enqueue


def task_link(task: ApprovalTask) -> str:
    return f"/approvals/tasks/{task.pk}/"


def document_label(approval: Approval) -> str:
    """How people know the document: its type's name and its title (or number)."""
    try:
        name = document_type_get(approval.document_type).name
    except LookupError:
        name = approval.document_type
    title = approval.facts.get("title") or approval.facts.get("purpose")
    return f"{name}「{title}」" if title else f"{name} #{approval.document_id}"


def tasks_assigned(tasks: list[ApprovalTask], approval: Approval) -> None:
    for task in tasks:
        outbox_enqueue(
            topic="notify",
            idempotency_key=f"task_assigned:{task.pk}",
            payload={
                "recipient_id": task.assignee_id, "kind": "task_assigned",
                "applicant_id": approval.applicant_id,
                "title": f"待办：{task.step.name}",
                "body": f"{document_label(approval)} 等待您审批。",
                "link": task_link(task), "todo": "create", "task_id": task.pk,
                "due_at": task.due_at.isoformat() if task.due_at else None,
            },
        )


def task_closed(task: ApprovalTask, *, todo: str) -> None:
    """The assignee's to-do is finished (decided) or cancelled (someone else decided, withdrawn)."""
    verb = "已办结" if todo == "finish" else "已取消"
    outbox_enqueue(
        topic="notify",
        idempotency_key=f"task_{todo}:{task.pk}",
        payload={
            "recipient_id": task.assignee_id, "kind": f"task_{todo}",
            "title": f"{verb}：{task.step.name}",
            "link": task_link(task), "todo": todo, "task_id": task.pk,
        },
    )


def approval_finished(approval: Approval) -> None:
    outbox_enqueue(
        topic="notify",
        idempotency_key=f"approval_{approval.status}:{approval.pk}",
        payload={
            "recipient_id": approval.applicant_id, "kind": f"approval_{approval.status}",
            "title": f"您的申请{approval.get_status_display()}",
            "body": document_label(approval),
            "link": f"/approvals/{approval.pk}/",
        },
    )


def task_delegated(task: ApprovalTask) -> None:
    """The delegate learns they may decide the task (in the assignee's name) until a time."""
    outbox_enqueue(
        topic="notify",
        idempotency_key=f"task_delegated:{task.pk}:{task.delegate_id}",
        payload={
            "recipient_id": task.delegate_id, "kind": "task_delegated",
            "title": f"委托待办：{task.step.name}",
            "body": f"受委托至 {task.delegate_until:%Y-%m-%d %H:%M} 代为审批。",
            "link": task_link(task), "task_id": task.pk,
        },
    )
