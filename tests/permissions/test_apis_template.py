"""A tenant's template endpoints: members read, tenant_admin tightens, nobody loosens."""

import pytest

from apps.audit.models import AuditEvent
from permissions import defaults
from permissions.models import Post, RoleStep, SodRule
from tenants.models import Tenant
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

READS = ["/api/v1/sod-rules/", "/api/v1/role-matrix/"]
WRITES = [
    ("post", "/api/v1/sod-rules/", {"post_a": "handler", "post_b": "contract_officer"}),
    ("delete", "/api/v1/sod-rules/sod_cashier_accountant/", None),
    ("post", "/api/v1/role-matrix/", {"activity": "expenditure", "step": "ic_review",
                                      "step_name": "内控复核", "post": "ic_lead", "order": 65}),
    ("patch", "/api/v1/posts/cashier/", {"max_tenure_months": 36}),
]
ALL = [("get", path, None) for path in READS] + WRITES


def client_for(tenant: Tenant, staff=None):
    client = api_client(tenant)
    if staff is not None:
        client.force_authenticate(staff.user)
    return client


@pytest.fixture
def admin(town_a):
    return client_for(town_a, staff_make(town_a, posts=("tenant_admin",)))


def state(tenant: Tenant, in_tenant):
    with in_tenant(tenant):
        return (
            sorted(SodRule.objects.values_list("code", "post_a__code", "post_b__code", "scope")),
            sorted(RoleStep.objects.values_list("activity", "step", "post__code", "origin")),
            sorted(Post.objects.values_list("code", "is_key", "max_tenure_months")),
            AuditEvent.objects.count(),
        )


def last_event(tenant: Tenant, in_tenant) -> AuditEvent:
    with in_tenant(tenant):
        return AuditEvent.objects.order_by("-seq").first()


# --- who ------------------------------------------------------------------------------------

def test_a_member_reads_every_pair_with_its_origin_and_article(town_a):
    response = client_for(town_a, staff_make(town_a)).get("/api/v1/sod-rules/")

    assert response.status_code == 200
    rules = {r["code"]: r for r in response.json()["results"]}
    assert set(rules) == {r.code for r in defaults.SOD}
    cashier = rules["sod_cashier_accountant"]
    assert (cashier["post_a"], cashier["post_b"], cashier["scope"], cashier["origin"]) == (
        "cashier", "accountant", "post", "county")
    assert cashier["article"].startswith("《中华人民共和国会计法》")


def test_a_member_reads_the_role_matrix(town_a):
    response = client_for(town_a, staff_make(town_a)).get("/api/v1/role-matrix/",
                                                          {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["count"] == len(defaults.MATRIX)
    first = response.json()["results"][0]
    assert set(first) == {"id", "activity", "activity_name", "step", "step_name", "post",
                          "order", "origin"}


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_anonymous_is_401_and_nothing_changes(town_a, in_tenant, method, path, body):
    before = state(town_a, in_tenant)

    response = getattr(client_for(town_a), method)(path, body, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert state(town_a, in_tenant) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_member_without_tenant_admin_cannot_write(town_a, in_tenant, method, path, body):
    client = client_for(town_a, staff_make(town_a, posts=("ic_lead",)))
    before = state(town_a, in_tenant)

    response = getattr(client, method)(path, body, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert state(town_a, in_tenant) == before


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_another_tenant_admin_is_not_a_member(town_a, town_b, in_tenant, method, path, body):
    client = client_for(town_a, staff_make(town_b, posts=("tenant_admin",)))
    before = state(town_a, in_tenant)

    response = getattr(client, method)(path, body, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "not_a_member")
    assert state(town_a, in_tenant) == before


# --- pairs ----------------------------------------------------------------------------------

def test_tenant_admin_adds_and_removes_its_own_pair(town_a, admin, in_tenant):
    created = admin.post("/api/v1/sod-rules/", {"post_a": "handler",
                                                "post_b": "contract_officer"}, format="json")
    added = last_event(town_a, in_tenant)
    deleted = admin.delete("/api/v1/sod-rules/tenant_handler_contract_officer/")

    assert created.status_code == 201
    assert created.json() | {"id": 0} == {
        "id": 0, "code": "tenant_handler_contract_officer", "post_a": "handler",
        "post_b": "contract_officer", "scope": "post", "article": "本单位内部控制制度",
        "origin": "tenant"}
    assert added.action == "sod_rule.added"
    assert deleted.status_code == 204
    assert last_event(town_a, in_tenant).action == "sod_rule.removed"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"post_a": "handler", "post_b": "handler"}, 400, "same_post"),
    ({"post_a": "handler", "post_b": "nobody"}, 400, "unknown_post"),
    ({"post_a": "accountant", "post_b": "cashier"}, 409, "pair_exists"),
    ({"post_a": "handler"}, 400, "invalid"),
    ({"post_a": "handler", "post_b": "leader", "scope": "sometimes"}, 400, "invalid"),
    ({"post_a": ["handler"], "post_b": "leader"}, 400, "invalid"),
])
def test_a_bad_pair_is_refused(town_a, admin, in_tenant, body, status, code):
    before = state(town_a, in_tenant)

    response = admin.post("/api/v1/sod-rules/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(town_a, in_tenant) == before


def test_a_county_pair_cannot_be_deleted_and_an_unknown_one_is_404(town_a, admin, in_tenant):
    before = state(town_a, in_tenant)

    county_rule = admin.delete("/api/v1/sod-rules/sod_cashier_accountant/")
    unknown = admin.delete("/api/v1/sod-rules/tenant_nothing/")

    assert (county_rule.status_code, county_rule.json()["code"]) == (403, "county_minimum")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert state(town_a, in_tenant) == before


# --- role matrix ----------------------------------------------------------------------------

def test_tenant_admin_adds_a_step(town_a, admin, in_tenant):
    response = admin.post("/api/v1/role-matrix/", WRITES[2][2], format="json")

    assert response.status_code == 201
    assert (response.json()["origin"], response.json()["post"]) == ("tenant", "ic_lead")
    assert last_event(town_a, in_tenant).action == "role_step.added"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"activity": "expenditure", "step": "payment", "step_name": "付款", "post": "handler"},
     403, "county_minimum"),
    ({"activity": "expenditure", "step": "x_check", "step_name": "核对", "post": "nobody"},
     400, "unknown_post"),
    ({"activity": "expenditure", "step": "X!", "step_name": "核对", "post": "handler"},
     400, "invalid"),
])
def test_a_county_step_cannot_be_changed_and_bad_steps_are_refused(
    town_a, admin, in_tenant, body, status, code
):
    before = state(town_a, in_tenant)

    response = admin.post("/api/v1/role-matrix/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(town_a, in_tenant) == before


# --- posts ----------------------------------------------------------------------------------

def test_tenant_admin_shortens_a_tenure_and_marks_a_key_post(town_a, admin, in_tenant):
    tenure = admin.patch("/api/v1/posts/cashier/", {"max_tenure_months": 36}, format="json")
    key = admin.patch("/api/v1/posts/seal_keeper/", {"is_key": True}, format="json")

    assert tenure.status_code == 200
    assert (tenure.json()["max_tenure_months"], tenure.json()["county_max_tenure_months"]) == (
        36, 60)
    assert (key.status_code, key.json()["is_key"]) == (200, True)
    assert last_event(town_a, in_tenant).after == {"is_key": True}


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/api/v1/posts/cashier/", {"max_tenure_months": 61}, 422, "county_minimum"),
    ("/api/v1/posts/cashier/", {"max_tenure_months": None}, 422, "county_minimum"),
    ("/api/v1/posts/accountant/", {"is_key": False}, 422, "county_minimum"),
    ("/api/v1/posts/cashier/", {"max_tenure_months": 0}, 400, "invalid"),
    ("/api/v1/posts/cashier/", {"max_tenure_months": "three years"}, 400, "invalid"),
    ("/api/v1/posts/cashier/", {"is_key": "perhaps"}, 400, "invalid"),
    ("/api/v1/posts/nobody/", {"is_key": True}, 404, "not_found"),
])
def test_a_post_is_never_loosened_past_the_county(
    town_a, admin, in_tenant, path, body, status, code
):
    before = state(town_a, in_tenant)

    response = admin.patch(path, body, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(town_a, in_tenant) == before


GARBAGE = ["{not json", "[]", '"a string"', "null",
           '{"post_a": {"a": 1}, "post_b": ["x"], "scope": 5, "max_tenure_months": "x"}',
           '{"activity": null, "step": 12, "step_name": [], "post": {}, "order": "x"}',
           '{"post_a": "' + "x" * 5000 + '", "post_b": "' + "名" * 5000 + '"}',
           '{"post_a": "\\u0000", "post_b": "handler", "article": "\\u0000", "is_key": "\\u0000"}']
# One concrete path per route of permissions/urls_template.py; a new route without a row fails.
CONCRETE = {
    "sod-rules": "/api/v1/sod-rules/",
    "sod-rule": "/api/v1/sod-rules/sod_cashier_accountant/",
    "role-matrix": "/api/v1/role-matrix/",
    "post-tighten": "/api/v1/posts/cashier/",
}


def test_every_route_has_a_concrete_path_here():
    from permissions.urls_template import urlpatterns

    assert {p.name for p in urlpatterns} == set(CONCRETE)


@pytest.mark.parametrize("body", GARBAGE)
def test_no_tightening_endpoint_answers_garbage_with_a_500(town_a, admin, body):
    for path in CONCRETE.values():
        for method in ("post", "put", "patch"):
            response = getattr(admin, method)(path, body, content_type="application/json")
            assert response.status_code < 500, (path, method, response.content[:200])
            assert response.status_code < 400 or "code" in response.json()
        response = admin.get(path, {"page": body, "page_size": body})
        assert response.status_code < 500, (path, "get", response.content[:200])
