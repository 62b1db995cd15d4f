"""Execution, 三公 and the annual tables on a constructed data set: two departments, two
accounts, one project, this year and last year, with commitments and payments; and who is
listed which lines and projects (the list and the detail always agree)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.budget import selectors
from apps.budget.controls import Draw, budget_commit
from apps.budget.ledger import budget_execute, indicator_open
from apps.budget.models import BudgetIndicator, BudgetProject, EconomicSubject, FundAccount
from county_platform.errors import DomainError
from permissions.models import Department
from permissions.objects import project_officer_set
from permissions.services import post_assign, staff_add
from permissions.visibility import BUDGET_WHOLE_TENANT_POSTS
from tenants.inspectors import inspector_grant_create
from tests.factories import staff_make, user_make

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


# --- who sees which lines (permissions.visibility) -----------------------------------------


def _seen(user) -> tuple[set[int], set[str]]:
    """Ids of the lines and codes of the projects `user` is listed."""
    lines = set(selectors.indicators_list(user=user).values_list("pk", flat=True))
    projects = set(selectors.projects_list(user=user).values_list("code", flat=True))
    return lines, projects


def _opened(user, indicators) -> set[int]:
    """Ids of the lines whose detail `user` may open, asked one by one."""
    opened = set()
    for indicator in indicators:
        try:
            opened.add(selectors.indicator_get(pk=indicator.pk, user=user).pk)
        except DomainError as refused:
            assert (refused.code, refused.status) == ("not_found", 404)
    return opened


def _all_lines() -> list:
    return list(BudgetIndicator.objects.order_by("pk"))


def _head_of(tenant, department):
    staff = staff_make(tenant)
    with schema_context(tenant.schema_name):
        post_assign(actor=None, staff=staff, post_code="dept_head", department=department)
    return staff.user


def test_a_department_head_sees_only_their_departments_lines_and_projects(town_a):
    with schema_context(town_a.schema_name):
        data = data_set()
    head_a, head_b = _head_of(town_a, data["a"]), _head_of(town_a, data["b"])
    with schema_context(town_a.schema_name):
        a_lines = set(BudgetIndicator.objects.filter(department=data["a"]).values_list("pk",
                                                                                      flat=True))
        b_lines = set(BudgetIndicator.objects.filter(department=data["b"]).values_list("pk",
                                                                                      flat=True))

        assert _seen(head_a) == (a_lines, set())
        assert _seen(head_b) == (b_lines, {"P1"})
        assert _opened(head_a, _all_lines()) == a_lines
        assert _opened(head_b, _all_lines()) == b_lines
        assert selectors.project_get(pk=data["project"].pk, user=head_a) is None


def test_execution_covers_only_the_lines_a_member_sees(town_a):
    with schema_context(town_a.schema_name):
        data = data_set()
    head_a = _head_of(town_a, data["a"])
    accountant = staff_make(town_a, posts=("accountant",)).user
    with schema_context(town_a.schema_name):
        a_lines = set(BudgetIndicator.objects.filter(department=data["a"]).values_list("pk",
                                                                                      flat=True))
        by_line = {row["key"] for row in selectors.execution(year=YEAR, by="indicator",
                                                             user=head_a)}
        by_dept = {row["key"] for row in selectors.execution(year=YEAR, by="department",
                                                             user=head_a)}
        then = {row["key"] for row in selectors.execution(year=YEAR, by="department",
                                                          at=timezone.now(), user=head_a)}
        by_subject = _figures(selectors.execution(year=YEAR, by="subject", user=head_a),
                              "amount", "executed")
        everything = {row["key"] for row in selectors.execution(year=YEAR, by="department",
                                                                user=accountant)}

    assert by_line == {data["indicators"][0].pk, data["indicators"][1].pk}
    assert by_dept == then == {data["a"].pk}
    assert by_subject == {"30201": (D("1000"), D("200")), "30217": (D("500"), D("400"))}
    assert everything == {data["a"].pk, data["b"].pk}
    assert by_line <= a_lines


def test_a_project_officer_sees_their_project_and_its_lines_only(town_a):
    officer = staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        data = data_set()
        project_officer_set(actor=None, project=data["project"], staff=officer)
        line = data["indicators"][2]

        assert _seen(officer.user) == ({line.pk}, {"P1"})
        assert _opened(officer.user, _all_lines()) == {line.pk}


def test_a_member_sees_the_lines_of_the_department_they_belong_to(town_a):
    with schema_context(town_a.schema_name):
        data = data_set()
        member = staff_add(actor=None, username="budget-a-member", department=data["a"])
        post_assign(actor=None, staff=member, post_code="handler")
        a_lines = set(BudgetIndicator.objects.filter(department=data["a"]).values_list("pk",
                                                                                      flat=True))

        assert _seen(member.user) == (a_lines, set())


@pytest.mark.parametrize("post", [p for p in BUDGET_WHOLE_TENANT_POSTS if p != "county_admin"])
def test_the_whole_budget_posts_see_every_line(town_a, post):
    user = staff_make(town_a, posts=(post,)).user
    with schema_context(town_a.schema_name):
        data_set()
        every = {i.pk for i in _all_lines()}

        assert _seen(user) == (every, {"P1"})
        assert _opened(user, _all_lines()) == every


def test_an_inspector_sees_every_line_and_a_member_of_nothing_none(town_a, county):
    admin = staff_make(county, posts=("county_admin",)).user
    inspector, nobody = user_make(), staff_make(town_a, posts=("handler",)).user
    inspector_grant_create(actor=admin, county=county, username=inspector.username,
                           tenant_slugs=["town-a"], valid_from=timezone.localdate(),
                           valid_to=timezone.localdate(), reason="专项检查")
    with schema_context(town_a.schema_name):
        data_set()
        every = {i.pk for i in _all_lines()}

        assert _seen(inspector) == (every, {"P1"})
        assert _seen(nobody) == (set(), set())
        assert _opened(nobody, _all_lines()) == set()


def test_scoping_a_head_is_a_fixed_number_of_queries(town_a, django_assert_max_num_queries):
    with schema_context(town_a.schema_name):
        data = data_set()
    head = _head_of(town_a, data["a"])
    with schema_context(town_a.schema_name):
        for n in range(5):  # more lines must not mean more queries
            _open(YEAR + 1, data["a"], "30201", FundAccount.objects.create(
                name=f"账户{n}", kind="fiscal"), "10")
        # Who they are, their posts, guardian's two permission look-ups (each with its content
        # type), the lines: a constant, however many lines there are.
        with django_assert_max_num_queries(7):
            lines = list(selectors.indicators_list(user=head))

    assert len(lines) == 8
