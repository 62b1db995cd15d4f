"""Alert pages: the tenant's alerts (filtered by status and severity) and one alert with its
life cycle, where the responsible post acknowledges it and rectifies it with evidence (整改)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from apps.attachments.upload import LimitedUploadHandler, ReceivedFile
from apps.controls import selectors, services
from apps.controls.models import Alert, AlertStatus, Severity
from apps.controls.rules.registry import all_rules
from county_platform.errors import DomainError
from permissions.access import membership_for
from permissions.selectors import posts_list

# Pages of the documents an alert can be about (object_type → URL name taking the id).
DOCUMENT_PAGES = {"spending_request": "spending:detail", "seal_application": "seals:detail"}
PLAIN_ERRORS = {
    "permission_denied": "这条预警要由责任岗位的人员（或本单位系统管理员）处理。",
    "invalid_state": "这条预警现在的状态不能这样办理，请刷新页面看看最新情况。",
    "note_required": "请填写整改说明：做了什么、结果如何。",
    "too_large": None,  # the upload's own text names the limit
}


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "全部状态"), *AlertStatus.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "全部级别"), *Severity.choices], required=False)


def _labelled(alerts) -> list[dict]:
    """Each alert with its rule's title and its responsible post's name."""
    rules = {code: spec.title for code, spec in all_rules().items()}
    posts = dict(posts_list().values_list("code", "name"))
    return [{"alert": alert, "rule_title": rules.get(alert.rule, alert.rule),
             "post_name": posts.get(alert.responsible_post, alert.responsible_post)}
            for alert in alerts]


class AlertsView(LoginRequiredMixin, View):
    """本单位预警: newest first, filtered by status and severity."""

    def get(self, request):
        form = AlertFilterForm(request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        rows = selectors.alerts_list(status=filters.get("status"),
                                     severity=filters.get("severity"))
        page = Paginator(rows, 30).get_page(request.GET.get("page"))
        return render(request, "controls/alerts.html", {
            "form": form, "page": page, "rows": _labelled(page), "query": _query(filters),
        })


def _query(filters: dict) -> str:
    """The filters for the pager's links."""
    return urlencode({key: value for key, value in filters.items() if value})


def _alert(alert_id: int) -> Alert:
    return selectors.alert_get(alert_id=alert_id)


def _document_url(alert: Alert) -> str | None:
    name = DOCUMENT_PAGES.get(alert.object_type)
    if not name or not alert.object_id.isdigit():
        return None
    try:
        return reverse(name, args=[int(alert.object_id)])
    except NoReverseMatch:
        return None


def _detail(request, alert_id: int, *, status: int = 200, error: DomainError | None = None,
            note: str = ""):
    alert = _alert(alert_id)
    handler = not membership_for(request).read_only and services.alert_may_handle(
        user=request.user, alert=alert)
    people = selectors.alert_people(alert)
    return render(request, "controls/alert.html", {
        **_labelled([alert])[0], "acknowledged_by": people.get(alert.acknowledged_by_id),
        "rectified_by": people.get(alert.rectified_by_id),
        "closed_by": people.get(alert.closed_by_id),
        "evidence": selectors.alert_evidence(alert=alert), "document_url": _document_url(alert),
        "may_acknowledge": handler and alert.status == AlertStatus.OPEN,
        "may_rectify": handler and alert.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
        "error": error, "error_text": (PLAIN_ERRORS.get(error.code) or error.detail)
        if error else "", "note": note,
    }, status=status)


class AlertView(LoginRequiredMixin, View):
    def get(self, request, alert_id: int):
        return _detail(request, alert_id)


class AcknowledgeView(LoginRequiredMixin, View):
    """确认收到: the responsible post takes the alert on."""

    def post(self, request, alert_id: int):
        _alert(alert_id)
        note = request.POST.get("note", "")
        try:
            services.alert_acknowledge(actor=request.user, alert_id=alert_id, note=note)
        except DomainError as error:
            return _detail(request, alert_id, status=error.status, error=error, note=note)
        messages.success(request, "已确认。请尽快整改，整改后在本页提交整改说明和材料。")
        return redirect("alerts:detail", alert_id=alert_id)


@method_decorator(csrf_exempt, name="dispatch")
class RectifyView(LoginRequiredMixin, View):
    """提交整改: a note and evidence files. The body is read through the size-limited handler,
    so CSRF is checked only after it is (Django's rule when a view sets its upload handlers)."""

    def post(self, request, alert_id: int):
        _alert(alert_id)
        request.upload_handlers = [
            LimitedUploadHandler(request, schema_name=connection.schema_name)]
        try:
            request.POST  # noqa: B018  (reads the body through the handler above)
        except DomainError as error:
            return _detail(request, alert_id, status=error.status, error=error)
        return csrf_protect(lambda checked: self._rectify(checked, alert_id))(request)

    def _rectify(self, request, alert_id: int):
        note = request.POST.get("note", "")
        files = [f for f in request.FILES.getlist("files") if isinstance(f, ReceivedFile)]
        try:
            services.alert_rectify_with_files(actor=request.user, alert_id=alert_id, note=note,
                                              files=files)
        except DomainError as error:
            return _detail(request, alert_id, status=error.status, error=error, note=note)
        finally:
            for received in files:
                received.close()
        messages.success(request, "整改情况已提交，等待县财政局审核。")
        return redirect("alerts:detail", alert_id=alert_id)

