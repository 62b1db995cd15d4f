"""Login attempts are rate-limited; requests never leak one tenant's schema into another."""

import pytest

from tests.conftest import api_client
from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db


def test_repeated_login_attempts_are_throttled(town_a):
    client = api_client(town_a)
    answers = [
        client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
        for _ in range(21)
    ]

    assert [a.status_code for a in answers[:20]] == [400] * 20
    assert answers[20].status_code == 429
    assert answers[20].json()["code"] == "throttled"


def test_alternating_hosts_always_see_their_own_tenant(town_a, town_b):
    a = staff_make(town_a)
    b = staff_make(town_b)
    tokens = {}
    for tenant, staff in ((town_a, a), (town_b, b)):
        tokens[tenant.slug] = api_client(tenant).post(
            "/api/v1/auth/token/",
            {"username": staff.user.username, "password": PASSWORD},
            format="json",
        ).json()["token"]

    seen = []
    for tenant in (town_a, town_b, town_a, town_b, town_a):
        me = api_client(tenant, tokens[tenant.slug]).get("/api/v1/me/").json()
        seen.append(me["tenant"]["slug"])
        # A failing request in between must not leave its schema behind.
        api_client(tenant, tokens[tenant.slug]).post("/api/v1/me/", "{bad", content_type="x/y")

    assert seen == ["town-a", "town-b", "town-a", "town-b", "town-a"]
