"""The host picks the tenant; an unknown host is a plain 404, never a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_host_gets_plain_404():
    response = Client(HTTP_HOST="nowhere.localhost").get("/")

    assert response.status_code == 404
    assert "没有这个单位" in response.content.decode()


def test_host_outside_allowed_hosts_gets_404():
    response = Client(HTTP_HOST="evil.example.com").get("/api/v1/me/")

    assert response.status_code == 404


def test_unknown_host_api_path_is_404_too():
    response = Client(HTTP_HOST="ghost.localhost").post("/api/v1/auth/token/", {})

    assert response.status_code == 404


def test_bare_base_domain_serves_the_operator_admin():
    response = Client(HTTP_HOST="localhost").get("/admin/login/")

    assert response.status_code == 200


def test_tenant_home_redirects_anonymous_to_login(town_a):
    response = Client(HTTP_HOST="town-a.localhost").get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_suspended_tenant_host_is_refused_plainly(town_b):
    town_b.is_active = False
    town_b.save(update_fields=["is_active"])

    page = Client(HTTP_HOST="town-b.localhost").get("/")
    api = Client(HTTP_HOST="town-b.localhost").get("/api/v1/me/")

    assert page.status_code == 403
    assert "已停用" in page.content.decode()
    assert api.status_code == 403
