"""Inspectors (纪检监察, 审计): county grants, read-only access to granted tenants, access log."""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from apps.audit.models import AuditEvent
from apps.audit.selectors import chain_head
from tenants.apis import MeApi
from tenants.inspectors import inspector_grant_create
from tenants.models import InspectorAccess, InspectorGrant, Tenant
from tenants.services import tenant_ensure
from tests.conftest import api_client, host_of
from tests.factories import PASSWORD, staff_make, user_make
from tests.test_authorization_matrix import route_path, tenant_routes

pytestmark = pytest.mark.django_db

UNSAFE = ("post", "put", "patch", "delete")
# Routes outside TenantAPIView's membership rule, each for a stated reason.
NOT_TENANT_ENDPOINTS = {
    "api:auth-token",  # exchanges credentials for a token; changes no tenant data
    "api:schema",  # the OpenAPI document, the same for every tenant (GET only)
    "api:docs",  # its browsable page (GET only)
    "api:not-found",  # catch-all 404 for unknown API paths
    "web:login",
    "web:logout",  # POST /logout/ must keep working for an inspector
}


@pytest.fixture(scope="module")
def other_county(django_db_setup, django_db_blocker) -> Tenant:
    """A second county with one town, committed once (tenant_ensure is idempotent)."""
    with django_db_blocker.unblock():
        county, _ = tenant_ensure(actor=None, slug="cty-two", name="丙县", kind="county")
        tenant_ensure(actor=None, slug="town-c", name="丙镇", kind="town", parent=county)
    return county


def county_admin_user(county):
    return staff_make(county, posts=("county_admin",)).user


def grant_make(county, user, tenants=("town-a",), days=30):
    return inspector_grant_create(
        actor=county_admin_user(county),
        county=county,
        username=user.username,
        tenant_slugs=None if tenants == "all" else list(tenants),
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + timedelta(days=days),
        reason="专项检查：2026年三公经费",
    )


def grant_age(grant, *, starts_in_days: int, ends_in_days: int) -> None:
    """Time passes: move the grant's period relative to today."""
    today = timezone.localdate()
    InspectorGrant.objects.filter(pk=grant.pk).update(
        valid_from=today + timedelta(days=starts_in_days),
        valid_to=today + timedelta(days=ends_in_days),
    )


def api_as(tenant, user):
    token, _ = Token.objects.get_or_create(user=user)
    return api_client(tenant, token.key)


def web_as(tenant, user, **kwargs) -> Client:
    client = Client(HTTP_HOST=host_of(tenant), **kwargs)
    with schema_context(tenant.schema_name):  # sessions live in the host's schema
        client.force_login(user)
    return client


def audit_count(tenant) -> int:
    with schema_context(tenant.schema_name):
        return chain_head().count


def grant_body(username, slugs=("town-a",), **overrides):
    today = timezone.localdate()
    body = {
        "username": username,
        "tenants": slugs if slugs == "all" else list(slugs),
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=30)).isoformat(),
        "reason": "审计局专项审计",
    }
    return {**body, **overrides}


# ---- grants over the API ---------------------------------------------------------------------


def test_county_admin_grants_and_the_grant_is_in_the_county_chain(county):
    admin = county_admin_user(county)
    inspector = user_make()
    before = audit_count(county)

    response = api_as(county, admin).post(
        "/api/v1/county/inspector-grants/", grant_body(inspector.username), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == inspector.username
    assert body["tenants"] == ["town-a"]
    assert body["all_tenants"] is False
    assert body["revoked_at"] is None
    assert audit_count(county) == before + 1
    with schema_context(county.schema_name):
        event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "inspector_grant.created"
    assert event.actor_username == admin.username
    assert event.after["tenants"] == ["town-a"]


def test_grant_of_all_tenants(county):
    response = api_as(county, county_admin_user(county)).post(
        "/api/v1/county/inspector-grants/", grant_body(user_make().username, "all"), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["tenants"] == "all"
    assert InspectorGrant.objects.get(pk=response.json()["id"]).all_tenants is True


def test_grant_for_an_unknown_user_is_400_with_a_chinese_message(county):
    grants = InspectorGrant.objects.count()

    response = api_as(county, county_admin_user(county)).post(
        "/api/v1/county/inspector-grants/", grant_body("no-such-person"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_user"
    assert "no-such-person 不存在" in response.json()["detail"]
    assert InspectorGrant.objects.count() == grants


def test_grant_naming_another_countys_tenant_is_400(county, other_county):
    grants = InspectorGrant.objects.count()

    response = api_as(county, county_admin_user(county)).post(
        "/api/v1/county/inspector-grants/",
        grant_body(user_make().username, ("town-a", "town-c", "nowhere")),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_tenants"
    assert response.json()["tenants"] == ["nowhere", "town-c"]
    assert InspectorGrant.objects.count() == grants


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"tenants": []}, "invalid"),
        ({"tenants": "some"}, "invalid"),
        ({"valid_to": "2020-01-01", "valid_from": "2020-02-01"}, "invalid_period"),
        ({"valid_to": "2020-01-01", "valid_from": "2019-12-01"}, "invalid_period"),
        ({"reason": ""}, "invalid"),
    ],
)
def test_bad_grant_bodies_are_400(county, overrides, code):
    grants = InspectorGrant.objects.count()

    response = api_as(county, county_admin_user(county)).post(
        "/api/v1/county/inspector-grants/",
        grant_body(user_make().username, **overrides),
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert InspectorGrant.objects.count() == grants


def test_county_admin_cannot_grant_to_themselves(county):
    admin = county_admin_user(county)

    response = api_as(county, admin).post(
        "/api/v1/county/inspector-grants/", grant_body(admin.username), format="json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "self_grant"
    assert not InspectorGrant.objects.filter(user=admin).exists()


def test_county_staff_without_the_admin_post_cannot_grant(county):
    clerk = staff_make(county).user
    grants, head = InspectorGrant.objects.count(), audit_count(county)

    response = api_as(county, clerk).post(
        "/api/v1/county/inspector-grants/", grant_body(user_make().username), format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert (InspectorGrant.objects.count(), audit_count(county)) == (grants, head)


def test_grants_endpoint_does_not_exist_on_a_township_host(town_a):
    admin = staff_make(town_a, posts=("tenant_admin",)).user

    response = api_as(town_a, admin).get("/api/v1/county/inspector-grants/")

    assert response.status_code == 404


def test_county_admin_lists_every_grant_an_inspector_only_their_own(county):
    mine, theirs = user_make(), user_make()
    own = grant_make(county, mine)
    other = grant_make(county, theirs)

    everything = api_as(county, county_admin_user(county)).get(
        "/api/v1/county/inspector-grants/", {"page_size": 500}
    )
    own_only = api_as(county, mine).get("/api/v1/county/inspector-grants/")

    assert {own.pk, other.pk} <= {g["id"] for g in everything.json()["results"]}
    assert own_only.status_code == 200
    assert [g["id"] for g in own_only.json()["results"]] == [own.pk]


def test_revoke_ends_the_grant_at_once_and_is_audited(county, town_a):
    inspector = user_make()
    grant = grant_make(county, inspector)
    assert api_as(town_a, inspector).get("/api/v1/me/").status_code == 200
    admin_api = api_as(county, county_admin_user(county))
    head = audit_count(county)

    response = admin_api.post(f"/api/v1/county/inspector-grants/{grant.pk}/revoke/")
    again = admin_api.post(f"/api/v1/county/inspector-grants/{grant.pk}/revoke/")
    after = api_as(town_a, inspector).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert again.status_code == 409
    assert again.json()["code"] == "already_revoked"
    assert audit_count(county) == head + 1
    assert after.status_code == 403
    assert after.json()["code"] == "not_a_member"


def test_revoking_another_countys_grant_is_404(county, other_county):
    foreign = grant_make(other_county, user_make(), tenants=("town-c",))

    response = api_as(county, county_admin_user(county)).post(
        f"/api/v1/county/inspector-grants/{foreign.pk}/revoke/"
    )

    assert response.status_code == 404
    assert InspectorGrant.objects.get(pk=foreign.pk).revoked_at is None


# ---- what a grant opens ----------------------------------------------------------------------


def test_inspector_reads_pages_and_endpoints_of_the_granted_tenant(county, town_a):
    inspector = user_make()
    grant_make(county, inspector)
    api = api_as(town_a, inspector)

    me = api.get("/api/v1/me/")
    head = api.get("/api/v1/audit/head/")
    page = web_as(town_a, inspector).get("/")

    assert me.status_code == 200
    assert me.json()["is_inspector"] is True
    assert me.json()["posts"] == []
    assert me.json()["tenant"]["slug"] == "town-a"
    assert head.status_code == 200
    assert page.status_code == 200


def test_a_grant_opens_the_county_host_and_post_gated_reads_there(county):
    inspector = user_make()
    grant_make(county, inspector)

    tenants = api_as(county, inspector).get("/api/v1/county/tenants/")

    assert tenants.status_code == 200
    assert "town-a" in {t["slug"] for t in tenants.json()["results"]}


def test_inspector_obtains_a_token_on_a_granted_host(county, town_a):
    inspector = user_make()
    grant_make(county, inspector)

    response = api_client(town_a).post(
        "/api/v1/auth/token/", {"username": inspector.username, "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert api_client(town_a, response.json()["token"]).get("/api/v1/me/").status_code == 200


def test_staff_are_members_not_inspectors_where_they_work(county, town_a):
    staff = staff_make(town_a, posts=("tenant_admin",))
    grant_make(county, staff.user)

    me = api_as(town_a, staff.user).get("/api/v1/me/")

    assert me.json()["is_inspector"] is False
    assert me.json()["posts"] == ["tenant_admin"]


def test_every_unsafe_method_on_every_endpoint_is_read_only_and_changes_nothing(
    county, town_a
):
    inspector = user_make()
    grant_make(county, inspector)
    counts = (audit_count(town_a), audit_count(county), Tenant.objects.count(),
              InspectorGrant.objects.count())
    refused = []

    for host in (town_a, county):
        api, web = api_as(host, inspector), web_as(host, inspector)
        for route in tenant_routes():
            if route.name in NOT_TENANT_ENDPOINTS:
                continue
            client = api if route.is_api else web
            for method in UNSAFE:
                response = getattr(client, method)(
                    route_path(route), {"name": "x"}, content_type="application/json"
                )
                code = response.json().get("code") if route.is_api else None
                ok = response.status_code == 403 and (code == "read_only" or not route.is_api)
                refused.append((host.slug, route.name, method, ok or response.status_code))

    assert [r for r in refused if r[3] is not True] == []
    assert len(refused) >= 2 * 4 * 10
    assert counts == (audit_count(town_a), audit_count(county), Tenant.objects.count(),
                      InspectorGrant.objects.count())


def test_every_unsafe_api_method_is_refused_before_the_handler(county, town_a):
    """Even a method the endpoint does not have answers read_only, not 405: one rule."""
    inspector = user_make()
    grant_make(county, inspector)

    response = api_as(town_a, inspector).put("/api/v1/me/", {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "read_only"


def test_the_not_tenant_endpoints_are_still_the_known_few():
    names = {route.name for route in tenant_routes()}

    assert names >= NOT_TENANT_ENDPOINTS
    for route in tenant_routes():
        if route.name not in NOT_TENANT_ENDPOINTS and route.is_api:
            assert route.is_tenant_api_view, f"{route.name} does not derive from TenantAPIView"


def test_inspector_logs_out_with_post(county, town_a):
    inspector = user_make()
    grant_make(county, inspector)
    web = web_as(town_a, inspector)

    response = web.post("/logout/")

    assert response.status_code == 302
    assert web.get("/").status_code == 302  # logged out: sent to the login page


@pytest.mark.parametrize(
    ("starts_in", "ends_in"), [(-60, -1), (1, 30)], ids=["expired", "not-yet-valid"]
)
def test_a_grant_outside_its_period_is_not_a_member(county, town_a, starts_in, ends_in):
    inspector = user_make()
    grant = grant_make(county, inspector)
    grant_age(grant, starts_in_days=starts_in, ends_in_days=ends_in)

    api = api_as(town_a, inspector).get("/api/v1/me/")
    page = web_as(town_a, inspector).get("/")

    assert api.status_code == 403
    assert api.json()["code"] == "not_a_member"
    assert page.status_code == 403


def test_a_grant_ending_today_still_reads(county, town_a):
    inspector = user_make()
    grant_age(grant_make(county, inspector), starts_in_days=-10, ends_in_days=0)

    assert api_as(town_a, inspector).get("/api/v1/me/").status_code == 200


def test_a_revoked_grant_is_not_a_member(county, town_a):
    inspector = user_make()
    grant = grant_make(county, inspector)
    InspectorGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())

    response = api_as(town_a, inspector).get("/api/v1/me/")

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"


def test_a_grant_for_town_a_does_not_open_town_b(county, town_a, town_b):
    inspector = user_make()
    grant_make(county, inspector, tenants=("town-a",))

    assert api_as(town_a, inspector).get("/api/v1/me/").status_code == 200
    response = api_as(town_b, inspector).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"
    assert web_as(town_b, inspector).get("/").status_code == 403


def test_all_opens_every_tenant_of_the_county_and_none_of_another(
    county, town_a, town_b, other_county
):
    inspector = user_make()
    grant_make(county, inspector, tenants="all")
    town_c = Tenant.objects.get(slug="town-c")

    opened = [api_as(t, inspector).get("/api/v1/me/").status_code
              for t in (county, town_a, town_b)]
    closed = [api_as(t, inspector).get("/api/v1/me/").json()["code"]
              for t in (other_county, town_c)]

    assert opened == [200, 200, 200]
    assert closed == ["not_a_member", "not_a_member"]


# ---- the access log --------------------------------------------------------------------------


def test_allowed_and_refused_requests_are_logged_pages_and_api(county, town_a):
    inspector = user_make()
    grant = grant_make(county, inspector)
    api, web = api_as(town_a, inspector), web_as(town_a, inspector)

    api.get("/api/v1/me/?x=1")
    api.post("/api/v1/me/", {}, format="json")
    web.get("/")
    web.post("/")

    rows = list(
        InspectorAccess.objects.filter(user=inspector).order_by("id")
        .values_list("grant_id", "tenant__slug", "method", "path", "status_code")
    )
    assert rows == [
        (grant.pk, "town-a", "GET", "/api/v1/me/?x=1", 200),
        (grant.pk, "town-a", "POST", "/api/v1/me/", 403),
        (grant.pk, "town-a", "GET", "/", 200),
        (grant.pk, "town-a", "POST", "/", 403),
    ]


def test_attempts_after_the_grant_ended_are_logged_as_refused(county, town_a):
    inspector = user_make()
    grant = grant_make(county, inspector)
    grant_age(grant, starts_in_days=-60, ends_in_days=-1)

    api_as(town_a, inspector).get("/api/v1/me/")

    row = InspectorAccess.objects.get(user=inspector)
    assert (row.grant_id, row.status_code) == (grant.pk, 403)


def test_logout_is_logged(county, town_a):
    inspector = user_make()
    grant_make(county, inspector)

    web_as(town_a, inspector).post("/logout/")

    row = InspectorAccess.objects.get(user=inspector)
    assert (row.method, row.path, row.status_code) == ("POST", "/logout/", 302)


def test_members_and_strangers_leave_no_log_rows(county, town_a):
    member, stranger = staff_make(town_a).user, user_make()
    rows = InspectorAccess.objects.count()

    api_as(town_a, member).get("/api/v1/me/")
    api_as(town_a, stranger).get("/api/v1/me/")

    assert InspectorAccess.objects.count() == rows


def test_a_failing_log_write_does_not_break_the_answer(county, town_a, monkeypatch, caplog):
    inspector = user_make()
    grant_make(county, inspector)

    def broken(**kwargs):
        raise RuntimeError("log store down")

    monkeypatch.setattr("permissions.middleware.inspector_access_record", broken)

    with caplog.at_level(logging.ERROR, logger="neikong.security"):
        response = api_as(town_a, inspector).get("/api/v1/me/")

    assert response.status_code == 200
    assert "inspector_access_not_logged" in caplog.text


def test_read_only_refusals_are_in_the_security_log(county, town_a, caplog):
    inspector = user_make()
    grant_make(county, inspector)

    with caplog.at_level(logging.WARNING, logger="neikong.security"):
        api_as(town_a, inspector).delete("/api/v1/me/")
        web_as(town_a, inspector).post("/")

    assert f"read_only user={inspector.pk} tenant=town_a method=DELETE path=/api/v1/me/" in (
        caplog.text)
    assert f"read_only user={inspector.pk} tenant=town_a method=POST path=/" in caplog.text


def test_a_request_that_crashes_is_still_logged(county, town_a, monkeypatch):
    inspector = user_make()
    grant_make(county, inspector)

    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(MeApi, "get", crash)
    client = web_as(town_a, inspector, raise_request_exception=False)

    response = client.get("/api/v1/me/")

    assert response.status_code == 500
    row = InspectorAccess.objects.get(user=inspector)
    assert (row.path, row.status_code) == ("/api/v1/me/", 500)


def test_the_county_reads_the_log_with_filters(county, town_a, town_b, other_county):
    first, second = user_make(), user_make()
    grant_make(county, first, tenants="all")
    grant_make(county, second)
    grant_make(other_county, first, tenants=("town-c",))
    api_as(town_a, first).get("/api/v1/me/")
    api_as(town_b, first).get("/api/v1/audit/head/")
    api_as(town_a, second).get("/api/v1/me/")
    api_as(Tenant.objects.get(slug="town-c"), first).get("/api/v1/me/")
    admin = api_as(county, county_admin_user(county))
    today = timezone.localdate().isoformat()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    by_user = admin.get("/api/v1/county/inspector-access/", {"user": first.username})
    by_tenant = admin.get(
        "/api/v1/county/inspector-access/", {"user": first.username, "tenant": "town-b"}
    )
    today_rows = admin.get(
        "/api/v1/county/inspector-access/", {"user": second.username, "date_from": today,
                                             "date_to": today}
    )
    before_today = admin.get(
        "/api/v1/county/inspector-access/", {"user": second.username, "date_to": yesterday}
    )
    bad_date = admin.get("/api/v1/county/inspector-access/", {"date_from": "yesterday"})

    assert by_user.status_code == 200
    assert [(r["tenant"], r["path"]) for r in by_user.json()["results"]] == [
        ("town-b", "/api/v1/audit/head/"), ("town-a", "/api/v1/me/")]  # not town-c: other county
    assert by_tenant.json()["count"] == 1
    assert today_rows.json()["count"] == 1
    assert set(today_rows.json()["results"][0]) >= {
        "id", "grant", "user", "tenant", "method", "path", "status_code", "at"}
    assert before_today.json()["count"] == 0
    assert bad_date.status_code == 400


@pytest.mark.parametrize("who", ["inspector", "county_clerk"])
def test_only_the_county_admin_reads_the_log(county, town_a, who):
    inspector = user_make()
    grant_make(county, inspector)
    reader = inspector if who == "inspector" else staff_make(county).user

    response = api_as(county, reader).get("/api/v1/county/inspector-access/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_grant_routes_are_named_for_reverse():
    assert reverse("api:inspector-grants") == "/api/v1/county/inspector-grants/"
    assert reverse("api:inspector-access") == "/api/v1/county/inspector-access/"



def test_an_inspector_logs_in_on_the_web_and_sees_the_read_only_notice(county, town_a):
    inspector = user_make()
    grant_make(county, inspector)
    client = Client(HTTP_HOST=host_of(town_a))

    login = client.post("/login/", {"username": inspector.username, "password": PASSWORD})
    home = client.get("/")

    assert login.status_code == 302
    assert "检查人员身份只读访问" in home.content.decode()
