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
