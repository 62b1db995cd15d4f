"""A database of its own for the provisioning benchmark, created and dropped around the run.

The dev and test databases are never touched: the default connection is pointed at
`neikong_perf_<pid>` on the server named by DATABASE_URL, migrated (public schema only),
and the database is dropped at the end even if the benchmark fails.
"""

import os
from urllib.parse import urlparse

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from psycopg.sql import SQL, Identifier


def _admin_connection() -> psycopg.Connection:
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    return psycopg.connect(**params, autocommit=True)


def _point_default_at(name: str) -> None:
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name


@pytest.fixture(scope="session")
def perf_database(django_db_blocker):
    """The name of a fresh, migrated database; the default connection uses it meanwhile."""
    name = f"neikong_perf_{os.getpid()}"
    original = settings.DATABASES["default"]["NAME"]
    with django_db_blocker.unblock():
        with _admin_connection() as admin:
            admin.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))
        try:
            _point_default_at(name)
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            yield name
        finally:
            _point_default_at(original)
            with _admin_connection() as admin:
                admin.execute(
                    SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name))
                )


@pytest.fixture(scope="session")
def perf_database_url(perf_database) -> str:
    """DATABASE_URL for a `manage.py` subprocess that must see the benchmark database."""
    return urlparse(os.environ["DATABASE_URL"])._replace(path="/" + perf_database).geturl()
