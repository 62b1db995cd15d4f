"""One error format for every API failure; bad input is a 4xx with a stable code, never a 500."""

import pytest
from django.urls import get_resolver

from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

GARBAGE_BODIES = [
    "{not json",
    "[]",
    '"a string"',
    "null",
    '{"slug": null, "name": 12, "kind": [], "admin": "x"}',
    '{"username": {"a": 1}, "password": ["x"]}',
    '{"slug": "' + "x" * 5000 + '", "name": "' + "名" * 5000 + '"}',
    '{"slug": "ok-slug", "name": "\\u0000", "kind": "town", "admin": {"username": "\\u0000"}}',
]


def _api_paths() -> list[str]:
    api = get_resolver("county_platform.urls").url_patterns[0]
    return [f"/api/v1/{p.pattern}" for p in api.url_patterns if "^" not in str(p.pattern)]


def test_malformed_json_is_400_malformed(town_a):
    response = api_client(town_a).post(
        "/api/v1/auth/token/", "{bad", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


def test_validation_error_has_code_invalid_and_field_errors(town_a):
    response = api_client(town_a).post("/api/v1/auth/token/", {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"username", "password"}


def test_unknown_api_path_is_json_404(town_a):
    staff = staff_make(town_a)
    client = api_client(town_a)
    client.force_authenticate(staff.user)

    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405_with_code(town_a):
    staff = staff_make(town_a)
    client = api_client(town_a)
    client.force_authenticate(staff.user)

    response = client.put("/api/v1/me/", {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_anonymous_is_401_not_authenticated(town_a):
    response = api_client(town_a).get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_bad_token_is_401(town_a):
    response = api_client(town_a, token="0" * 40).get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize("body", GARBAGE_BODIES)
def test_no_endpoint_answers_garbage_with_a_500(county, body):
    admin = staff_make(county, posts=("county_admin",))
    client = api_client(county)
    client.force_authenticate(admin.user)

    for path in _api_paths():
        for method in (client.post, client.put, client.patch, client.delete):
            response = method(
                path, body, content_type="application/json", HTTP_ACCEPT="application/json"
            )
            assert response.status_code < 500, (path, method.__name__, response.content[:200])
            if response["Content-Type"].startswith("application/json"):
                assert response.status_code < 400 or "code" in response.json()
        response = client.get(path, {"page": body, "page_size": body})
        assert response.status_code < 500, (path, "get", response.content[:200])
