"""A schema replayed from the template is the schema migrations build, in the caller's
transaction, under a name we accept; the template follows the migration files."""

import shutil
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from psycopg.sql import SQL, Identifier

import apps.audit.migrations
from tenants.models import Tenant
from tenants.schema import _Recorder, migration_fingerprint, schema_build, template_current
from tenants.services import tenant_create

# What a schema is made of, one listing per kind, every name relative to the schema.
CATALOG = {
    "tables": "SELECT table_name, table_type FROM information_schema.tables "
    "WHERE table_schema = %(s)s",
    "columns": "SELECT table_name, column_name, ordinal_position, data_type, "
    "character_maximum_length, numeric_precision, is_nullable, column_default, "
    "is_identity, identity_generation FROM information_schema.columns "
    "WHERE table_schema = %(s)s",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s",
    "constraints": "SELECT c.relname, k.conname, k.contype, k.condeferrable, "
    "pg_get_constraintdef(k.oid) FROM pg_constraint k "
    "JOIN pg_class c ON c.oid = k.conrelid "
    "WHERE k.connamespace = %(s)s::regnamespace",
    "triggers": "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), "
    "p.pronamespace::regnamespace::text FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE NOT t.tgisinternal AND c.relnamespace = %(s)s::regnamespace",
    "functions": "SELECT proname, pg_get_function_identity_arguments(oid), md5(prosrc) "
    "FROM pg_proc WHERE pronamespace = %(s)s::regnamespace",
    "sequences": "SELECT sequencename, data_type::text, start_value, increment_by, last_value "
    "FROM pg_sequences WHERE schemaname = %(s)s",
}


def catalog(schema: str) -> dict[str, list[tuple]]:
    listing = {}
    with connection.cursor() as cursor:
        for kind, query in CATALOG.items():
            cursor.execute(query, {"s": schema})
            listing[kind] = sorted(
                tuple(
                    str(v)
                    .replace(f'"{schema}".', "")
                    .replace(f"{schema}.", "")
                    .replace(schema, "<schema>")
                    for v in row
                )
                for row in cursor.fetchall()
            )
    return listing


def row_counts(schema: str) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name <> 'django_migrations'",
            [schema],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                SQL("SELECT count(*) FROM {}")
                .format(Identifier(schema, table))
                .as_string(connection.connection)
            )
            counts[table] = cursor.fetchone()[0]
    return counts


def recorded(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            SQL("SELECT app, name FROM {}")
            .format(Identifier(schema, "django_migrations"))
            .as_string(connection.connection)
        )
        return set(cursor.fetchall())


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def schema_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def migrated_schema(db) -> str:
    """A schema built the slow way: django-tenants' stock executor runs every migration."""
    name = unique_name("mig")
    with connection.cursor() as cursor:
        cursor.execute(
            SQL("CREATE SCHEMA {}").format(Identifier(name)).as_string(connection.connection)
        )
    call_command(
        "migrate_schemas", schema_name=name, executor="standard", interactive=False, verbosity=0
    )
    connection.set_schema_to_public()
    return name


@pytest.fixture
def replayed_schema(db) -> str:
    name = unique_name("rep")
    schema_build(name)
    return name


def test_replayed_schema_has_the_migrated_schemas_catalog(migrated_schema, replayed_schema):
    migrated, replayed = catalog(migrated_schema), catalog(replayed_schema)

    assert replayed["tables"]  # the comparison below is not between two empty schemas
    assert replayed["triggers"]
    for kind in CATALOG:
        assert replayed[kind] == migrated[kind], kind


def test_replayed_schema_has_the_migrated_schemas_rows(migrated_schema, replayed_schema):
    assert row_counts(replayed_schema) == row_counts(migrated_schema)


def test_replayed_schema_records_every_migration_on_disk(migrated_schema, replayed_schema):
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)

    assert recorded(replayed_schema) == on_disk
    assert recorded(migrated_schema) == on_disk


def test_replayed_audit_trigger_calls_the_function_of_its_own_schema(replayed_schema):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.pronamespace::regnamespace::text FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgname = 'audit_event_no_update_delete' "
            "AND t.tgrelid = %s::regclass",
            [f'"{replayed_schema}".audit_auditevent'],
        )

        assert cursor.fetchone()[0] == replayed_schema


def test_recorder_keeps_every_row_of_an_executemany_and_builds_indexes_plainly(db):
    connection.ensure_connection()
    recorder = _Recorder(connection.connection)

    def execute(*args):
        return None

    recorder(execute, 'INSERT INTO "t" ("a") VALUES (%s)', [(1,), ("x'y",)], True, {})
    recorder(execute, 'CREATE UNIQUE INDEX CONCURRENTLY "i" ON "t" ("a");', None, False, {})
    recorder(execute, 'SELECT "a" FROM "t"', None, False, {})

    assert recorder.statements == [
        'INSERT INTO "t" ("a") VALUES (1)',
        """INSERT INTO "t" ("a") VALUES ('x''y')""",
        'CREATE UNIQUE INDEX "i" ON "t" ("a")',
    ]


def _migrations_copy(tmp_path: Path, edit: str = "") -> str:
    """A copy of the audit app's migrations as a new importable package, optionally edited."""
    package = unique_name("fpmig")
    target = tmp_path / package
    shutil.copytree(
        Path(apps.audit.migrations.__file__).parent,
        target,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    if edit:
        last = target / "0002_append_only.py"
        last.write_text(last.read_text() + edit)
    return package


@pytest.fixture
def importable_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in [m for m in sys.modules if m.startswith("fpmig_")]:
        del sys.modules[module]


def test_fingerprint_follows_the_content_of_migration_files(importable_tmp, settings):
    real = migration_fingerprint.__wrapped__()
    settings.MIGRATION_MODULES = {"audit": _migrations_copy(importable_tmp)}
    same_content = migration_fingerprint.__wrapped__()
    settings.MIGRATION_MODULES = {"audit": _migrations_copy(importable_tmp, "\n# changed\n")}
    edited = migration_fingerprint.__wrapped__()

    assert same_content == real
    assert edited != real


def test_fingerprint_is_the_one_the_template_was_built_for(db):
    assert template_current().fingerprint == migration_fingerprint()


@pytest.mark.parametrize(
    "name",
    [
        "",
        "public",
        "pg_toast2",
        "Upper",
        "has-dash",
        "x;drop schema public",
        "1abc",
        "_tpl_x",
        "a" * 64,
        'quo"te',
    ],
)
def test_invalid_schema_name_is_refused(db, name):
    before = schema_names()

    with pytest.raises(ValueError, match="Invalid schema name"):
        schema_build(name)

    assert schema_names() == before


def test_build_joins_the_callers_transaction(django_db_setup, django_db_blocker):
    """Committed data, no test transaction: the caller's rollback must take the schema too,
    and nothing is visible to another connection before the caller commits."""
    name = unique_name("rb")
    with django_db_blocker.unblock():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            schema_build(name)
            with psycopg.connect(**connection.get_connection_params()) as other:
                seen = other.execute(
                    "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [name]
                ).fetchone()[0]
            1 / 0  # noqa: B018

        assert seen == 0
        assert not schema_exists(name)


def test_rolled_back_provisioning_leaves_no_schema_and_no_tenant(
    django_db_setup, django_db_blocker
):
    slug = unique_name("rb").replace("_", "-")
    with django_db_blocker.unblock():
        county = Tenant.objects.get(slug="cty")
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            tenant_create(actor=None, slug=slug, name="回滚乡", kind="township", parent=county)
            1 / 0  # noqa: B018

        assert not schema_exists(slug.replace("-", "_"))
        assert not Tenant.objects.filter(slug=slug).exists()
