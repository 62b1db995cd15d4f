"""Execution, 三公 and the annual tables on a constructed data set: two departments, two
accounts, one project, this year and last year, with commitments and payments."""

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.budget import selectors
from apps.budget.controls import Draw, budget_commit
from apps.budget.ledger import budget_execute, indicator_open
from apps.budget.models import BudgetProject, EconomicSubject, FundAccount
from county_platform.errors import DomainError
from permissions.models import Department

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
D = Decimal


def _open(year, department, subject, account, amount, project=None):
    return indicator_open(actor=None, year=year, department=department, project=project,
                          subject=EconomicSubject.objects.get(code=subject),
                          fund_account=account, amount=D(amount))


def _spend(indicator, commit, execute="0", doc=None):
    doc = doc or f"ds-{indicator.pk}"
    budget_commit(actor=None, draws=[Draw(indicator.pk, D(commit))],
                  document_type="spending_request", document_id=doc, year=indicator.year)
    if D(execute):
        budget_execute(actor=None, indicator_id=indicator.pk, amount=D(execute),
                       document_type="spending_request", document_id=doc)


def data_set() -> dict:
    """Call inside the tenant's schema. Returns the objects and the moment between the
    openings and the spending."""
    a = Department.objects.create(name="党政办公室", code="A")
    b = Department.objects.create(name="建设管理办", code="B")
    f1 = FundAccount.objects.create(name="财政账户", kind="fiscal")
    f2 = FundAccount.objects.create(name="专户", kind="special")
    project = BudgetProject.objects.create(code="P1", name="美丽乡村", department=b)
    project.allowed_subjects.set(EconomicSubject.objects.filter(code="31005"))
    i1 = _open(YEAR, a, "30201", f1, "1000")
    i2 = _open(YEAR, a, "30217", f1, "500")
    i3 = _open(YEAR, b, "31005", f2, "10000", project)
    i4 = _open(YEAR, b, "30231", f1, "2000")
    j1 = _open(YEAR - 1, a, "30217", f1, "800")
    j2 = _open(YEAR - 1, b, "30231", f1, "3000")
    moment = timezone.now()
    _spend(i1, "300", "200")
    _spend(i2, "400", "400")
    _spend(i3, "5000")
    _spend(i4, "1500", "1000")
    _spend(j1, "600", "600")
    _spend(j2, "2500", "2500")
    return {"a": a, "b": b, "f1": f1, "f2": f2, "project": project, "moment": moment,
            "indicators": (i1, i2, i3, i4)}


def _figures(rows, *fields):
    return {row["key"]: tuple(row[f] for f in fields) for row in rows}


FIELDS = ("amount", "committed", "executed", "available", "execution_rate")


def test_execution_by_department_subject_project_and_account(town_a):
    with schema_context(town_a.schema_name):
        made = data_set()
        by = {key: selectors.execution(year=YEAR, by=key) for key in
              ("department", "subject", "project", "fund_account", "indicator")}

    assert _figures(by["department"], *FIELDS) == {
        made["a"].pk: (D("1500"), D("100"), D("600"), D("800"), D("0.4000")),
        made["b"].pk: (D("12000"), D("5500"), D("1000"), D("5500"), D("0.0833")),
    }
    assert _figures(by["subject"], *FIELDS) == {
        "30201": (D("1000"), D("100"), D("200"), D("700"), D("0.2000")),
        "30217": (D("500"), D("0"), D("400"), D("100"), D("0.8000")),
        "30231": (D("2000"), D("500"), D("1000"), D("500"), D("0.5000")),
        "31005": (D("10000"), D("5000"), D("0"), D("5000"), D("0.0000")),
    }
    assert _figures(by["project"], "name", "amount", "executed") == {
        "P1": ("美丽乡村", D("10000"), D("0")),
        None: ("基本支出（未列项目）", D("3500"), D("1600")),
    }
    assert _figures(by["fund_account"], "amount", "committed", "executed") == {
        made["f1"].pk: (D("3500"), D("600"), D("1600")),
        made["f2"].pk: (D("10000"), D("5000"), D("0")),
    }
    assert len(by["indicator"]) == 4
    assert by["indicator"][0]["name"] == "党政办公室 / 30201 办公费"


def test_execution_as_it_stood_at_a_moment(town_a):
    with schema_context(town_a.schema_name):
        made = data_set()
        then = selectors.execution(year=YEAR, by="department", at=made["moment"])
        now = selectors.execution(year=YEAR, by="department", at=timezone.now())
        live = selectors.execution(year=YEAR, by="department")

    assert _figures(then, "amount", "committed", "executed") == {
        made["a"].pk: (D("1500"), D("0"), D("0")), made["b"].pk: (D("12000"), D("0"), D("0"))}
    assert _figures(now, *FIELDS) == _figures(live, *FIELDS)


def test_execution_totals_and_an_unknown_grouping(town_a):
    with schema_context(town_a.schema_name):
        data_set()
        total = selectors.execution_totals(selectors.execution(year=YEAR, by="subject"))

    assert tuple(total[f] for f in FIELDS) == (D("13500"), D("5600"), D("1600"), D("6300"),
                                               D("0.1185"))
    with pytest.raises(DomainError) as refused:
        selectors.execution(year=YEAR, by="weather")
    assert refused.value.code == "invalid"


def test_sangong_against_last_year(town_a):
    with schema_context(town_a.schema_name):
        data_set()
        rows = selectors.sangong_summary(year=YEAR)

    assert [(r["code"], r["amount"], r["executed"], r["last_year_executed"], r["change"],
             r["change_rate"]) for r in rows] == [
        ("30212", D("0"), D("0"), D("0"), D("0"), None),
        ("30217", D("500"), D("400"), D("600"), D("-200"), D("-0.3333")),
        ("30231", D("2000"), D("1000"), D("2500"), D("-1500"), D("-0.6000")),
        ("31013", D("0"), D("0"), D("0"), D("0"), None),
        (None, D("2500"), D("1400"), D("3100"), D("-1700"), D("-0.5484")),
    ]


def test_the_annual_budget_table_by_class_and_item(town_a):
    with schema_context(town_a.schema_name):
        data_set()
        rows = selectors.budget_table(year=YEAR)

    assert [(r["level"], r["code"], r["amount"], r["basic"], r["project"]) for r in rows] == [
        ("class", "302", D("3500"), D("3500"), D("0")),
        ("item", "30201", D("1000"), D("1000"), D("0")),
        ("item", "30217", D("500"), D("500"), D("0")),
        ("item", "30231", D("2000"), D("2000"), D("0")),
        ("class", "310", D("10000"), D("0"), D("10000")),
        ("item", "31005", D("10000"), D("0"), D("10000")),
        ("total", None, D("13500"), D("3500"), D("10000")),
    ]


def test_the_final_account_table(town_a):
    with schema_context(town_a.schema_name):
        data_set()
        rows = selectors.final_account_table(year=YEAR)
        last_year = selectors.final_account_table(year=YEAR - 1)
        empty = selectors.final_account_table(year=YEAR - 5)

    assert [(r["code"], r["amount"], r["executed"], r["execution_rate"]) for r in rows] == [
        ("302", D("3500"), D("1600"), D("0.4571")),
        ("30201", D("1000"), D("200"), D("0.2000")),
        ("30217", D("500"), D("400"), D("0.8000")),
        ("30231", D("2000"), D("1000"), D("0.5000")),
        ("310", D("10000"), D("0"), D("0.0000")),
        ("31005", D("10000"), D("0"), D("0.0000")),
        (None, D("13500"), D("1600"), D("0.1185")),
    ]
    assert last_year[-1]["executed"] == D("3100")
    assert empty == [{"level": "total", "code": None, "name": "合计", "amount": D("0"),
                      "executed": D("0"), "execution_rate": D("0")}]


def test_execution_is_a_fixed_number_of_queries(town_a, django_assert_max_num_queries):
    with schema_context(town_a.schema_name):
        data_set()
        with django_assert_max_num_queries(2):
            selectors.execution(year=YEAR, by="indicator")
        with django_assert_max_num_queries(1):
            selectors.execution(year=YEAR, by="department")
