"""Shared fixtures: a county and two townships provisioned once per session, real PostgreSQL."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from tenants.models import Tenant
from tenants.schema import template_current
from tenants.services import public_tenant_ensure, tenant_ensure


def _teardown_databases(created, django_db_blocker) -> None:
    with django_db_blocker.unblock():
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """After the test database is migrated: the public tenant, the schema template, and a
    county with two townships, committed once and shared by every test."""
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != settings.DATABASES["default"]["TEST"]["NAME"]:
            # pytest-django creates the test database only for tests with the db fixture or a
            # django_db mark; the real-worker tests (tests/worker.py) commit, so have neither.
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
            request.addfinalizer(lambda: _teardown_databases(created, django_db_blocker))
        public_tenant_ensure()
        template_current()
        county, _ = tenant_ensure(actor=None, slug="cty", name="测试县", kind="county")
        tenant_ensure(actor=None, slug="town-a", name="甲镇", kind="town", parent=county)
        tenant_ensure(actor=None, slug="town-b", name="乙乡", kind="township", parent=county)


@pytest.fixture
def county(db) -> Tenant:
    return Tenant.objects.get(slug="cty")


@pytest.fixture
def town_a(db) -> Tenant:
    return Tenant.objects.get(slug="town-a")


@pytest.fixture
def town_b(db) -> Tenant:
    return Tenant.objects.get(slug="town-b")


def host_of(tenant: Tenant) -> str:
    return tenant.get_primary_domain().domain


def api_client(tenant: Tenant, token: str | None = None) -> APIClient:
    client = APIClient(HTTP_HOST=host_of(tenant))
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def web_client(tenant: Tenant) -> Client:
    return Client(HTTP_HOST=host_of(tenant))


@pytest.fixture
def in_tenant():
    """`with in_tenant(t):` runs ORM code in that tenant's schema."""
    return lambda tenant: schema_context(tenant.schema_name)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with none of this run's cache entries (throttle counters included)."""
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    for key in client.scan_iter(match=f"*:{prefix}:*", count=1000):
        client.delete(key)


@pytest.fixture(autouse=True)
def _public_schema_after():
    """A request or a schema_context left open must not carry into the next test."""
    yield
    connection.set_schema_to_public()
