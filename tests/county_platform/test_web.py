"""The web shell: a Chinese login page per tenant, a home page with the user's posts, logout."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import web_client
from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    """Test-client requests leave the connection in the host's schema; don't leak it onward."""
    yield
    connection.set_schema_to_public()


VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def logged_in(tenant, staff):
    client = web_client(tenant)
    response = client.post("/login/", {"username": staff.user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client, response


def test_login_page_is_chinese_and_names_the_tenant(town_a):
    response = web_client(town_a).get("/login/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert "登录 甲镇" in page
    assert "用户名" in page
    assert "密码" in page
    assert VIEWPORT in page


def test_wrong_password_stays_on_the_login_page_with_a_chinese_message(town_a):
    staff = staff_make(town_a)

    response = web_client(town_a).post(
        "/login/", {"username": staff.user.username, "password": "wrong-password"}
    )

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_redirects_home_which_shows_tenant_user_and_posts(town_a):
    staff = staff_make(town_a, posts=("tenant_admin",), display_name="王小明")

    client, response = logged_in(town_a, staff)
    home = client.get(response["Location"])

    page = home.content.decode()
    assert response["Location"] == "/"
    assert home.status_code == 200
    assert "<h1>甲镇</h1>" in page
    assert "王小明" in page
    assert '<li data-post="tenant_admin">系统管理员</li>' in page
    assert VIEWPORT in page


def test_county_admin_sees_the_county_post_name(county):
    staff = staff_make(county, posts=("county_admin",), display_name="李县")

    client, _ = logged_in(county, staff)
    page = client.get("/").content.decode()

    assert "<h1>测试县</h1>" in page
    assert "李县" in page
    assert '<li data-post="county_admin">县局管理员</li>' in page


def test_staff_without_posts_is_told_so(town_a):
    staff = staff_make(town_a)

    client, _ = logged_in(town_a, staff)
    page = client.get("/").content.decode()

    assert "您目前没有任何岗位" in page


def test_logout_by_post_ends_the_session(town_a):
    staff = staff_make(town_a)
    client, _ = logged_in(town_a, staff)
    session_key = client.cookies["sessionid"].value

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/")["Location"].startswith("/login/")
    with schema_context(town_a.schema_name):
        assert not Session.objects.filter(session_key=session_key).exists()


def test_logout_by_get_is_refused_and_keeps_the_session(town_a):
    staff = staff_make(town_a)
    client, _ = logged_in(town_a, staff)

    response = client.get("/logout/")

    assert response.status_code == 405
    assert client.get("/").status_code == 200


def test_openapi_schema_and_docs_answer_a_member(town_a):
    staff = staff_make(town_a)
    client, _ = logged_in(town_a, staff)

    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert "/api/v1/county/tenants/" in schema.json()["paths"]
    assert "/api/v1/me/" in schema.json()["paths"]
    assert docs.status_code == 200
    assert "swagger" in docs.content.decode().lower()
