"""Spending-request pages: a new request chosen by taps (indicator cards with the available
balance), my requests, one request as its paper form with 提交审批 / 撤回, 修改 and invoices
(报销) while it is a draft or returned, and the cashier's 待支付 list with 确认支付 on the
paper. A refusal by a budget control is shown next to the indicator and amount, a refused
payment next to its amount, in plain Chinese."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from apps.approvals import web_selectors
from apps.approvals.views import error_context
from apps.attachments.models import AttachmentKind
from apps.attachments.upload import LimitedUploadHandler, ReceivedFile
from apps.budget.selectors import indicators_list
from apps.controls.models import AlertStatus, Severity
from apps.controls.selectors import notices_for
from apps.expenditure.forms import PaymentForm
from apps.expenditure.selectors import request_get_for, requests_list, requests_payable
from apps.expenditure.services import (
    DOCUMENT_TYPE,
    EDITABLE,
    NOT_EDITABLE,
    PAYABLE,
    payment_create,
    request_attach,
    request_create,
    request_detach,
    request_submit,
    request_update,
    request_withdraw,
)
from county_platform.errors import DomainError
from permissions.access import membership_for
from permissions.selectors import staff_get_for_user

# What the applicant attaches to a request, in the order offered.
ATTACHMENT_KINDS = [(kind.value, kind.label) for kind in (
    AttachmentKind.INVOICE, AttachmentKind.MINUTES, AttachmentKind.CONTRACT,
    AttachmentKind.OTHER)]
CONTROL_CODES = frozenset({"no_budget", "over_budget", "out_of_scope", "over_department_limit",
                           "over_subject_total"})
CASHIER = "cashier"
# A refused payment in plain words (the service's own text where none is given here).
PAY_REFUSALS = {
    "self_approval": "这是您本人提交的申请，按规定不能由您本人支付，请由其他出纳办理。",
    "sod_conflict": "您已经办理过本申请的另一个环节，按照不相容岗位分离的规定，"
                    "支付要由其他出纳办理。",
}
PAYMENTS_PAGE = 30


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
    payee_name = forms.CharField(max_length=100, required=False,
                                 error_messages={"max_length": "收款人最多 100 个字。"})
    payee_account = forms.RegexField(
        r"^[0-9 -]{0,40}$", required=False, max_length=40,
        error_messages={"invalid": "收款账号只能填数字（可以有空格或短横线）。",
                        "max_length": "收款账号最多 40 位。"})
    major_matter = forms.BooleanField(required=False)

    @classmethod
    def of(cls, spending) -> "SpendingRequestForm":
        """The form filled with a saved request, to correct it."""
        return cls(initial={
            "indicator_id": spending.indicator_id, "amount": spending.amount,
            "purpose": spending.purpose, "payee_name": spending.payee_name,
            "payee_account": spending.payee_account, "major_matter": spending.major_matter})


def _indicators_for(user):
    """This year's indicators of the applicant's department (or, without one, all the lines
    the applicant may see)."""
    staff = staff_get_for_user(user=user)
    department = getattr(staff, "department_id", None)
    return indicators_list(user=user, year=timezone.localdate().year, department=department)


class RequestsView(LoginRequiredMixin, View):
    """My spending requests with their status."""

    def get(self, request):
        return render(request, "expenditure/list.html", {
            "requests": requests_list(user=request.user, membership=membership_for(request),
                                      mine=True),
        })


class NewRequestView(LoginRequiredMixin, View):
    """The form: an indicator chosen by a tap on its card, amount, purpose, payee; saved as a
    draft."""

    def get(self, request):
        return _form(request, SpendingRequestForm())

    def post(self, request):
        form = SpendingRequestForm(request.POST)
        if not form.is_valid():
            return _form(request, form, status=400)
        try:
            spending = request_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error("indicator_id", error.detail)
            return _form(request, form, status=error.status)
        messages.success(request, "草稿已保存。可以上传发票等附件，核对后点“提交审批”。")
        return redirect("spending:detail", request_id=spending.pk)


def _form(request, form, status: int = 200, spending=None):
    return render(request, "expenditure/form.html", {
        "form": form, "indicators": _indicators_for(request.user), "spending": spending,
        "chosen": str(form["indicator_id"].value() or ""),
    }, status=status)


def _visible(request, request_id: int):
    """The request if the caller may see it; 404 alike for missing and not theirs."""
    try:
        return request_get_for(user=request.user, membership=membership_for(request),
                               request_id=request_id)
    except DomainError as error:
        raise Http404(error.detail) from error


def _detail(request, request_id: int, *, status: int = 200, error: DomainError | None = None,
            upload_error: DomainError | None = None, pay_form: PaymentForm | None = None,
            pay_error: DomainError | None = None):
    spending = _visible(request, request_id)
    mine = spending.applicant_id == request.user.pk
    paper = web_selectors.spending_paper_of(spending)
    editable = mine and spending.status in EDITABLE
    if upload_error and not editable:  # no upload form to show it next to
        error, upload_error = upload_error, None
    payment, refused = _payment(request, spending, pay_form, pay_error)
    error = error or refused
    return render(request, "expenditure/detail.html", {
        "spending": spending, "paper": paper,
        "may_edit": editable, "may_submit": editable,
        "may_withdraw": mine and web_selectors.approval_withdrawable(paper.approval),
        "unlocked": [a for a in paper.document.listed_attachments if not a.locked],
        "attachment_kinds": ATTACHMENT_KINDS, "upload_error": upload_error,
        "notices": _notices(spending), **payment,
        "control_error": error if error and error.code in CONTROL_CODES else None,
        **(error_context(error) if error and error.code not in CONTROL_CODES else {}),
    }, status=status)


def _payment(request, spending, form: PaymentForm | None, refusal: DomainError | None):
    """The payment form, for a cashier while the request is payable (the service still
    decides); otherwise no form, and a refusal of a posted one goes to the page's error box."""
    if CASHIER in membership_for(request).posts and spending.status in PAYABLE:
        return {"pay_form": form or PaymentForm.of(spending), "pay_error": refusal,
                "pay_error_text": refusal and PAY_REFUSALS.get(refusal.code, refusal.detail),
                "unpaid": spending.amount - spending.paid_amount}, None
    if refusal is None and form is not None and form.errors:
        first = next(iter(form.errors.values()))[0]
        refusal = DomainError("invalid", first, 400)
    return {"pay_form": None, "pay_error": None}, refusal


def _notices(spending) -> list[dict]:
    """The rules' alerts on this request, with their level and status in words."""
    return [{**notice, "severity_name": Severity(notice["severity"]).label,
             "status_name": AlertStatus(notice["status"]).label}
            for notice in notices_for(object_type=DOCUMENT_TYPE, object_id=spending.pk)]


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


class PaymentsView(LoginRequiredMixin, View):
    """待支付: approved requests not yet paid in full, oldest first, for the cashier."""

    def get(self, request):
        rows = requests_payable(user=request.user, membership=membership_for(request))
        page = Paginator(rows, PAYMENTS_PAGE).get_page(request.GET.get("page"))
        return render(request, "expenditure/payments.html", {"page": page})


class PayView(LoginRequiredMixin, View):
    """确认支付: the cashier pays (part of) the request; a refusal shows next to the amount."""

    def post(self, request, request_id: int):
        _visible(request, request_id)  # 404 alike for missing and not visible
        form = PaymentForm(request.POST)
        if not form.is_valid():
            return _detail(request, request_id, status=400, pay_form=form)
        try:
            payment = payment_create(actor=request.user, request_id=request_id,
                                     **form.cleaned_data)
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.detail) from error
            return _detail(request, request_id, status=error.status, pay_form=form,
                           pay_error=error)
        messages.success(request, f"已支付 ¥{payment.amount}（{payment.get_method_display()}）。")
        return redirect("spending:detail", request_id=request_id)


class EditRequestView(LoginRequiredMixin, View):
    """The same form, filled with the draft (or the returned request) to correct it."""

    def get(self, request, request_id: int):
        spending, refused = _own_editable(request, request_id)
        if refused:
            return refused
        return _form(request, SpendingRequestForm.of(spending), spending=spending)

    def post(self, request, request_id: int):
        spending, refused = _own_editable(request, request_id)
        if refused:
            return refused
        form = SpendingRequestForm(request.POST)
        if not form.is_valid():
            return _form(request, form, status=400, spending=spending)
        try:
            request_update(actor=request.user, request_id=request_id, **form.cleaned_data)
        except DomainError as error:
            form.add_error("indicator_id", error.detail)
            return _form(request, form, status=error.status, spending=spending)
        messages.success(request, "已保存修改。请核对后点“提交审批”。")
        return redirect("spending:detail", request_id=request_id)


def _own_editable(request, request_id: int):
    """The caller's own draft or returned request, or the detail page saying why not (409
    once submitted); 404 for others'."""
    spending = _visible(request, request_id)
    if spending.applicant_id != request.user.pk:
        raise Http404("未找到该支出申请。")
    if spending.status not in EDITABLE:
        error = DomainError("not_editable", NOT_EDITABLE, 409)
        return spending, _detail(request, request_id, status=409, error=error)
    return spending, None


@method_decorator(csrf_exempt, name="dispatch")
class AttachView(LoginRequiredMixin, View):
    """Upload an invoice or another attachment to the draft. The body is read through the
    size-limited handler, so CSRF is checked only after it is (Django's rule when a view sets
    its own upload handlers)."""

    def post(self, request, request_id: int):
        _visible(request, request_id)
        request.upload_handlers = [
            LimitedUploadHandler(request, schema_name=connection.schema_name)]
        try:
            request.POST  # noqa: B018  (reads the body through the handler above)
        except DomainError as error:
            return _detail(request, request_id, status=error.status, upload_error=error)
        return csrf_protect(lambda checked: self._attach(checked, request_id))(request)

    def _attach(self, request, request_id: int):
        received = request.FILES.get("file")
        if not isinstance(received, ReceivedFile):
            error = DomainError("invalid", "请先选择要上传的文件。", 400)
            return _detail(request, request_id, status=400, upload_error=error)
        try:
            request_attach(actor=request.user, request_id=request_id, received=received,
                           kind=request.POST.get("kind") or AttachmentKind.INVOICE)
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.detail) from error
            return _detail(request, request_id, status=error.status, upload_error=error)
        finally:
            received.close()
        messages.success(request, f"已上传：{received.name}")
        return redirect(reverse("spending:detail", args=[request_id]) + "#attachments")


class DetachView(LoginRequiredMixin, View):
    """Remove an attachment that is not locked yet."""

    def post(self, request, request_id: int, attachment_id: int):
        _visible(request, request_id)
        try:
            request_detach(actor=request.user, request_id=request_id,
                           attachment_id=attachment_id)
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.detail) from error
            return _detail(request, request_id, status=error.status, upload_error=error)
        messages.success(request, "附件已删除。")
        return redirect(reverse("spending:detail", args=[request_id]) + "#attachments")
