"""The counts in every page's header: open to-dos and unread notifications."""

from django import template

from apps.approvals.web_selectors import TodoCounts, todo_counts
from apps.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def my_todo_counts(context) -> TodoCounts | None:
    """The signed-in staff member's open and overdue to-dos; None for anyone else."""
    request = context.get("request")
    membership = context.get("membership")
    if request is None or membership is None or membership.staff is None:
        return None
    return todo_counts(user=request.user)


@register.simple_tag(takes_context=True)
def my_unread_count(context) -> int:
    """The signed-in staff member's unread in-app notifications (0 for anyone else)."""
    request = context.get("request")
    membership = context.get("membership")
    if request is None or membership is None or membership.staff is None:
        return 0
    return unread_count(user=request.user)
