"""The county's template endpoints: who may read and write, validation, audit events."""

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from permissions import defaults
from permissions.catalog import services
from permissions.catalog.models import CountyRoleStep, TemplateVersion
from tenants.models import Tenant
from tenants.services import tenant_create
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

BASE = "/api/v1/county/templates"
READS = [f"{BASE}/{name}/" for name in
         ("posts", "role-matrix", "sod-rules", "parameters", "versions")]
# (method, path, body); {step} is the id of one of the county's matrix steps.
WRITES = [
    ("post", f"{BASE}/posts/", {"code": "archivist", "name": "档案管理员"}),
    ("patch", f"{BASE}/posts/cashier/", {"name": "出纳员"}),
    ("post", f"{BASE}/role-matrix/", {"activity": "seal", "step": "register",
                                      "step_name": "用印登记", "post": "seal_keeper"}),
    ("patch", f"{BASE}/role-matrix/{{step}}/", {"post": "principal"}),
    ("delete", f"{BASE}/role-matrix/{{step}}/", None),
    ("post", f"{BASE}/sod-rules/", {"code": "sod_x", "post_a": "handler", "post_b": "seal_keeper",
                                    "scope": "post", "article": "测试"}),
    ("delete", f"{BASE}/sod-rules/sod_cashier_accountant/", None),
    ("patch", f"{BASE}/parameters/rotation_remind_days/", {"value": 30}),
    ("post", f"{BASE}/publish/", {"note": "测试"}),
]
ALL = [("get", path, None) for path in READS] + WRITES


def client_for(tenant: Tenant, staff=None):
    client = api_client(tenant)
    if staff is not None:
        client.force_authenticate(staff.user)
    return client


@pytest.fixture
def admin(county):
    staff = staff_make(county, posts=("county_admin",))
    client = client_for(county, staff)
    client.username = staff.user.username
    return client


@pytest.fixture
def step_id(county) -> int:
    return CountyRoleStep.objects.get(county=county, activity="seal", step="use_approve").pk


def call(client, method: str, path: str, body, step_id: int):
    return getattr(client, method)(path.format(step=step_id), body, format="json")


def county_events(county: Tenant) -> list[tuple[str, dict | None, dict | None]]:
    with schema_context(county.schema_name):
        return list(AuditEvent.objects.order_by("seq").values_list("action", "before", "after"))


def state(county: Tenant):
    return (services.catalog_snapshot(county=county),
            TemplateVersion.objects.filter(county=county).count(), county_events(county))


# --- who ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", READS)
def test_any_county_member_reads(county, path):
    response = client_for(county, staff_make(county)).get(path)

    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 1


def test_the_lists_show_the_default_template(county):
    client = client_for(county, staff_make(county))

    posts = client.get(f"{BASE}/posts/").json()
    matrix = client.get(f"{BASE}/role-matrix/", {"page_size": 100}).json()
    rules = client.get(f"{BASE}/sod-rules/").json()

    assert [p["code"] for p in posts["results"]] == [p.code for p in defaults.POSTS]
    assert matrix["count"] == len(defaults.MATRIX)
    payment = next(s for s in matrix["results"] if s["step"] == "payment")
    assert (payment["activity_name"], payment["post"]) == ("支出", "cashier")
    assert {r["code"]: r["article"] for r in rules["results"]} == {
        r.code: r.article for r in defaults.SOD}


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_anonymous_is_401_and_nothing_changes(county, step_id, method, path, body):
    before = state(county)

    response = call(client_for(county), method, path, body, step_id)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert state(county) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_member_without_county_admin_cannot_write(county, step_id, method, path, body):
    client = client_for(county, staff_make(county, posts=("supervisor",)))
    before = state(county)

    response = call(client, method, path, body, step_id)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert state(county) == before


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_on_a_township_host_the_county_endpoints_do_not_exist(
    county, town_a, step_id, method, path, body
):
    client = client_for(town_a, staff_make(town_a, posts=("tenant_admin",)))
    before = state(county)

    response = call(client, method, path, body, step_id)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert state(county) == before


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_a_township_member_on_the_county_host_is_not_a_member(
    county, town_a, step_id, method, path, body
):
    client = client_for(county, staff_make(town_a, posts=("tenant_admin",)))
    before = state(county)

    response = call(client, method, path, body, step_id)

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"
    assert state(county) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_county_admin_writes_and_each_write_is_audited(
    county, admin, step_id, method, path, body
):
    events = len(county_events(county))

    response = call(admin, method, path, body, step_id)

    assert response.status_code in (200, 201, 204), response.content
    actions = [action for action, _, _ in county_events(county)[events:]]
    assert len(actions) == 1
    assert actions[0].startswith("duty_template.")


# --- posts ----------------------------------------------------------------------------------

def test_a_new_post_is_created_and_audited(county, admin):
    response = admin.post(f"{BASE}/posts/", {"code": "archivist", "name": "档案管理员",
                                            "is_key": True, "max_tenure_months": 48},
                          format="json")

    assert response.status_code == 201
    assert response.json() | {"id": 0} == {"id": 0, "code": "archivist", "name": "档案管理员",
                                           "is_key": True, "max_tenure_months": 48,
                                           "holds_money": False}
    action, _, after = county_events(county)[-1]
    assert (action, after["code"], after["max_tenure_months"]) == (
        "duty_template.post_created", "archivist", 48)


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"code": "cashier", "name": "出纳"}, 409, "code_taken"),
    ({"code": "archivist", "name": "档案", "is_key": True}, 400, "tenure_required"),
    ({"code": "Bad Code", "name": "x"}, 400, "invalid"),
    ({"code": "archivist"}, 400, "invalid"),
    ({"code": "archivist", "name": "x", "max_tenure_months": 0}, 400, "invalid"),
    ({"code": "archivist", "name": "x", "max_tenure_months": "long"}, 400, "invalid"),
])
def test_a_bad_post_is_refused_and_nothing_changes(county, admin, body, status, code):
    before = state(county)

    response = admin.post(f"{BASE}/posts/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(county) == before


def test_changing_a_post_records_before_and_after(county, admin):
    response = admin.patch(f"{BASE}/posts/cashier/", {"max_tenure_months": 36}, format="json")

    assert response.status_code == 200
    assert response.json()["max_tenure_months"] == 36
    assert response.json()["is_key"] is True
    assert county_events(county)[-1] == (
        "duty_template.post_changed",
        {"name": "出纳", "is_key": True, "max_tenure_months": 60, "holds_money": True},
        {"name": "出纳", "is_key": True, "max_tenure_months": 36, "holds_money": True},
    )


def test_a_key_post_cannot_lose_its_tenure_and_an_unknown_post_is_404(county, admin):
    before = state(county)

    cleared = admin.patch(f"{BASE}/posts/cashier/", {"max_tenure_months": None}, format="json")
    unknown = admin.patch(f"{BASE}/posts/nobody/", {"name": "x"}, format="json")

    assert (cleared.status_code, cleared.json()["code"]) == (400, "tenure_required")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert state(county) == before


# --- role matrix ----------------------------------------------------------------------------

STEP = {"activity": "seal", "step": "register", "step_name": "用印登记", "post": "seal_keeper"}


@pytest.mark.parametrize(("body", "status", "code"), [
    ({**STEP, "post": "nobody"}, 400, "unknown_post"),
    ({**STEP, "step": "custody"}, 409, "code_taken"),
    ({**STEP, "step": ""}, 400, "invalid"),
    ({**STEP, "order": -1}, 400, "invalid"),
])
def test_a_bad_matrix_step_is_refused(county, admin, body, status, code):
    before = state(county)

    response = admin.post(f"{BASE}/role-matrix/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(county) == before


def test_a_step_is_added_changed_and_deleted(county, admin):
    created = admin.post(f"{BASE}/role-matrix/", {**STEP, "order": 15}, format="json")
    step = created.json()["id"]
    changed = admin.patch(f"{BASE}/role-matrix/{step}/", {"post": "ic_lead"}, format="json")
    clash = admin.patch(f"{BASE}/role-matrix/{step}/", {"step": "custody"}, format="json")
    deleted = admin.delete(f"{BASE}/role-matrix/{step}/")

    assert (created.status_code, created.json()["post"]) == (201, "seal_keeper")
    assert (changed.status_code, changed.json()["post"]) == (200, "ic_lead")
    assert (clash.status_code, clash.json()["code"]) == (409, "code_taken")
    assert deleted.status_code == 204
    assert not CountyRoleStep.objects.filter(pk=step).exists()
    assert [a for a, _, _ in county_events(county)[-3:]] == [
        "duty_template.step_created", "duty_template.step_changed", "duty_template.step_deleted"]


def test_another_county_step_is_not_found(county, admin):
    other = tenant_create(actor=None, slug="other-cty", name="邻县", kind="county")
    foreign = CountyRoleStep.objects.filter(county=other).first()
    before = state(other)

    patched = admin.patch(f"{BASE}/role-matrix/{foreign.pk}/", {"post": "handler"},
                          format="json")
    deleted = admin.delete(f"{BASE}/role-matrix/{foreign.pk}/")

    assert (patched.status_code, deleted.status_code) == (404, 404)
    assert state(other) == before


# --- incompatible pairs ---------------------------------------------------------------------

PAIR = {"code": "sod_handler_seal", "post_a": "handler", "post_b": "seal_keeper",
        "scope": "post", "article": "县“6+N”管理办法"}


@pytest.mark.parametrize(("body", "status", "code"), [
    ({**PAIR, "post_b": "nobody"}, 400, "unknown_post"),
    ({**PAIR, "post_a": "nobody"}, 400, "unknown_post"),
    ({**PAIR, "post_b": "handler"}, 400, "same_post"),
    ({**PAIR, "code": "sod_cashier_accountant"}, 409, "code_taken"),
    ({**PAIR, "post_a": "accountant", "post_b": "cashier"}, 409, "pair_exists"),
    ({**PAIR, "scope": "forever"}, 400, "invalid"),
    ({**PAIR, "article": ""}, 400, "invalid"),
])
def test_a_bad_pair_is_refused(county, admin, body, status, code):
    before = state(county)

    response = admin.post(f"{BASE}/sod-rules/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(county) == before


def test_a_pair_is_added_and_deleted_with_its_article_in_the_trail(county, admin):
    created = admin.post(f"{BASE}/sod-rules/", PAIR, format="json")
    deleted = admin.delete(f"{BASE}/sod-rules/sod_handler_seal/")
    missing = admin.delete(f"{BASE}/sod-rules/sod_handler_seal/")

    assert (created.status_code, deleted.status_code, missing.status_code) == (201, 204, 404)
    (a1, _, after), (a2, before, _) = county_events(county)[-2:]
    assert (a1, after["article"]) == ("duty_template.sod_created", PAIR["article"])
    assert (a2, before["post_b"]) == ("duty_template.sod_deleted", "seal_keeper")


# --- parameters and versions ----------------------------------------------------------------

@pytest.mark.parametrize(("value", "status", "code"), [
    (6, 422, "out_of_bounds"),
    (366, 422, "out_of_bounds"),
    ("soon", 400, "invalid"),
    (None, 400, "invalid"),
    (10**12, 400, "invalid"),
])
def test_a_parameter_outside_its_bounds_is_refused(county, admin, value, status, code):
    before = state(county)

    response = admin.patch(f"{BASE}/parameters/rotation_remind_days/", {"value": value},
                           format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(county) == before


def test_a_parameter_within_bounds_is_set(county, admin):
    response = admin.patch(f"{BASE}/parameters/rotation_remind_days/", {"value": 7},
                           format="json")

    assert response.status_code == 200
    assert response.json()["value"] == 7
    assert county_events(county)[-1] == (
        "duty_template.parameter_set", {"value": 90}, {"value": 7})


def test_publish_answers_the_new_number_and_lists_it_first(county, admin):
    before = services.version_latest(county=county).number

    response = admin.post(f"{BASE}/publish/", {"note": "出纳任期改为三年"}, format="json")
    versions = admin.get(f"{BASE}/versions/").json()["results"]

    assert response.status_code == 201
    assert response.json()["number"] == before + 1
    assert (versions[0]["number"], versions[0]["note"]) == (before + 1, "出纳任期改为三年")
    assert versions[0]["published_by"] == admin.username


def test_malformed_json_is_400_not_500(county, admin):
    response = admin.generic("POST", f"{BASE}/sod-rules/", "{not json",
                             content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "malformed")


GARBAGE = ["{not json", "[]", '"a string"', "null", '{"code": null, "name": 12, "value": []}',
           '{"post_a": {"a": 1}, "post_b": ["x"], "scope": 5, "max_tenure_months": "x"}',
           '{"code": "' + "x" * 5000 + '", "name": "' + "名" * 5000 + '"}',
           '{"code": "ok_code", "name": "\\u0000", "article": "\\u0000", "note": "\\u0000"}']
# One concrete path per route of permissions/catalog/urls.py; a new route without a row fails.
CONCRETE = {
    "county-template-posts": f"{BASE}/posts/",
    "county-template-post": f"{BASE}/posts/cashier/",
    "county-template-role-matrix": f"{BASE}/role-matrix/",
    "county-template-role-step": f"{BASE}/role-matrix/{{step}}/",
    "county-template-sod-rules": f"{BASE}/sod-rules/",
    "county-template-sod-rule": f"{BASE}/sod-rules/sod_cashier_accountant/",
    "county-template-parameters": f"{BASE}/parameters/",
    "county-template-parameter": f"{BASE}/parameters/rotation_remind_days/",
    "county-template-versions": f"{BASE}/versions/",
    "county-template-publish": f"{BASE}/publish/",
}


def test_every_route_has_a_concrete_path_here():
    from permissions.catalog.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(CONCRETE)


@pytest.mark.parametrize("body", GARBAGE)
def test_no_template_endpoint_answers_garbage_with_a_500(county, admin, step_id, body):
    for path in CONCRETE.values():
        for method in ("post", "put", "patch"):
            response = getattr(admin, method)(path.format(step=step_id), body,
                                              content_type="application/json")
            assert response.status_code < 500, (path, method, response.content[:200])
            assert response.status_code < 400 or "code" in response.json()
        response = admin.get(path.format(step=step_id), {"page": body, "page_size": body})
        assert response.status_code < 500, (path, "get", response.content[:200])
