"""The county dashboard (县级综合监管看板): every township side by side from the stored
snapshots, as ECharts charts and a table usable without JavaScript; and one township's
drill-down page. County host only, for `county_admin` and inspectors."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django_tenants.utils import schema_context

from apps.controls.models import AlertStatus, Severity
from apps.county import selectors
from county_platform.errors import DomainError
from permissions.access import Membership, membership_for, membership_resolve
from permissions.models import PostCode

SEVERITIES = list(Severity.choices)
TABLE_PAGE = 100
STATUSES = list(AlertStatus.choices)


def county_reader(request) -> Membership:
    """The caller's membership if they may read the county's statistics; 404 off the county's
    host, 403 for county staff without the county_admin post."""
    if not getattr(request.tenant, "is_county", False):
        raise Http404("没有这个页面。")
    membership = membership_for(request)
    if membership.is_inspector or PostCode.COUNTY_ADMIN in membership.posts:
        return membership
    raise PermissionDenied("只有县局管理员和检查人员可以查看。")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds / 3600:.1f} 小时"


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _year(request) -> int:
    try:
        return selectors.stats_year(request.GET.get("year"))
    except DomainError as error:
        raise Http404(error.detail) from error


def _host_link(request, host: str) -> str:
    port = request.get_port()
    default = "443" if request.is_secure() else "80"
    return f"//{host}/" if port == default else f"//{host}:{port}/"


def _row(row: selectors.StatsRow) -> dict:
    stats = row.stats
    if stats is None:
        return {"tenant": row.tenant, "stats": None}
    return {"tenant": row.tenant, "stats": stats, "median": duration(stats.approval_median_seconds),
            "p90": duration(stats.approval_p90_seconds)}


def table_cells(stats) -> list[str] | None:
    """A township's cells of the dashboard table as text, made here rather than in the
    template: for 1,400 townships that is most of the page's cost."""
    if stats is None:
        return None
    return [f"{stats.execution_rate}%", str(stats.budget_amount), str(stats.executed),
            str(stats.sangong_total), str(stats.sangong_last_year),
            duration(stats.approval_median_seconds), duration(stats.approval_p90_seconds),
            str(stats.alerts_open), str(stats.rotations_overdue),
            timezone.localtime(stats.refreshed_at).strftime("%m-%d %H:%M")]


def _alert_series(rows: list[selectors.StatsRow]) -> list[dict]:
    """Stacked series: one stack by severity, one by status (alerts raised in the year)."""
    def count(stats, severity=None, status=None) -> int:
        matrix = stats.alerts if stats else {}
        return sum(n for sev, by_status in matrix.items() if severity in (None, sev)
                   for st, n in by_status.items() if status in (None, st))

    by_severity = [{"name": str(label), "stack": "级别",
                    "data": [count(r.stats, severity=code) for r in rows]}
                   for code, label in SEVERITIES]
    by_status = [{"name": str(label), "stack": "状态",
                  "data": [count(r.stats, status=code) for r in rows]}
                 for code, label in STATUSES]
    return by_severity + by_status


def _step_series(rows: list[selectors.StatsRow]) -> list[dict]:
    """Median hours per approval post, one series per post found in any township."""
    posts: dict[str, str] = {}
    for row in rows:
        for code, step in (row.stats.approval_steps if row.stats else {}).items():
            posts.setdefault(code, step.get("name") or code)
    return [{"name": name, "data": [
        _hours(((r.stats.approval_steps if r.stats else {}).get(code) or {}).get(
            "median_seconds")) for r in rows]} for code, name in sorted(posts.items())]


def _money(rows, field) -> list[float | None]:
    return [float(getattr(r.stats, field)) if r.stats else None for r in rows]


def dashboard_charts(rows: list[selectors.StatsRow]) -> dict:
    return {
        "names": [row.tenant.name for row in rows],
        "execution_rate": _money(rows, "execution_rate"),
        "sangong_total": _money(rows, "sangong_total"),
        "sangong_last_year": _money(rows, "sangong_last_year"),
        "steps": _step_series(rows),
        "alerts": _alert_series(rows),
        "rotations_overdue": [r.stats.rotations_overdue if r.stats else None for r in rows],
    }


class DashboardView(LoginRequiredMixin, View):
    """县级综合监管看板: every township of the county compared, from the snapshots."""

    def get(self, request):
        membership = county_reader(request)
        year = _year(request)
        tenants = list(selectors.townships_visible(county=request.tenant, membership=membership))
        rows = selectors.stats_rows(tenants=tenants, year=year)
        # The charts compare every township; the table below them is paged.
        page = Paginator(rows, TABLE_PAGE).get_page(request.GET.get("page"))
        return render(request, "county/dashboard.html", {
            "year": year, "rows": self._table(request, list(page), year), "page": page,
            "query": f"year={year}", "charts": dashboard_charts(rows),
            "refreshed": max((r.stats.refreshed_at for r in rows if r.stats), default=None),
        })

    @staticmethod
    def _table(request, rows: list[selectors.StatsRow], year: int) -> list[dict]:
        inspected = selectors.townships_inspected(user=request.user, county=request.tenant)
        hosts = selectors.primary_hosts(tenants=[r.tenant for r in rows if inspected is None
                                                 or r.tenant.pk in inspected])
        link = reverse("county:township", args=["-"]).replace("/-/", "/{}/") + f"?year={year}"
        return [{"tenant": row.tenant, "href": link.format(row.tenant.slug),
                 "cells": table_cells(row.stats),
                 "enter": _host_link(request, hosts[row.tenant.pk])
                 if row.tenant.pk in hosts else None} for row in rows]


def _alert_matrix(stats) -> list[dict]:
    matrix = stats.alerts if stats else {}
    return [{"label": label, "counts": [matrix.get(code, {}).get(status, 0)
                                        for status, _ in STATUSES]}
            for code, label in SEVERITIES]


def _steps(stats) -> list[dict]:
    steps = stats.approval_steps if stats else {}
    return [{"post": code, "name": step.get("name") or code, "count": step["count"],
             "median": duration(step["median_seconds"]), "p90": duration(step["p90_seconds"]),
             "median_hours": _hours(step["median_seconds"]),
             "p90_hours": _hours(step["p90_seconds"])}
            for code, step in sorted(steps.items())]


class TownshipView(LoginRequiredMixin, View):
    """One township: its figures, approval time per post, alerts by severity, status and rule."""

    def get(self, request, slug: str):
        membership = county_reader(request)
        year = _year(request)
        try:
            tenant = selectors.township_get_for(county=request.tenant, membership=membership,
                                                slug=slug)
        except DomainError as error:
            raise Http404(error.detail) from error
        row = selectors.stats_rows(tenants=[tenant], year=year)[0]
        with schema_context(tenant.schema_name):
            may_enter = membership_resolve(user=request.user, tenant=tenant).is_member
        host = selectors.primary_hosts(tenants=[tenant]).get(tenant.pk) if may_enter else None
        steps = _steps(row.stats)
        return render(request, "county/township.html", {
            "year": year, "tenant": tenant, "row": _row(row), "steps": steps,
            "statuses": [label for _, label in STATUSES], "matrix": _alert_matrix(row.stats),
            "rules": [{**rule, "severity_label": dict(SEVERITIES).get(rule["severity"],
                                                                     rule["severity"])}
                      for rule in selectors.alerts_by_rule(tenant=tenant, year=year)],
            "enter": _host_link(request, host) if host else None,
            "charts": {"names": [s["name"] for s in steps],
                       "median": [s["median_hours"] for s in steps],
                       "p90": [s["p90_hours"] for s in steps]},
        })
