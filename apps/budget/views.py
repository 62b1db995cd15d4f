"""The budget execution page: this year's figures by department and by subject as tables
(usable without JavaScript) and the same numbers as ECharts bar charts, plus 三公经费 against
last year. Thin: it reads the execution selectors and renders."""

from decimal import Decimal

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from apps.budget.selectors import execution, execution_totals, sangong_summary

SERIES = ("amount", "committed", "executed", "available")


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


def _with_percent(rows: list[dict], key: str) -> list[dict]:
    return [{**row, "percent": _percent(row[key])} for row in rows]


def _chart(rows: list[dict]) -> dict:
    """One chart's data: the names on the axis and one list of amounts per series."""
    return {"names": [row["name"] or str(row["key"]) for row in rows],
            **{field: [str(row[field]) for row in rows] for field in SERIES}}


class ExecutionView(LoginRequiredMixin, View):
    """预算执行: by department, by subject, and 三公经费 this year against last year."""

    def get(self, request):
        year = timezone.localdate().year
        by_department = execution(year=year, by="department", user=request.user)
        by_subject = execution(year=year, by="subject", user=request.user)
        return render(request, "budget/execution.html", {
            "year": year,
            "tables": [
                {"key": "department", "title": "按部门", "head": "部门",
                 "rows": _with_percent(by_department + [execution_totals(by_department)],
                                       "execution_rate")},
                {"key": "subject", "title": "按支出科目", "head": "科目",
                 "rows": _with_percent(by_subject + [execution_totals(by_subject)],
                                       "execution_rate")},
            ],
            "sangong": _with_percent(sangong_summary(year=year), "change_rate"),
            "charts": {"department": _chart(by_department), "subject": _chart(by_subject)},
        })
