"""A user of one tenant gets nothing on another's host, by token or by session cookie."""

import pytest
from django.contrib.sessions.models import Session
from django_tenants.utils import schema_context

from tests.conftest import api_client, host_of, web_client
from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db


def _token(tenant, username):
    response = api_client(tenant).post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_token_from_tenant_a_gets_403_not_a_member_on_tenant_b(town_a, town_b):
    staff = staff_make(town_a)
    token = _token(town_a, staff.user.username)

    assert api_client(town_a, token).get("/api/v1/me/").status_code == 200
    response = api_client(town_b, token).get("/api/v1/me/")

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"


def test_token_is_refused_to_a_non_member(town_a, town_b):
    staff = staff_make(town_a)

    response = api_client(town_b).post(
        "/api/v1/auth/token/",
        {"username": staff.user.username, "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"


def test_session_cookie_from_tenant_a_is_not_a_session_on_tenant_b(town_a, town_b):
    staff = staff_make(town_a)
    client = web_client(town_a)
    response = client.post("/login/", {"username": staff.user.username, "password": PASSWORD})
    assert response.status_code == 302
    cookie = client.cookies["sessionid"].value

    other = web_client(town_b)
    other.cookies["sessionid"] = cookie
    page = other.get("/")

    assert page.status_code == 302  # anonymous there: sent to the login page
    assert page["Location"].startswith("/login/")
    with schema_context(town_b.schema_name):
        assert not Session.objects.filter(session_key=cookie).exists()


def test_logged_in_non_member_gets_403_on_every_page_and_endpoint(town_a, town_b):
    staff = staff_make(town_a)
    client = web_client(town_b)
    with schema_context(town_b.schema_name):  # sessions live in the host's schema
        client.force_login(staff.user)

    page = client.get("/")
    api = client.get("/api/v1/me/", HTTP_HOST=host_of(town_b))

    assert page.status_code == 403
    assert "不是" in page.content.decode()
    assert api.status_code == 403
    assert api.json()["code"] == "not_a_member"


def test_session_cookie_is_host_only(town_a):
    staff = staff_make(town_a)
    client = web_client(town_a)
    client.post("/login/", {"username": staff.user.username, "password": PASSWORD})

    assert client.cookies["sessionid"]["domain"] == ""


def test_login_page_refuses_a_non_member_with_a_clear_message(town_a, town_b):
    staff = staff_make(town_a)

    response = web_client(town_b).post(
        "/login/", {"username": staff.user.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "您不是本单位的工作人员" in response.content.decode()
