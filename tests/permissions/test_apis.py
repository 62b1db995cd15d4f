"""The duties endpoints of DESIGN.md §11: shapes, who may write, filters, bad input."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from permissions.models import Department, PostAssignment, StaffMember
from permissions.services import department_create
from tests.conftest import api_client
from tests.factories import PASSWORD, staff_make

TODAY = timezone.localdate()
PAGE_KEYS = {"count", "next", "previous", "results"}


def token_of(tenant, staff) -> str:
    response = api_client(tenant).post(
        "/api/v1/auth/token/", {"username": staff.user.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def token_client(tenant, staff):
    return api_client(tenant, token_of(tenant, staff))


def snapshot(tenant) -> tuple[int, int, int, int]:
    with schema_context(tenant.schema_name):
        return (Department.objects.count(), StaffMember.objects.count(),
                PostAssignment.objects.count(), AuditEvent.objects.count())


@pytest.fixture
def admin(town_a):
    return token_client(town_a, staff_make(town_a, posts=("tenant_admin",)))


@pytest.fixture
def member(town_a):
    return token_client(town_a, staff_make(town_a))


def department_in(tenant, code: str = "czs") -> Department:
    with schema_context(tenant.schema_name):
        return department_create(actor=None, name="财政所", code=code)


# --- departments ---------------------------------------------------------------------------


def test_the_admin_creates_a_department_and_members_list_it(town_a, admin, member):
    created = admin.post("/api/v1/departments/", {"name": "财政所", "code": "czs"}, format="json")
    listing = member.get("/api/v1/departments/")

    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "name": "财政所", "code": "czs"}
    assert set(listing.json()) == PAGE_KEYS
    assert listing.json()["results"] == [created.json()]


def test_a_taken_department_code_is_409(town_a, admin):
    department_in(town_a)

    response = admin.post("/api/v1/departments/", {"name": "又一个", "code": "czs"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "department_code_taken")


@pytest.mark.parametrize("body", [{}, {"name": "财政所"}, {"name": "", "code": "x"},
                                  {"name": "a", "code": "有 空格"}, {"name": ["x"], "code": 3}])
def test_a_malformed_department_is_400_invalid(town_a, admin, body):
    before = snapshot(town_a)

    response = admin.post("/api/v1/departments/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert snapshot(town_a) == before


def test_my_departments_are_those_i_head_and_the_one_i_belong_to(town_a, admin):
    home, headed = department_in(town_a, "home"), department_in(town_a, "headed")
    department_in(town_a, "other")
    created = admin.post("/api/v1/staff/", {"username": "zhang-head", "display_name": "张主任",
                                            "department": home.pk, "password": PASSWORD},
                         format="json")
    with schema_context(town_a.schema_name):
        staff = StaffMember.objects.get(pk=created.json()["id"])
    assigned = admin.post("/api/v1/post-assignments/", {
        "staff": staff.pk, "post": "dept_head", "department": headed.pk,
        "start_date": TODAY.isoformat()}, format="json")

    mine = token_client(town_a, staff).get("/api/v1/me/departments/")

    assert (created.status_code, assigned.status_code) == (201, 201), assigned.content
    assert mine.json().keys() == PAGE_KEYS
    assert [(d["code"], d["heads"], d["belongs"]) for d in mine.json()["results"]] == [
        ("headed", True, False), ("home", False, True)]


def test_a_member_of_no_department_has_none(member):
    mine = member.get("/api/v1/me/departments/")

    assert (mine.status_code, mine.json()["count"]) == (200, 0)


# --- staff ---------------------------------------------------------------------------------


def test_the_admin_adds_staff_who_can_then_log_in(town_a, admin):
    department = department_in(town_a)

    response = admin.post("/api/v1/staff/", {
        "username": "new_person", "display_name": "新同事", "department": department.pk,
        "password": "a-good-password", "mobile": "13800000000"}, format="json")
    login = api_client(town_a).post("/api/v1/auth/token/", {
        "username": "new_person", "password": "a-good-password"}, format="json")

    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"], "username": "new_person", "display_name": "新同事",
        "mobile": "13800000000", "department": department.pk, "department_name": "财政所",
        "is_active": True, "posts": []}
    assert login.status_code == 200


def test_an_existing_username_is_attached_and_keeps_its_password(town_a, town_b, admin):
    elsewhere = staff_make(town_b)

    response = admin.post("/api/v1/staff/", {
        "username": elsewhere.user.username, "display_name": "别的名字", "department": None,
        "password": "another-password"}, format="json")
    old = api_client(town_a).post("/api/v1/auth/token/", {
        "username": elsewhere.user.username, "password": PASSWORD}, format="json")
    new = api_client(town_a).post("/api/v1/auth/token/", {
        "username": elsewhere.user.username, "password": "another-password"}, format="json")

    assert response.status_code == 201
    assert response.json()["username"] == elsewhere.user.username
    assert (old.status_code, new.status_code) == (200, 400)


def test_adding_someone_who_is_already_staff_is_409(town_a, admin):
    existing = staff_make(town_a)

    response = admin.post("/api/v1/staff/", {
        "username": existing.user.username, "display_name": "x", "department": None},
        format="json")

    assert (response.status_code, response.json()["code"]) == (409, "already_staff")


def test_staff_filtered_by_department_carry_their_current_posts(town_a, member):
    department = department_in(town_a)
    inside = staff_make(town_a, posts=("cashier", "handler"))
    with schema_context(town_a.schema_name):
        StaffMember.objects.filter(pk=inside.pk).update(department=department)

    rows = member.get(f"/api/v1/staff/?department={department.pk}").json()["results"]

    assert [(r["id"], sorted(r["posts"])) for r in rows] == [(inside.pk, ["cashier", "handler"])]


def test_the_staff_list_costs_the_same_queries_for_more_people(town_a, member):
    staff_make(town_a, posts=("handler",))
    with CaptureQueriesContext(connection) as few:
        member.get("/api/v1/staff/")
    for _ in range(4):
        staff_make(town_a, posts=("handler", "leader"))
    with CaptureQueriesContext(connection) as more:
        member.get("/api/v1/staff/")

    assert len(more) == len(few)


@pytest.mark.parametrize("query", ["department=abc", "active=perhaps", "page=0"])
def test_a_bad_staff_filter_is_an_error_not_a_500(town_a, member, query):
    response = member.get(f"/api/v1/staff/?{query}")

    assert response.status_code in (400, 404)
    assert "code" in response.json()


@pytest.mark.parametrize("body", [
    {"display_name": "x", "department": None},
    {"username": "ab", "display_name": "x", "department": None},
    {"username": "someone", "display_name": "x", "department": 999999},
    {"username": "someone", "display_name": "x", "department": None, "password": "short"},
])
def test_a_malformed_staff_member_is_400(town_a, admin, body):
    before = snapshot(town_a)

    response = admin.post("/api/v1/staff/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert snapshot(town_a) == before


# --- posts ---------------------------------------------------------------------------------


def test_posts_list_the_template_posts(town_a, member):
    response = member.get("/api/v1/posts/?page_size=100")
    cashier = next(p for p in response.json()["results"] if p["code"] == "cashier")

    assert set(response.json()) == PAGE_KEYS
    assert {"code", "name", "is_key", "max_tenure_months"} <= set(cashier)
    assert (cashier["name"], cashier["is_key"], cashier["max_tenure_months"]) == ("出纳", True, 60)


# --- assignments ---------------------------------------------------------------------------


def body(staff, post: str, start=TODAY) -> dict:
    return {"staff": staff.pk, "post": post, "start_date": start.isoformat()}


def test_an_assignment_is_201_with_its_shape(town_a, admin):
    staff = staff_make(town_a)
    department = department_in(town_a)

    response = admin.post("/api/v1/post-assignments/",
                          {**body(staff, "cashier"), "department": department.pk}, format="json")

    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"], "staff": staff.pk, "username": staff.user.username,
        "display_name": staff.user.display_name, "post": "cashier", "post_name": "出纳",
        "department": department.pk, "start_date": TODAY.isoformat(), "end_date": None}


def test_a_conflicting_assignment_is_422_naming_the_pair_and_rule(town_a, admin):
    staff = staff_make(town_a, posts=("cashier",))
    before = snapshot(town_a)

    response = admin.post("/api/v1/post-assignments/", body(staff, "accountant"), format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "sod_conflict"
    assert [(c["post"], c["rule"], c["with_post"]) for c in response.json()["conflicts"]] == [
        ("accountant", "sod_cashier_accountant", "cashier")]
    assert "出纳" in response.json()["detail"] and "会计" in response.json()["detail"]
    assert snapshot(town_a) == before


def test_simulate_answers_and_changes_nothing(town_a, admin):
    staff = staff_make(town_a, posts=("cashier",))
    before = snapshot(town_a)

    refused = admin.post("/api/v1/post-assignments/simulate/", body(staff, "accountant"),
                         format="json")
    allowed = admin.post("/api/v1/post-assignments/simulate/", body(staff, "handler"),
                         format="json")

    assert refused.status_code == 200
    assert refused.json()["allowed"] is False
    assert [(c["post"], c["rule"], c["with_post"]) for c in refused.json()["conflicts"]] == [
        ("accountant", "sod_cashier_accountant", "cashier")]
    assert allowed.json() == {"allowed": True, "conflicts": []}
    assert snapshot(town_a) == before


def test_ending_an_assignment_is_200_and_frees_the_pair(town_a, admin):
    staff = staff_make(town_a)
    started = admin.post("/api/v1/post-assignments/",
                         body(staff, "cashier", TODAY - timedelta(days=10)), format="json")

    ended = admin.post(f"/api/v1/post-assignments/{started.json()['id']}/end/",
                       {"end_date": (TODAY - timedelta(days=1)).isoformat()}, format="json")
    again = admin.post(f"/api/v1/post-assignments/{started.json()['id']}/end/",
                       {"end_date": TODAY.isoformat()}, format="json")
    accountant = admin.post("/api/v1/post-assignments/", body(staff, "accountant"),
                            format="json")

    assert (ended.status_code, ended.json()["end_date"]) == (
        200, (TODAY - timedelta(days=1)).isoformat())
    assert (again.status_code, again.json()["code"]) == (409, "already_ended")
    assert accountant.status_code == 201


@pytest.mark.parametrize(("path", "payload", "status", "code"), [
    ("/api/v1/post-assignments/999999/end/", {"end_date": "2026-01-01"}, 404, "not_found"),
    ("/api/v1/post-assignments/{id}/end/", {"end_date": "not-a-date"}, 400, "invalid"),
    ("/api/v1/post-assignments/{id}/end/", {"end_date": "2000-01-01"}, 400, "invalid_end_date"),
    ("/api/v1/post-assignments/", {"staff": "abc", "post": "cashier",
                                   "start_date": "2026-01-01"}, 400, "invalid"),
    ("/api/v1/post-assignments/", {"staff": 999999, "post": "cashier",
                                   "start_date": "2026-01-01"}, 400, "invalid"),
    ("/api/v1/post-assignments/", {"staff": "{staff}", "post": "nope",
                                   "start_date": "2026-01-01"}, 400, "unknown_post"),
    ("/api/v1/post-assignments/", {"staff": "{staff}", "post": "cashier"}, 400, "invalid"),
    ("/api/v1/post-assignments/simulate/", {"staff": "{staff}", "post": "handler",
                                            "start_date": "2026-02-30"}, 400, "invalid"),
])
def test_bad_assignment_input_is_an_error_not_a_500(town_a, admin, path, payload, status, code):
    staff = staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        assignment = PostAssignment.objects.get(staff=staff)
    payload = {k: staff.pk if v == "{staff}" else v for k, v in payload.items()}
    before = snapshot(town_a)

    response = admin.post(path.format(id=assignment.pk), payload, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert snapshot(town_a) == before


def test_a_body_that_is_not_json_is_400_malformed(town_a, admin):
    response = admin.generic("POST", "/api/v1/post-assignments/", "{not json",
                             content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "malformed")


def test_assignments_filter_by_staff_post_and_current(town_a, member):
    first = staff_make(town_a, posts=("handler", "leader"))
    second = staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        PostAssignment.objects.filter(staff=second).update(
            start_date=TODAY - timedelta(days=9), end_date=TODAY - timedelta(days=1))

    by_staff = member.get(f"/api/v1/post-assignments/?staff={first.pk}").json()
    by_post = member.get("/api/v1/post-assignments/?post=handler&page_size=500").json()
    past = member.get(f"/api/v1/post-assignments/?staff={second.pk}&current=false").json()
    now = member.get(f"/api/v1/post-assignments/?staff={second.pk}&current=true").json()

    assert sorted(r["post"] for r in by_staff["results"]) == ["handler", "leader"]
    assert {first.pk, second.pk} <= {r["staff"] for r in by_post["results"]}
    assert {r["post"] for r in by_post["results"]} == {"handler"}
    assert (past["count"], now["count"]) == (1, 0)


@pytest.mark.parametrize(("method", "path", "payload"), [
    ("post", "/api/v1/departments/", {"name": "x", "code": "x"}),
    ("post", "/api/v1/staff/", {"username": "xyz", "display_name": "x", "department": None}),
    ("post", "/api/v1/post-assignments/", "assign"),
    ("post", "/api/v1/post-assignments/simulate/", "assign"),
    ("post", "/api/v1/post-assignments/{id}/end/", {"end_date": "2030-01-01"}),
    ("post", "/api/v1/sod-exceptions/", {}),
])
def test_a_member_without_the_admin_post_cannot_write(town_a, member, method, path, payload):
    staff = staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        assignment = PostAssignment.objects.get(staff=staff)
    payload = body(staff, "leader") if payload == "assign" else payload
    before = snapshot(town_a)

    response = getattr(member, method)(path.format(id=assignment.pk), payload, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert snapshot(town_a) == before


@pytest.mark.parametrize("path", [
    "/api/v1/departments/", "/api/v1/staff/", "/api/v1/posts/", "/api/v1/post-assignments/",
    "/api/v1/sod-exceptions/", "/api/v1/alerts/",
])
def test_reads_need_a_member(town_a, town_b, path):
    foreign = api_client(town_a, token_of(town_b, staff_make(town_b, posts=("tenant_admin",))))

    anonymous = api_client(town_a).get(path)
    other_tenant = foreign.get(path)

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (other_tenant.status_code, other_tenant.json()["code"]) == (403, "not_a_member")


@pytest.mark.parametrize("path", [
    "/api/v1/county/sod-exceptions/", "/api/v1/county/sod-exceptions/1/approve/",
])
def test_county_exception_routes_do_not_exist_on_a_township_host(town_a, admin, path):
    response = admin.get(path) if path.endswith("exceptions/") else admin.post(path, {})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_county_admin_route_needs_the_county_admin_post(county):
    plain = token_client(county, staff_make(county, posts=("tenant_admin",)))

    response = plain.get("/api/v1/county/sod-exceptions/")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
