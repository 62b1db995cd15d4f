"""The budget endpoints of DESIGN.md §11: members read (lines and projects: those of their
departments and projects, unless their post works on the whole budget), the budget officer
writes; money as decimal strings with two places; refusals change nothing; bad input is never
a 500."""

import itertools

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.budget.models import (
    BudgetAdjustment,
    BudgetIndicator,
    BudgetProject,
    DepartmentLimit,
    FundAccount,
    LedgerEntry,
    RevenueRegistration,
    SubjectTotal,
)
from apps.budget.services import fund_account_create, project_create
from permissions.services import post_assign, staff_add
from tests.apps.approvals.test_apis import PAGE_KEYS, client_for
from tests.apps.budget.helpers import department_make, indicator_make, ledger_matches_counters
from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
_names = itertools.count(1)


def snapshot(tenant) -> tuple:
    """Everything a refused budget request must leave as it was."""
    with schema_context(tenant.schema_name):
        return (
            sorted(BudgetIndicator.objects.values_list("id", "amount", "committed", "executed")),
            FundAccount.objects.count(), BudgetProject.objects.count(),
            sorted(DepartmentLimit.objects.values_list("id", "amount")),
            sorted(SubjectTotal.objects.values_list("id", "amount")),
            LedgerEntry.objects.count(), BudgetAdjustment.objects.count(),
            RevenueRegistration.objects.count(), AuditEvent.objects.count(),
        )


def member_of(tenant, department, *, posts: tuple[str, ...] = ("handler",), username=None):
    """Staff of `tenant` who belong to `department`, holding `posts` from today."""
    with schema_context(tenant.schema_name):
        staff = staff_add(actor=None, username=username or f"dept-member-{next(_names)}",
                          password=PASSWORD, department=department)
        for code in posts:
            post_assign(actor=None, staff=staff, post_code=code)
    return staff


@pytest.fixture
def office(town_a):
    """The budget officer, a plain member of the department, and reference data."""
    officer = staff_make(town_a, posts=("budget_officer",)).user
    with schema_context(town_a.schema_name):
        department = department_make()
        account = fund_account_create(actor=None, name="镇财政零余额账户", kind="fiscal")
    member = member_of(town_a, department).user
    return {"officer": client_for(town_a, officer), "member": client_for(town_a, member),
            "department": department, "account": account}


def _indicator_body(office, **change) -> dict:
    return {"year": THIS_YEAR, "department": office["department"].pk, "subject": "30201",
            "fund_account": office["account"].pk, "amount": "1200.50", **change}


def test_fund_accounts_officer_creates_members_read(office):
    created = office["officer"].post("/api/v1/fund-accounts/", {
        "name": "土地出让金专户", "kind": "special", "bank_account": "3301 0400 1234"},
        format="json")
    listed = office["member"].get("/api/v1/fund-accounts/?kind=special")

    assert created.status_code == 201, created.content
    assert created.json()["kind_name"] == "专户"
    assert listed.json().keys() == PAGE_KEYS
    assert [a["name"] for a in listed.json()["results"]] == ["土地出让金专户"]


def test_a_member_may_not_create_and_nothing_changes(town_a, office):
    before = snapshot(town_a)

    answers = [
        office["member"].post("/api/v1/fund-accounts/", {"name": "x", "kind": "fiscal"},
                              format="json"),
        office["member"].post("/api/v1/budget/indicators/", _indicator_body(office),
                              format="json"),
        office["member"].post("/api/v1/budget/projects/", {
            "code": "P1", "name": "项目", "department": office["department"].pk,
            "allowed_subjects": ["30201"]}, format="json"),
        office["member"].post("/api/v1/budget/department-limits/", {
            "year": THIS_YEAR, "department": office["department"].pk, "subject": "30217",
            "amount": "10.00"}, format="json"),
        office["member"].post("/api/v1/budget/subject-totals/", {
            "year": THIS_YEAR, "subject": "30217", "amount": "10.00"}, format="json"),
    ]

    assert {(a.status_code, a.json()["code"]) for a in answers} == {(403, "permission_denied")}
    assert snapshot(town_a) == before


def test_subjects_filter_by_class_and_text(office):
    by_class = office["member"].get("/api/v1/subjects/?class=302&page_size=500").json()
    by_text = office["member"].get("/api/v1/subjects/?q=公务接待").json()
    sangong = office["member"].get("/api/v1/subjects/?sangong=true").json()

    assert by_class["results"][0] == {"code": "302", "name": "商品和服务支出",
                                      "is_sangong": False, "parent": None}
    assert all(s["code"].startswith("302") for s in by_class["results"])
    assert [s["code"] for s in by_text["results"]] == ["30217"]
    assert [s["code"] for s in sangong["results"]] == ["30212", "30217", "30231", "31013"]


def test_projects_with_their_allowed_subjects(office):
    created = office["officer"].post("/api/v1/budget/projects/", {
        "code": "P2026-01", "name": "村道维修养护", "department": office["department"].pk,
        "allowed_subjects": ["30213", "31005"]}, format="json")
    again = office["officer"].post("/api/v1/budget/projects/", {
        "code": "P2026-01", "name": "重复", "department": office["department"].pk,
        "allowed_subjects": ["30213"]}, format="json")
    unknown = office["officer"].post("/api/v1/budget/projects/", {
        "code": "P2026-02", "name": "x", "department": office["department"].pk,
        "allowed_subjects": ["38888"]}, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["allowed_subjects"] == ["30213", "31005"]
    assert (again.status_code, again.json()["code"]) == (409, "exists")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid")


def test_an_indicator_is_opened_with_its_ledger_entry(town_a, office):
    created = office["officer"].post("/api/v1/budget/indicators/", _indicator_body(office),
                                     format="json")
    body = created.json()
    listed = office["member"].get(
        f"/api/v1/budget/indicators/?year={THIS_YEAR}&subject=30201"
        f"&department={office['department'].pk}&fund_account={office['account'].pk}").json()
    with schema_context(town_a.schema_name):
        entries = list(LedgerEntry.objects.filter(indicator_id=body["id"])
                       .values_list("kind", "amount_delta"))
        assert ledger_matches_counters()

    assert created.status_code == 201, created.content
    assert {k: body[k] for k in ("amount", "committed", "executed", "available")} == {
        "amount": "1200.50", "committed": "0.00", "executed": "0.00", "available": "1200.50"}
    assert (body["subject"], body["subject_name"], body["project"]) == ("30201", "办公费", None)
    assert [i["id"] for i in listed["results"]] == [body["id"]]
    assert [(kind, str(delta)) for kind, delta in entries] == [("open", "1200.50")]


def test_a_second_indicator_with_the_same_key_is_refused(town_a, office):
    office["officer"].post("/api/v1/budget/indicators/", _indicator_body(office), format="json")
    before = snapshot(town_a)

    again = office["officer"].post("/api/v1/budget/indicators/", _indicator_body(office),
                                   format="json")

    assert (again.status_code, again.json()["code"]) == (409, "indicator_exists")
    assert snapshot(town_a) == before


def test_an_indicator_on_a_project_must_fit_its_scope(town_a, office):
    with schema_context(town_a.schema_name):
        project = BudgetProject.objects.create(code="P9", name="环境整治",
                                               department=office["department"])
        project.allowed_subjects.set([])
    before = snapshot(town_a)

    refused = office["officer"].post("/api/v1/budget/indicators/",
                                     _indicator_body(office, project=project.pk), format="json")

    assert (refused.status_code, refused.json()["code"]) == (400, "invalid")
    assert "可用费用范围" in refused.json()["detail"]
    assert snapshot(town_a) == before


@pytest.mark.parametrize("change", [
    {"amount": "0"}, {"amount": "-5.00"}, {"amount": "1.001"}, {"amount": "NaN"},
    {"amount": "1e400"}, {"amount": "abc"}, {"amount": None}, {"year": "今年"}, {"year": 1900},
    {"subject": "301"}, {"subject": "38888"}, {"subject": "'; drop table x"},
    {"department": 987654}, {"department": "x"}, {"fund_account": 987654},
    {"project": 987654}, {"amount": ["1"]},
])
def test_bad_indicator_input_is_400_and_nothing_is_made(town_a, office, change):
    before = snapshot(town_a)

    response = office["officer"].post("/api/v1/budget/indicators/",
                                      _indicator_body(office, **change), format="json")

    assert response.status_code == 400, response.content
    assert snapshot(town_a) == before


@pytest.mark.parametrize("query", ["year=x", "department=-1", "subject=abc", "page=zz",
                                   "project=0"])
def test_bad_filters_never_500(office, query):
    response = office["member"].get(f"/api/v1/budget/indicators/?{query}")

    assert response.status_code in (400, 404)


def test_limits_and_totals_are_set_and_changed(town_a, office):
    url_limits, url_totals = "/api/v1/budget/department-limits/", "/api/v1/budget/subject-totals/"
    limit = {"year": THIS_YEAR, "department": office["department"].pk, "subject": "30217",
             "amount": "5000.00"}
    first = office["officer"].post(url_limits, limit, format="json")
    changed = office["officer"].post(url_limits, {**limit, "amount": "6000"}, format="json")
    total = office["officer"].post(url_totals, {"year": THIS_YEAR, "subject": "30217",
                                                "amount": "20000"}, format="json")
    negative = office["officer"].post(url_totals, {"year": THIS_YEAR, "subject": "30217",
                                                   "amount": "-1"}, format="json")
    listed = office["member"].get(f"{url_limits}?year={THIS_YEAR}").json()["results"]
    totals = office["member"].get(f"{url_totals}?year={THIS_YEAR}").json()["results"]

    assert (first.status_code, changed.status_code, total.status_code) == (201, 200, 201)
    assert negative.status_code == 400
    assert [(r["subject"], r["amount"]) for r in listed] == [("30217", "6000.00")]
    assert [(r["subject"], r["amount"]) for r in totals] == [("30217", "20000.00")]


def test_indicator_detail_and_404(town_a, office):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="10.00", department=office["department"])

    found = office["member"].get(f"/api/v1/budget/indicators/{indicator.pk}/")
    missing = office["member"].get("/api/v1/budget/indicators/987654/")

    assert (found.status_code, found.json()["available"]) == (200, "10.00")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_another_tenants_indicator_is_not_found(town_a, town_b, office):
    with schema_context(town_b.schema_name):
        theirs = indicator_make(amount="10.00")

    response = office["member"].get(f"/api/v1/budget/indicators/{theirs.pk + 100000}/")
    listed = office["member"].get("/api/v1/budget/indicators/").json()

    assert response.status_code == 404
    assert listed["count"] == 0


def test_the_budget_endpoints_are_in_the_schema(office):
    schema = office["member"].get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    paths = schema.json()["paths"]

    assert {"/api/v1/fund-accounts/", "/api/v1/subjects/", "/api/v1/budget/indicators/",
            "/api/v1/budget/indicators/import/", "/api/v1/budget/adjustments/",
            "/api/v1/budget/execution/", "/api/v1/revenues/",
            "/api/v1/spending-requests/{id}/submit/", "/api/v1/payments/"} <= set(paths)


# --- who sees which lines, and naming a project officer --------------------------------------


def _project(tenant, department, code="XM-1"):
    with schema_context(tenant.schema_name):
        return project_create(actor=None, code=code, name="乡村道路硬化", department=department,
                              allowed_subjects=["31005"])


def test_a_department_head_lists_and_opens_only_their_departments_lines(town_a, office):
    with schema_context(town_a.schema_name):
        other = department_make()
        mine = indicator_make(amount="10.00", department=office["department"])
        theirs = indicator_make(amount="20.00", department=other)
        head = staff_make(town_a)
        post_assign(actor=None, staff=head, post_code="dept_head", department=other)
    client = client_for(town_a, head.user)

    listed = client.get("/api/v1/budget/indicators/").json()
    own = client.get(f"/api/v1/budget/indicators/{theirs.pk}/")
    foreign = client.get(f"/api/v1/budget/indicators/{mine.pk}/")
    missing = client.get("/api/v1/budget/indicators/987654/")

    assert [row["id"] for row in listed["results"]] == [theirs.pk]
    assert own.status_code == 200
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    assert foreign.json()["code"] == "not_found"


def test_the_budget_officer_names_a_project_officer_who_then_sees_the_project(town_a, office):
    project = _project(town_a, office["department"])
    with schema_context(town_a.schema_name):
        line = indicator_make(amount="50.00", subject="31005", project=project)
    officer = staff_make(town_a, posts=("project_officer",))
    client = client_for(town_a, officer.user)
    before = client.get("/api/v1/budget/projects/").json()["count"]

    named = office["officer"].post(f"/api/v1/budget/projects/{project.pk}/officer/",
                                   {"staff": officer.pk}, format="json")

    assert (named.status_code, named.json()) == (
        200, {"project": project.pk, "officers": [officer.user.username]})
    assert before == 0
    assert [p["code"] for p in client.get("/api/v1/budget/projects/").json()["results"]] == [
        "XM-1"]
    assert [i["id"] for i in client.get("/api/v1/budget/indicators/").json()["results"]] == [
        line.pk]
    with schema_context(town_a.schema_name):
        assert AuditEvent.objects.filter(action="object_perm.granted", object_id=str(project.pk),
                                         object_type="budget.budgetproject").count() == 1


def test_the_tenant_admin_may_name_a_project_officer_too(town_a, office):
    project = _project(town_a, office["department"])
    admin = client_for(town_a, staff_make(town_a, posts=("tenant_admin",)).user)
    officer = staff_make(town_a)

    named = admin.post(f"/api/v1/budget/projects/{project.pk}/officer/", {"staff": officer.pk},
                       format="json")

    assert named.status_code == 200


def test_naming_a_project_officer_refusals_change_nothing(town_a, office):
    project = _project(town_a, office["department"])
    officer = staff_make(town_a)
    before = snapshot(town_a)

    by_member = office["member"].post(f"/api/v1/budget/projects/{project.pk}/officer/",
                                      {"staff": officer.pk}, format="json")
    unknown_staff = office["officer"].post(f"/api/v1/budget/projects/{project.pk}/officer/",
                                           {"staff": 987654}, format="json")
    no_project = office["officer"].post("/api/v1/budget/projects/987654/officer/",
                                        {"staff": officer.pk}, format="json")

    assert (by_member.status_code, by_member.json()["code"]) == (403, "permission_denied")
    assert unknown_staff.status_code == 400
    assert (no_project.status_code, no_project.json()["code"]) == (404, "not_found")
    assert snapshot(town_a) == before
