"""GET /api/v1/alerts/: the tenant's alerts for its members, filtered and paginated."""

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from apps.controls.services import alert_close_by_key, alert_raise
from tests.conftest import api_client
from tests.factories import PASSWORD, staff_make

FIELDS = {"id", "rule", "severity", "status", "object_type", "object_id", "message",
          "created_at", "standing"}


def member_client(tenant):
    staff = staff_make(tenant)
    token = api_client(tenant).post("/api/v1/auth/token/", {
        "username": staff.user.username, "password": PASSWORD}, format="json").json()["token"]
    return api_client(tenant, token)


def raise_in(tenant, key: str, severity: str = "warn", standing: bool = False):
    with schema_context(tenant.schema_name), transaction.atomic():
        return alert_raise(rule="test_rule", severity=severity, message=f"预警 {key}",
                           dedupe_key=key, object_type="x.y", object_id=7, standing=standing)


def test_members_see_their_tenants_alerts_newest_first(town_a, town_b):
    first = raise_in(town_a, "a1", standing=True)
    second = raise_in(town_a, "a2", severity="remind")
    raise_in(town_b, "b1")

    page = member_client(town_a).get("/api/v1/alerts/").json()

    assert set(page) == {"count", "next", "previous", "results"}
    assert [r["id"] for r in page["results"]] == [second.pk, first.pk]
    assert set(page["results"][0]) >= FIELDS
    assert (page["results"][1]["standing"], page["results"][1]["object_id"]) == (True, "7")


def test_alerts_filter_by_status_and_severity(town_a):
    raise_in(town_a, "open-warn")
    raise_in(town_a, "open-remind", severity="remind")
    raise_in(town_a, "closed-warn")
    with schema_context(town_a.schema_name):
        alert_close_by_key(dedupe_key="closed-warn", note="done")
    client = member_client(town_a)

    open_warn = client.get("/api/v1/alerts/?status=open&severity=warn").json()["results"]
    closed = client.get("/api/v1/alerts/?status=closed").json()["results"]

    assert [r["message"] for r in open_warn] == ["预警 open-warn"]
    assert [r["message"] for r in closed] == ["预警 closed-warn"]


@pytest.mark.parametrize("query", ["status=bogus", "severity=10", "page=abc"])
def test_a_bad_filter_is_an_error_not_a_500(town_a, query):
    response = member_client(town_a).get(f"/api/v1/alerts/?{query}")

    assert response.status_code in (400, 404)
    assert "code" in response.json()


def test_anonymous_and_other_tenants_see_nothing(town_a, town_b):
    raise_in(town_a, "secret")

    anonymous = api_client(town_a).get("/api/v1/alerts/")
    other = member_client(town_b).get("/api/v1/alerts/").json()

    assert anonymous.status_code == 401
    assert other["count"] == 0
