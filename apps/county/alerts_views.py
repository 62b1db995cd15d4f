"""The county's page of every township's alerts (county host only): county_admin and
inspectors read it, filtered by township, status, severity and rule; county_admin closes an
alert with its opinion or reopens it, in the township's own schema.

Routed by apps/county/urls_web.py as `alerts/` (CountyAlertsView, name "alerts") and
`alerts/<int:pk>/` (CountyAlertView, name "alert"); forms post back to the page they are on."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View
from django_tenants.utils import schema_context

from apps.controls.models import AlertStatus, Severity
from apps.controls.rules.registry import all_rules
from apps.controls.services import alert_close, alert_reopen
from apps.county.alerts_selectors import (
    county_alert_detail,
    county_alert_get,
    county_alerts,
    county_townships,
)
from county_platform.errors import DomainError
from permissions.access import membership_for
from permissions.models import PostCode

ACTIONS = {"close": (alert_close, "已关闭预警。"), "reopen": (alert_reopen, "已重新打开，"
                                                             "乡镇将收到整改要求。")}
CLOSABLE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.RECTIFIED)
REOPENABLE = (AlertStatus.RECTIFIED, AlertStatus.CLOSED)
SEVERITY_NAMES, STATUS_NAMES = dict(Severity.choices), dict(AlertStatus.choices)
PLAIN_ERRORS = {
    "invalid_state": "这条预警的状态已经变了，请看列表中的最新状态。",
    "note_required": "请填写意见后再提交。",
    "live_alert_exists": "同一事项已有一条未关闭的新预警，请处理那一条。",
}


class CountyAlertFilterForm(forms.Form):
    tenant = forms.ChoiceField(required=False)
    status = forms.ChoiceField(choices=[("", "全部状态"), *AlertStatus.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "全部级别"), *Severity.choices], required=False)
    rule = forms.ChoiceField(required=False)

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].choices = [("", "全部乡镇"), *((t.slug, t.name) for t in townships)]
        self.fields["rule"].choices = [("", "全部规则"), *(
            (code, spec.title) for code, spec in all_rules().items())]


class CountyAlertsPage(LoginRequiredMixin, View):
    """County host only; county_admin and inspectors read, county_admin closes and reopens
    (the forms post back to the page they are on)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not getattr(getattr(request, "tenant", None), "is_county", False):
            raise Http404  # a county page does not exist on a township's host
        self.membership = membership_for(request)
        if not (self.membership.is_inspector or PostCode.COUNTY_ADMIN in self.membership.posts):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, **kwargs):
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None or not request.POST.get("id", "").isdigit():
            return self.page(request, status=400, error=DomainError(
                "invalid", "请点“关闭”或“重新打开”。", 400), **kwargs)
        row = county_alert_get(county=request.tenant, membership=self.membership,
                               pk=int(request.POST["id"]))
        try:
            with schema_context(row.tenant.schema_name):
                action[0](actor=request.user, alert_id=row.alert_id,
                          note=request.POST.get("note", ""))
        except DomainError as error:
            return self.page(request, status=error.status, error=error, failed=row.pk, **kwargs)
        messages.success(request, f"{row.tenant.name}：{action[1]}")
        return redirect(request.get_full_path())

    def get(self, request, **kwargs):
        return self.page(request, **kwargs)

    def page(self, request, **kwargs):
        raise NotImplementedError

    def context(self, error: DomainError | None) -> dict:
        return {"may_act": not self.membership.read_only, "error": error,
                "error_text": (PLAIN_ERRORS.get(error.code) or error.detail) if error else ""}


def _labelled(row, titles: dict) -> dict:
    return {"row": row, "rule_title": titles.get(row.rule, row.rule),
            "severity_name": SEVERITY_NAMES.get(row.severity, row.severity),
            "status_name": STATUS_NAMES.get(row.status, row.status),
            "may_close": row.status in CLOSABLE, "may_reopen": row.status in REOPENABLE}


def _titles() -> dict:
    return {code: spec.title for code, spec in all_rules().items()}


class CountyAlertsView(CountyAlertsPage):
    """全县预警: every township's alerts from the county's mirror, filtered and paged."""

    def page(self, request, *, status: int = 200, error: DomainError | None = None,
             failed: int | None = None):
        townships = list(county_townships(county=request.tenant))
        form = CountyAlertFilterForm(request.GET, townships=townships)
        filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
        rows = county_alerts(county=request.tenant, membership=self.membership, **filters)
        page = Paginator(rows, 30).get_page(request.GET.get("page"))
        titles = _titles()
        return render(request, "county/alerts.html", {
            "form": form, "page": page, "failed": failed, "query": urlencode(filters),
            "rows": [_labelled(row, titles) for row in page], **self.context(error),
        }, status=status)


class CountyAlertView(CountyAlertsPage):
    """One township's alert: how it was handled, its evidence, and the county's decision."""

    def page(self, request, *, pk: int, status: int = 200, error: DomainError | None = None,
             failed: int | None = None):
        row = county_alert_get(county=request.tenant, membership=self.membership, pk=pk)
        detail = county_alert_detail(row=row)
        return render(request, "county/alert.html", {
            **_labelled(row, _titles()), "detail": detail,
            "rectified_by": detail.people.get(detail.alert.rectified_by_id),
            "acknowledged_by": detail.people.get(detail.alert.acknowledged_by_id),
            **self.context(error),
        }, status=status)
