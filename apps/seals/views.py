"""Seal-use pages: a new application chosen by taps, my applications, one application as its
paper form with 提交审批 / 撤回. Thin: each view calls one selector or service and renders."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from apps.approvals import web_selectors
from apps.approvals.views import error_context
from apps.seals.models import SealKind
from apps.seals.selectors import seal_application_get_for, seal_applications_list
from apps.seals.services import (
    seal_application_create,
    seal_application_submit,
    seal_application_withdraw,
)
from county_platform.errors import DomainError
from permissions.access import membership_for


class SealApplicationForm(forms.Form):
    seal_kind = forms.ChoiceField(choices=SealKind.choices,
                                  error_messages={"required": "请选择要使用的印章。"})
    document_title = forms.CharField(max_length=200,
                                     error_messages={"required": "请填写要盖章的文件名称。"})
    purpose = forms.CharField(max_length=500, error_messages={"required": "请填写用途。"})
    copies = forms.IntegerField(min_value=1, max_value=99, initial=1,
                                error_messages={"required": "请填写份数。",
                                                "invalid": "份数请填数字。",
                                                "min_value": "份数至少为 1。",
                                                "max_value": "份数最多为 99。"})


class ApplicationsView(LoginRequiredMixin, View):
    """My seal-use applications with their status."""

    def get(self, request):
        return render(request, "seals/list.html", {
            "applications": seal_applications_list(
                user=request.user, membership=membership_for(request), mine=True),
        })


class NewApplicationView(LoginRequiredMixin, View):
    """The form: a seal chosen by a tap, two texts, copies by −/＋; saved as a draft."""

    def get(self, request):
        return self._form(request, SealApplicationForm())

    def post(self, request):
        form = SealApplicationForm(request.POST)
        if not form.is_valid():
            return self._form(request, form, status=400)
        application = seal_application_create(actor=request.user, **form.cleaned_data)
        messages.success(request, "草稿已保存。请核对后点“提交审批”。")
        return redirect("seals:detail", application_id=application.pk)

    def _form(self, request, form, status: int = 200):
        return render(request, "seals/new.html", {"form": form, "kinds": SealKind.choices},
                      status=status)


def _visible(request, application_id: int):
    """The application if the caller may see it; 404 alike for missing and not theirs."""
    try:
        return seal_application_get_for(
            user=request.user, membership=membership_for(request), application_id=application_id
        )
    except DomainError as error:
        raise Http404(error.detail) from error


def _detail(request, application_id: int, *, status: int = 200, **extra):
    application = _visible(request, application_id)
    mine = application.applicant_id == request.user.pk
    paper = web_selectors.seal_paper_of(application)
    return render(request, "seals/detail.html", {
        "application": application,
        "paper": paper,
        "may_submit": mine and application.status in web_selectors.SEAL_SUBMITTABLE,
        "may_withdraw": mine and web_selectors.approval_withdrawable(paper.approval),
        **extra,
    }, status=status)


class ApplicationView(LoginRequiredMixin, View):
    """One application as its paper form, with 提交审批 / 撤回 for its applicant."""

    def get(self, request, application_id: int):
        return _detail(request, application_id)


class _ActionView(LoginRequiredMixin, View):
    service = staticmethod(seal_application_submit)
    done = ""

    def post(self, request, application_id: int):
        _visible(request, application_id)  # a missing id is a 404 before the service locks it
        try:
            self.service(actor=request.user, application_id=application_id)
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.detail) from error
            return _detail(request, application_id, status=error.status, **error_context(error))
        messages.success(request, self.done)
        return redirect("seals:detail", application_id=application_id)


class SubmitView(_ActionView):
    service = staticmethod(seal_application_submit)
    done = "已提交审批。审批人办理后，您会收到通知。"


class WithdrawView(_ActionView):
    service = staticmethod(seal_application_withdraw)
    done = "已撤回。"
