"""migrate_schemas that skips schemas already current and migrates the rest in parallel.

Asking Django's migrate whether a schema has anything to apply costs ~0.1 s per schema
(it loads the graph and emits post_migrate each time), minutes over a thousand tenants.
Here one query per batch of schemas finds those that lack a migration on disk; only they
go to django-tenants' executors, several at a time in worker processes.
"""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as stock_executor
from django_tenants.migration_executors.multiproc import MultiprocessingExecutor
from django_tenants.migration_executors.standard import StandardExecutor
from django_tenants.utils import get_public_schema_name
from psycopg.sql import SQL, Identifier, Literal

# A UNION ALL over many schemas is slow to plan; 100 schemas per query measured fastest
# (docs/performance.md).
BATCH = 100
# Options under which every schema must go to Django: a target migration, pruning.
_VISIT_ALL = ("app_label", "migration_name", "prune", "run_syncdb")
# Options that end Django's migrate with sys.exit: a pool worker would die and hang the map.
_SERIAL = ("check_unapplied", "plan")


def expected_migrations() -> set[tuple[str, str]]:
    """Every (app, name) a current schema has recorded: all migrations in the graph."""
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _with_table(schemas: Sequence[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' "
            "AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        return {row[0] for row in cursor.fetchall()}


def _batch_query(schemas: Sequence[str], expected: set[tuple[str, str]]) -> str:
    wanted = SQL(", ").join(SQL("({}, {})").format(Literal(a), Literal(n)) for a, n in expected)
    one = SQL(
        "SELECT {name}::text, count(DISTINCT (m.app, m.name)) FROM {table} m "
        "WHERE (m.app::text, m.name::text) IN (SELECT * FROM expected)"
    )
    parts = SQL(" UNION ALL ").join(
        one.format(name=Literal(s), table=Identifier(s, "django_migrations")) for s in schemas
    )
    query = SQL("WITH expected(app, name) AS (VALUES {}) {}").format(wanted, parts)
    return query.as_string(connection.connection)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    return (items[i : i + size] for i in range(0, len(items), size))


def schemas_pending(schemas: Iterable[str], batch: int = BATCH) -> list[str]:
    """The schemas among `schemas` that lack a migration on disk, in their given order."""
    schemas = list(schemas)
    expected = expected_migrations()
    migrated = _with_table(schemas)
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks([s for s in schemas if s in migrated], batch):
            cursor.execute(_batch_query(chunk, expected))
            counts.update(cursor.fetchall())
    return [s for s in schemas if counts.get(s, 0) < len(expected)]


class SkippingExecutor(MultiprocessingExecutor):
    """Migrates only the schemas that need it: one in-process, several in parallel
    (TENANT_MULTIPROCESSING_MAX_PROCESSES workers, a progress line per schema)."""

    codename = "neikong"

    def run_migrations(self, tenants=None):
        schemas = list(tenants or [])
        if schemas == [get_public_schema_name()] or self._visit_all():
            return self._migrate(schemas)
        pending = schemas_pending(schemas)
        self._report(len(schemas), len(pending))
        return self._migrate(pending)

    def _migrate(self, schemas: list[str]) -> None:
        if len(schemas) <= 1 or any(self.options.get(option) for option in _SERIAL):
            return StandardExecutor.run_migrations(self, schemas)
        return super().run_migrations(schemas)

    def _visit_all(self) -> bool:
        return any(self.options.get(option) for option in _VISIT_ALL)

    def _report(self, total: int, pending: int) -> None:
        if int(self.options.get("verbosity", 1)) >= 1:
            print(
                f"[neikong] {total - pending} of {total} schemas already current; "  # noqa: T201
                f"migrating {pending}.",
                flush=True,
            )


def get_executor(codename=None):
    """Ours unless `--executor` names one of django-tenants' own (standard, multiprocessing)."""
    if codename and codename != SkippingExecutor.codename:
        return stock_executor(codename)
    return SkippingExecutor
