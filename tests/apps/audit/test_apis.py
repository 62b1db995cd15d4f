"""GET /api/v1/audit/head/: the chain's head for members of the host's tenant only."""

import pytest

from tests.apps.audit.conftest import last_event_of
from tests.conftest import api_client
from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/head/"


def _token(tenant, username: str) -> str:
    response = api_client(tenant).post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_member_gets_the_count_and_hash_of_the_last_event(chain):
    staff = staff_make(chain)
    seq, hash_ = last_event_of(chain)

    response = api_client(chain, _token(chain, staff.user.username)).get(URL)

    assert response.status_code == 200
    assert response.json() == {"count": seq, "head_hash": hash_}
    assert len(hash_) == 64


def test_the_head_follows_new_events(town_a):
    staff = staff_make(town_a)
    client = api_client(town_a, _token(town_a, staff.user.username))
    before = client.get(URL).json()

    staff_make(town_a)
    after = client.get(URL).json()

    assert after["count"] == before["count"] + 1
    assert (after["count"], after["head_hash"]) == last_event_of(town_a)


def test_anonymous_gets_401(town_a):
    response = api_client(town_a).get(URL)

    assert response.status_code == 401


def test_a_member_of_another_tenant_gets_403_not_a_member(town_a, town_b):
    staff = staff_make(town_a)
    token = _token(town_a, staff.user.username)

    response = api_client(town_b, token).get(URL)

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"
    assert "head_hash" not in response.json()
