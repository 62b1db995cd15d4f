"""Identity and county endpoints: token, me, and the county's tenant list and creation."""

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from permissions.models import StaffMember
from permissions.services import staff_add
from tenants.models import Domain, Tenant, User
from tests.conftest import api_client, web_client
from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    """Test-client requests leave the connection in the host's schema; don't leak it onward."""
    yield
    connection.set_schema_to_public()


TENANT_FIELDS = {"id", "slug", "name", "kind", "schema_name", "domain", "is_active"}
NEW_TOWN = {
    "slug": "xin-zhen",
    "name": "新镇",
    "kind": "town",
    "admin": {"username": "xinzhen_admin", "display_name": "新镇管理员", "password": "pw-12345678"},
}


def token_for(tenant: Tenant, username: str, password: str = PASSWORD) -> str:
    response = api_client(tenant).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def county_admin_client(county: Tenant):
    admin = staff_make(county, posts=("county_admin",))
    return api_client(county, token_for(county, admin.user.username))


def snapshot() -> tuple[int, int, int]:
    return Tenant.objects.count(), Domain.objects.count(), User.objects.count()


def test_token_for_a_member(town_a):
    staff = staff_make(town_a)

    token = token_for(town_a, staff.user.username)

    assert len(token) == 40


def test_token_with_a_wrong_password_is_400_invalid_credentials(town_a):
    staff = staff_make(town_a)

    response = api_client(town_a).post(
        "/api/v1/auth/token/",
        {"username": staff.user.username, "password": "wrong-password"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert "token" not in response.json()


def test_token_for_an_unknown_user_is_400_invalid_credentials(town_a):
    response = api_client(town_a).post(
        "/api/v1/auth/token/", {"username": "nobody-here", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_me_describes_the_user_in_this_tenant(town_a):
    staff = staff_make(town_a, posts=("tenant_admin",), display_name="王小明")

    response = api_client(town_a, token_for(town_a, staff.user.username)).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "username": staff.user.username,
        "display_name": "王小明",
        "tenant": {"slug": "town-a", "name": "甲镇", "kind": "town"},
        "posts": ["tenant_admin"],
        "is_inspector": False,
    }


def test_me_lists_only_the_posts_held_in_the_hosts_tenant(county, town_a):
    staff = staff_make(county, posts=("county_admin",))
    with schema_context(town_a.schema_name):
        staff_add(actor=None, username=staff.user.username)

    response = api_client(town_a, token_for(town_a, staff.user.username)).get("/api/v1/me/")

    assert response.json()["posts"] == []
    assert response.json()["tenant"]["slug"] == "town-a"


def test_county_admin_lists_the_countys_tenants_paginated(county):
    client = county_admin_client(county)

    response = client.get("/api/v1/county/tenants/", {"page_size": 1})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert body["next"] is not None
    assert body["previous"] is None
    first = body["results"][0]
    assert set(first) >= TENANT_FIELDS
    assert (first["slug"], first["domain"]) == ("town-a", f"town-a.{settings.BASE_DOMAIN}")


def test_county_admin_creates_a_town_whose_admin_can_log_in_there(county):
    client = county_admin_client(county)

    response = client.post("/api/v1/county/tenants/", NEW_TOWN, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= TENANT_FIELDS
    assert {k: body[k] for k in ("slug", "name", "kind", "schema_name", "domain", "is_active")} == {
        "slug": "xin-zhen",
        "name": "新镇",
        "kind": "town",
        "schema_name": "xin_zhen",
        "domain": f"xin-zhen.{settings.BASE_DOMAIN}",
        "is_active": True,
    }
    town = Tenant.objects.get(pk=body["id"])
    assert town.parent == county
    token = token_for(town, "xinzhen_admin", "pw-12345678")
    me = api_client(town, token).get("/api/v1/me/").json()
    assert me["tenant"] == {"slug": "xin-zhen", "name": "新镇", "kind": "town"}
    assert me["posts"] == ["tenant_admin"]
    assert me["display_name"] == "新镇管理员"
    login_page = web_client(town).get("/login/")
    assert login_page.status_code == 200
    assert "新镇" in login_page.content.decode()


def test_the_admin_cannot_act_in_the_county_or_a_sibling(county, town_a):
    county_admin_client(county).post("/api/v1/county/tenants/", NEW_TOWN, format="json")
    town = Tenant.objects.get(slug="xin-zhen")
    token = token_for(town, "xinzhen_admin", "pw-12345678")

    for other in (county, town_a):
        response = api_client(other, token).get("/api/v1/me/")
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_member"


def test_creation_is_audited_in_the_county_and_in_the_new_tenant(county):
    with schema_context(county.schema_name):
        before = AuditEvent.objects.filter(action="county.tenant_created").count()

    county_admin_client(county).post("/api/v1/county/tenants/", NEW_TOWN, format="json")

    with schema_context(county.schema_name):
        assert AuditEvent.objects.filter(action="county.tenant_created").count() == before + 1
    with schema_context("xin_zhen"):
        assert AuditEvent.objects.filter(action="tenant.created").count() == 1


def test_a_town_without_admin_is_created_with_no_staff(county):
    body = {key: value for key, value in NEW_TOWN.items() if key != "admin"}

    response = county_admin_client(county).post("/api/v1/county/tenants/", body, format="json")

    assert response.status_code == 201
    with schema_context("xin_zhen"):
        assert StaffMember.objects.count() == 0


def test_county_member_without_county_admin_gets_403_permission_denied(county):
    clerk = staff_make(county)
    client = api_client(county, token_for(county, clerk.user.username))
    before = snapshot()

    listing = client.get("/api/v1/county/tenants/")
    creation = client.post("/api/v1/county/tenants/", NEW_TOWN, format="json")

    assert (listing.status_code, listing.json()["code"]) == (403, "permission_denied")
    assert (creation.status_code, creation.json()["code"]) == (403, "permission_denied")
    assert snapshot() == before


def test_the_endpoint_does_not_exist_on_a_township_host(town_a):
    # Even the township's own administrator finds nothing (county_admin cannot be held in a
    # township: tests/permissions/test_services.py).
    staff = staff_make(town_a, posts=("tenant_admin",))
    client = api_client(town_a, token_for(town_a, staff.user.username))
    before = snapshot()

    listing = client.get("/api/v1/county/tenants/")
    creation = client.post("/api/v1/county/tenants/", NEW_TOWN, format="json")

    assert (listing.status_code, listing.json()["code"]) == (404, "not_found")
    assert (creation.status_code, creation.json()["code"]) == (404, "not_found")
    assert snapshot() == before


def test_anonymous_gets_401(county):
    before = snapshot()

    listing = api_client(county).get("/api/v1/county/tenants/")
    creation = api_client(county).post("/api/v1/county/tenants/", NEW_TOWN, format="json")

    assert (listing.status_code, listing.json()["code"]) == (401, "not_authenticated")
    assert (creation.status_code, creation.json()["code"]) == (401, "not_authenticated")
    assert snapshot() == before


def test_staff_of_another_tenant_gets_403_not_a_member(county, town_a):
    outsider = staff_make(town_a, posts=("tenant_admin",))
    client = api_client(county, token_for(town_a, outsider.user.username))
    before = snapshot()

    listing = client.get("/api/v1/county/tenants/")
    creation = client.post("/api/v1/county/tenants/", NEW_TOWN, format="json")

    assert (listing.status_code, listing.json()["code"]) == (403, "not_a_member")
    assert (creation.status_code, creation.json()["code"]) == (403, "not_a_member")
    assert snapshot() == before


def test_a_taken_slug_is_409_slug_taken(county):
    client = county_admin_client(county)
    before = snapshot()

    response = client.post("/api/v1/county/tenants/", {**NEW_TOWN, "slug": "town-a"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "slug_taken"
    assert snapshot() == before


def test_creating_the_same_town_twice_is_409_the_second_time(county):
    client = county_admin_client(county)
    client.post("/api/v1/county/tenants/", NEW_TOWN, format="json")
    before = snapshot()

    response = client.post("/api/v1/county/tenants/", NEW_TOWN, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "slug_taken")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "county"}, "kind"),
        ({"kind": "city"}, "kind"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "x"}, "slug"),
        ({"slug": "-abc"}, "slug"),
        ({"slug": "public"}, "slug"),
        ({"slug": "www"}, "slug"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"slug": None}, "slug"),
        ({"region_code": "33-01"}, "region_code"),
        ({"admin": {"username": "a b", "password": "pw-12345678"}}, "admin"),
        ({"admin": {"username": "short-pass", "password": "1234"}}, "admin"),
    ],
)
def test_bad_input_is_400_invalid_with_field_errors(county, change, field):
    client = county_admin_client(county)
    body = {key: value for key, value in {**NEW_TOWN, **change}.items() if value is not None}
    before = snapshot()

    response = client.post("/api/v1/county/tenants/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert snapshot() == before
