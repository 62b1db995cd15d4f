"""Spending-request pages: a new request chosen by taps (indicator cards with the available
balance), my requests, one request as its paper form with 提交审批 / 撤回. A refusal by a budget
control is shown next to the indicator and amount, in plain Chinese."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from apps.approvals import web_selectors
from apps.approvals.selectors import approval_loaded
from apps.approvals.views import error_context
from apps.budget.selectors import indicators_list
from apps.expenditure.models import RequestStatus
from apps.expenditure.selectors import request_get_for, requests_list
from apps.expenditure.services import request_create, request_submit, request_withdraw
from county_platform.errors import DomainError
from permissions.access import membership_for
from permissions.selectors import staff_get_for_user

SUBMITTABLE = (RequestStatus.DRAFT, RequestStatus.RETURNED)
CONTROL_CODES = frozenset({"no_budget", "over_budget", "out_of_scope", "over_department_limit",
                           "over_subject_total"})


class SpendingRequestForm(forms.Form):
    indicator_id = forms.IntegerField(error_messages={"required": "请选择预算指标。",
                                                      "invalid": "请选择预算指标。"})
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
                                error_messages={"required": "请填写金额。",
                                                "invalid": "金额请填数字，例如 1200.50。",
                                                "min_value": "金额要大于 0。",
                                                "max_decimal_places": "金额最多两位小数（到分）。",
                                                "max_digits": "金额太大了，请核对。"})
    purpose = forms.CharField(max_length=500, error_messages={"required": "请填写支出事由。"})
    major_matter = forms.BooleanField(required=False)


def _indicators_for(user):
    """This year's indicators of the applicant's department, or all when they have none."""
    staff = staff_get_for_user(user=user)
    department = getattr(staff, "department_id", None)
    return indicators_list(year=timezone.localdate().year, department=department)


class RequestsView(LoginRequiredMixin, View):
    """My spending requests with their status."""

    def get(self, request):
        return render(request, "expenditure/list.html", {
            "requests": requests_list(user=request.user, membership=membership_for(request),
                                      mine=True),
        })


class NewRequestView(LoginRequiredMixin, View):
    """The form: an indicator chosen by a tap on its card, amount, purpose; saved as a draft."""

    def get(self, request):
        return self._form(request, SpendingRequestForm())

    def post(self, request):
        form = SpendingRequestForm(request.POST)
        if not form.is_valid():
            return self._form(request, form, status=400)
        try:
            spending = request_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error("indicator_id", error.detail)
            return self._form(request, form, status=error.status)
        messages.success(request, "草稿已保存。请核对后点“提交审批”。")
        return redirect("spending:detail", request_id=spending.pk)

    def _form(self, request, form, status: int = 200):
        return render(request, "expenditure/new.html", {
            "form": form, "indicators": _indicators_for(request.user),
            "chosen": str(form["indicator_id"].value() or ""),
        }, status=status)


def _visible(request, request_id: int):
    """The request if the caller may see it; 404 alike for missing and not theirs."""
    try:
        return request_get_for(user=request.user, membership=membership_for(request),
                               request_id=request_id)
    except DomainError as error:
        raise Http404(error.detail) from error


def _detail(request, request_id: int, *, status: int = 200, error: DomainError | None = None):
    spending = _visible(request, request_id)
    mine = spending.applicant_id == request.user.pk
    approval = approval_loaded(approval_id=spending.approval_id) if spending.approval_id \
        else None
    return render(request, "expenditure/detail.html", {
        "spending": spending,
        "boxes": web_selectors.signature_boxes(approval) if approval else [],
        "approval": approval,
        "may_submit": mine and spending.status in SUBMITTABLE,
        "may_withdraw": mine and web_selectors.approval_withdrawable(approval),
        "control_error": error if error and error.code in CONTROL_CODES else None,
        **(error_context(error) if error and error.code not in CONTROL_CODES else {}),
    }, status=status)


class RequestView(LoginRequiredMixin, View):
    """One request as its paper form, with 提交审批 / 撤回 for its applicant."""

    def get(self, request, request_id: int):
        return _detail(request, request_id)


class _ActionView(LoginRequiredMixin, View):
    service = staticmethod(request_submit)
    done = ""

    def post(self, request, request_id: int):
        _visible(request, request_id)  # a missing id is a 404 before the service locks it
        try:
            self.service(actor=request.user, request_id=request_id)
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.detail) from error
            return _detail(request, request_id, status=error.status, error=error)
        messages.success(request, self.done)
        return redirect("spending:detail", request_id=request_id)


class SubmitView(_ActionView):
    service = staticmethod(request_submit)
    done = "已提交审批。审批人办理后，您会收到通知。"


class WithdrawView(_ActionView):
    service = staticmethod(request_withdraw)
    done = "已撤回。"
