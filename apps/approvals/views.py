"""Approval pages: my to-dos, a task shown as the paper form with its decision buttons, the
approval and its printable form. Thin: each view calls one selector or service and renders."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from apps.approvals import web_selectors
from apps.approvals.services import task_decide
from county_platform.errors import DomainError
from permissions.access import membership_for

DECISION_DONE = {"approve": "已同意", "reject": "已驳回", "return": "已退回申请人"}
# What a refusal means, in plain words (the service's own text where none is given here).
PLAIN_ERRORS = {
    "self_approval": "这是您本人提交的申请，按规定不能由您本人审批。",
    "sod_conflict": "您已经办理过本申请的另一个环节，按照不相容岗位分离的规定，"
                    "这一环节要由其他人办理。",
    "already_decided": "这项待办已经办理过了（也可能是其他人已经办理），不用再办理。",
    "not_found": "您不能办理这项待办：它可能已转给他人，或委托期限已过。",
    "invalid_decision": "请点“同意”、“退回”或“驳回”中的一个按钮。",
    "no_process": "本单位还没有设置这类申请的审批流程，请联系本单位系统管理员。",
    "cannot_withdraw": "已经有人审批了，不能再撤回。",
    "invalid_state": "这份申请现在不能提交（只有草稿或被退回的申请可以提交）。",
}


def error_context(error: DomainError) -> dict:
    """The template context of a refused action: the error and its plain-words text."""
    return {"error": error, "error_text": PLAIN_ERRORS.get(error.code, error.detail)}


class TasksView(LoginRequiredMixin, View):
    """我的待办: counts, then one card per open task, the most urgent first."""

    def get(self, request):
        return render(request, "approvals/tasks.html", {
            "todos": web_selectors.todos_for(user=request.user),
            "counts": web_selectors.todo_counts(user=request.user),
        })


class TaskView(LoginRequiredMixin, View):
    """One task as its paper form; the assignee (or a delegate in time) decides by POST."""

    def _page(self, request, task_id: int):
        try:
            return web_selectors.task_page_for(user=request.user, task_id=task_id,
                                               membership=membership_for(request))
        except DomainError as error:
            raise Http404(error.detail) from error

    def get(self, request, task_id: int):
        return render(request, "approvals/task.html", {"page": self._page(request, task_id)})

    def post(self, request, task_id: int):
        page = self._page(request, task_id)
        decision, comment = request.POST.get("decision", ""), request.POST.get("comment", "")
        try:
            task_decide(actor=request.user, task_id=task_id, decision=decision,
                        comment=comment.strip()[:500])
        except DomainError as error:
            page = self._page(request, task_id)  # the task may have moved meanwhile
            return render(request, "approvals/task.html",
                          {"page": page, "comment": comment, **error_context(error)},
                          status=error.status)
        messages.success(request, f"{DECISION_DONE[decision]}：{page.paper.type_name}"
                                  f"“{page.task.step.name}”环节已办理。")
        return redirect("approvals:tasks")


class PaperView(LoginRequiredMixin, View):
    """An approval as its paper form (on screen, or as the printable A4 sheet)."""

    template_name = "approvals/approval.html"

    def get(self, request, approval_id: int):
        try:
            paper = web_selectors.paper_get_for(user=request.user, approval_id=approval_id,
                                                membership=membership_for(request))
        except DomainError as error:
            raise Http404(error.detail) from error
        return render(request, self.template_name, {"paper": paper})


class PrintView(PaperView):
    template_name = "approvals/print.html"
