"""migrate_schemas skips schemas that have every migration and migrates only the others."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.db import connection
from psycopg.sql import SQL, Identifier

from tenants.migration import get_executor, schemas_pending
from tenants.models import Tenant
from tenants.schema import schema_build
from tenants.services import tenant_create

ROOT = Path(__file__).resolve().parents[2]
LEAF = ("audit", "0002_append_only")  # a migration that can run twice


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def run_sql(statement: SQL | str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        if isinstance(statement, SQL):
            statement = statement.as_string(connection.connection)
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def forget(schema: str, app: str, name: str) -> None:
    """Make `schema` look as if migration app.name had never run."""
    run_sql(
        SQL("DELETE FROM {} WHERE app = %s AND name = %s").format(
            Identifier(schema, "django_migrations")
        ),
        [app, name],
    )


def built(prefix: str = "pend") -> str:
    name = unique_name(prefix)
    schema_build(name)
    return name


@pytest.fixture
def bare_schema(db) -> str:
    name = unique_name("bare")
    run_sql(SQL("CREATE SCHEMA {}").format(Identifier(name)))
    return name


def test_current_schemas_are_not_pending(db, town_a, county):
    schemas = [built(), town_a.schema_name, county.schema_name]

    assert schemas_pending(schemas) == []


def test_schema_missing_its_latest_migration_is_pending(db, town_a):
    stale = built()
    forget(stale, *LEAF)

    assert schemas_pending([town_a.schema_name, stale]) == [stale]


def test_schema_missing_an_earlier_migration_is_pending(db):
    stale = built()
    forget(stale, "audit", "0001_initial")

    assert schemas_pending([stale]) == [stale]


def test_schema_without_migrations_table_or_at_all_is_pending(db, bare_schema):
    missing = unique_name("none")

    assert schemas_pending([bare_schema, missing]) == [bare_schema, missing]


@pytest.mark.parametrize("batch", [1, 2, 100])
def test_batching_gives_the_same_answer_in_the_given_order(db, bare_schema, batch):
    current, stale = built(), built()
    forget(stale, *LEAF)
    schemas = [stale, current, bare_schema, built(), stale]

    assert schemas_pending(schemas, batch=batch) == [stale, bare_schema, stale]


def test_migrating_a_pending_schema_makes_it_current(db):
    stale = built()
    forget(stale, *LEAF)

    call_command("migrate_schemas", schema_name=stale, interactive=False, verbosity=0)
    connection.set_schema_to_public()

    assert schemas_pending([stale]) == []


def test_an_explicit_stock_executor_is_honoured():
    assert get_executor().codename == "neikong"
    assert get_executor("standard").codename == "standard"
    assert get_executor("multiprocessing").codename == "multiprocessing"


# The command itself, as an operator runs it: a separate process on the committed test DB.


def manage(*args: str) -> subprocess.CompletedProcess:
    url = urlparse(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"])
    env = {
        **os.environ,
        "DATABASE_URL": url.geturl(),
        "DJANGO_SETTINGS_MODULE": "county_platform.settings.test",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def tenant_schemas() -> list[str]:
    return list(Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True))


def snapshot(schemas: list[str]) -> list[tuple]:
    """Every relation's catalog row version and every migration record in `schemas`:
    any DDL or migration bookkeeping in them changes it."""
    relations = run_sql(
        "SELECT c.oid, c.xmin::text FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) ORDER BY c.oid",
        [schemas],
    )
    records = [
        run_sql(
            SQL("SELECT %s, id, app, name, applied FROM {} ORDER BY id").format(
                Identifier(s, "django_migrations")
            ),
            [s],
        )
        for s in schemas
    ]
    return relations + records


def test_migrate_schemas_with_nothing_to_apply_touches_nothing(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        schemas = tenant_schemas()
        before = snapshot(schemas)

        result = manage("migrate_schemas", "--tenant", "--noinput")

        assert result.returncode == 0, result.stderr
        assert (
            f"{len(schemas)} of {len(schemas)} schemas already current; migrating 0."
            in result.stdout
        )
        assert "Starting migration" not in result.stdout
        assert snapshot(schemas) == before


@pytest.fixture
def two_stale_tenants(django_db_setup, django_db_blocker):
    """Two committed tenants whose schemas lack their latest migration; removed afterwards."""
    with django_db_blocker.unblock():
        tenants = [
            tenant_create(
                actor=None, slug=unique_name("st").replace("_", "-"), name="待迁移县", kind="county"
            )
            for _ in range(2)
        ]
        for tenant in tenants:
            forget(tenant.schema_name, *LEAF)
        yield [t.schema_name for t in tenants]
        for tenant in tenants:
            run_sql(SQL("DROP SCHEMA {} CASCADE").format(Identifier(tenant.schema_name)))
            tenant.domains.all().delete()
            tenant.delete()


def test_migrate_schemas_migrates_only_the_stale_ones_with_progress(
    two_stale_tenants, django_db_blocker
):
    with django_db_blocker.unblock():
        total = len(tenant_schemas())

        check = manage("migrate_schemas", "--tenant", "--noinput", "--check")
        result = manage("migrate_schemas", "--tenant", "--noinput")

        assert check.returncode == 1
        assert result.returncode == 0, result.stderr
        assert f"{total - 2} of {total} schemas already current; migrating 2." in result.stdout
        assert "[1/2 (50%) neikong:" in result.stdout
        assert "[2/2 (100%) neikong:" in result.stdout
        assert f"Applying {LEAF[0]}.{LEAF[1]}... OK" in result.stdout
        assert schemas_pending(tenant_schemas()) == []
