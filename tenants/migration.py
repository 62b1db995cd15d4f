"""migrate_schemas that skips schemas already current and migrates the rest in parallel."""

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors.multiproc import MultiprocessingExecutor
from django_tenants.migration_executors.standard import StandardExecutor
from django_tenants.utils import get_public_schema_name
from psycopg.sql import SQL, Identifier


def expected_leaves() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def schemas_pending(schemas: list[str]) -> list[str]:
    """The schemas among `schemas` that lack a migration on disk (one small query each)."""
    leaves = expected_leaves()
    pending = []
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute("SELECT to_regclass(%s)", [f'"{schema}"."django_migrations"'])
            if cursor.fetchone()[0] is None:
                pending.append(schema)
                continue
            cursor.execute(
                SQL("SELECT app, name FROM {}.django_migrations").format(
                    Identifier(schema)).as_string(connection.connection)
            )
            if not leaves <= set(cursor.fetchall()):
                pending.append(schema)
    return pending


class SkippingExecutor(MultiprocessingExecutor):
    codename = "neikong"

    def run_migrations(self, tenants=None):
        schemas = list(tenants or [])
        if schemas == [get_public_schema_name()]:
            return StandardExecutor.run_migrations(self, schemas)
        pending = schemas_pending(schemas)
        if int(self.options.get("verbosity", 1)) >= 1:
            self.logger_print(len(schemas), len(pending))
        if len(pending) <= 1:
            return StandardExecutor.run_migrations(self, pending)
        return super().run_migrations(pending)

    @staticmethod
    def logger_print(total: int, pending: int) -> None:
        print(f"[neikong] {total - pending} of {total} schemas already current; "  # noqa: T201
              f"migrating {pending}.", flush=True)


def get_executor(codename=None):
    return SkippingExecutor
