"""Fast tenant schemas: capture the DDL of a migrated schema once, replay it per tenant.

Migrating a fresh schema replays every migration through Django's executor (seconds, and
more with every migration added). Instead, the first time a migration state is seen, a
scratch schema is migrated while every statement it sends is recorded; the recording is
stored in the public schema (`SchemaTemplate`), keyed by a fingerprint of the migration
files. A new tenant schema is then one `CREATE SCHEMA` and one round trip of that script.
The script holds unqualified names only, so `search_path` decides where it lands; foreign
keys to shared tables (users) resolve to `public` exactly as they did when recorded.
See docs/adr/0002-clone-by-ddl-replay.md.
"""

import functools
import hashlib
import re
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context
from psycopg import ClientCursor
from psycopg.sql import SQL, Identifier, Literal

from tenants.models import SchemaTemplate

# Statements the migration run sends that are not part of the schema itself.
_SKIP = re.compile(
    r"^\s*(SELECT|SHOW|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|SET search_path|"
    r'INSERT INTO "django_migrations")',
    re.IGNORECASE,
)
# The replay is one transaction on an empty schema: a concurrent build buys nothing there.
_CONCURRENTLY = re.compile(r"\b(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY\b", re.IGNORECASE)
SCHEMA_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@functools.cache
def migration_fingerprint() -> str:
    """A hash of every migration file on disk and of the app split: it changes whenever the
    schema would. Cached per process: neither changes under a running process."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    digest.update(repr((settings.SHARED_APPS, settings.TENANT_APPS)).encode())
    for key in sorted(loader.disk_migrations):
        migration = loader.disk_migrations[key]
        digest.update(f"{key[0]}.{key[1]}\n".encode())
        module_file = getattr(sys.modules.get(migration.__module__), "__file__", None)
        if module_file:
            digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()


class _Recorder:
    def __init__(self, raw_connection):
        self.statements: list[str] = []
        self._mogrifier = ClientCursor(raw_connection)

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not _SKIP.match(sql):
            for one in params if many else [params]:
                self.statements.append(self._text(sql, one))
        return result

    def _text(self, sql, params) -> str:
        text = sql if params is None else self._mogrifier.mogrify(sql, params)
        return _CONCURRENTLY.sub(r"\1\2 INDEX", text.rstrip().rstrip(";"))


def _migrated_names(schema_name: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            SQL('SELECT app, name FROM {}."django_migrations" ORDER BY id')
            .format(Identifier(schema_name))
            .as_string(connection.connection)
        )
        return list(cursor.fetchall())


def _migrations_insert(rows: list[tuple[str, str]]) -> str:
    values = SQL(", ").join(
        SQL("({}, {}, now())").format(Literal(app), Literal(name)) for app, name in rows
    )
    return (
        SQL('INSERT INTO "django_migrations" ("app", "name", "applied") VALUES {}')
        .format(values)
        .as_string(connection.connection)
    )


def _execute(statement: SQL) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection))


def _capture(fingerprint: str) -> SchemaTemplate:
    if connection.in_atomic_block:
        raise RuntimeError("The schema template must be built outside a transaction.")
    scratch = f"_tpl_{uuid.uuid4().hex[:12]}"
    connection.ensure_connection()
    _execute(SQL("CREATE SCHEMA {}").format(Identifier(scratch)))
    recorder = _Recorder(connection.connection)
    try:
        with connection.execute_wrapper(recorder):
            call_command(
                "migrate_schemas", schema_name=scratch, tenant=True, interactive=False, verbosity=0
            )
        recorder.statements.append(_migrations_insert(_migrated_names(scratch)))
    finally:
        connection.set_schema_to_public()
        _execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(scratch)))
    script = ";\n".join(recorder.statements) + ";\n"
    SchemaTemplate.objects.bulk_create(
        [
            SchemaTemplate(
                fingerprint=fingerprint, script=script, statement_count=len(recorder.statements)
            )
        ],
        ignore_conflicts=True,
    )
    return SchemaTemplate.objects.get(fingerprint=fingerprint)


def template_current() -> SchemaTemplate:
    """The template for the migrations on disk, built now if this state is new."""
    fingerprint = migration_fingerprint()
    template = SchemaTemplate.objects.filter(fingerprint=fingerprint).first()
    return template or _capture(fingerprint)


def schema_name_check(schema_name: str) -> None:
    """Refuse names that are not a plain lowercase identifier or that PostgreSQL reserves."""
    if (
        not SCHEMA_NAME_RE.match(schema_name)
        or schema_name == "public"
        or schema_name.startswith("pg_")
    ):
        raise ValueError(f"Invalid schema name {schema_name!r}")


def schema_build(schema_name: str, template: SchemaTemplate | None = None) -> None:
    """Create `schema_name` with every tenant table, in the caller's transaction."""
    schema_name_check(schema_name)
    template = template or template_current()
    with transaction.atomic():
        _execute(SQL("CREATE SCHEMA {}").format(Identifier(schema_name)))
        with schema_context(schema_name), connection.cursor() as cursor:
            cursor.execute(template.script)
