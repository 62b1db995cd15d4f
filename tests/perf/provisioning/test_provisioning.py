"""Provisioning benchmark: our template replay against django-tenants' stock paths.

Run explicitly (the default test run ignores tests/perf):

    .venv/bin/pytest tests/perf/provisioning -p no:cacheprovider -s

In one database of its own, at 1, 100 and 1,000 existing tenants (filled by the fast path),
side by side: (a) `tenant_create` of a township, (b) a schema made by running every
migration (stock `create_schema(sync_schema=True)`), (c) django-tenants' clone of a
`TENANT_BASE_SCHEMA` plus its faked migrate; then, at 1,000, (d) `migrate_schemas` with
nothing to apply, the per-schema cost of stock no-op migrate, the batch size of the pending
check, and a parallel migration of stale schemas. Results go to stdout as Markdown (and to
$NEIKONG_PERF_REPORT if set); docs/performance.md records a run.
"""

import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.clone import CloneSchema
from psycopg.sql import SQL, Identifier, Literal

from tenants.migration import schemas_pending
from tenants.models import Domain, Tenant
from tenants.schema import template_current
from tenants.services import domain_for, public_tenant_ensure, tenant_create

ROOT = Path(__file__).resolve().parents[3]
# NEIKONG_PERF_LEVELS=1,40,80 makes a quick smoke run of the same code.
LEVELS = tuple(int(n) for n in os.environ.get("NEIKONG_PERF_LEVELS", "1,100,1000").split(","))
RUNS_FAST, RUNS_STOCK, RUNS_NOOP = 20, 3, 3
BASE_SCHEMA = "perf_base"
LEAF = ("audit", "0002_append_only")
RECYCLE_EVERY = 100  # a backend caches catalog for every schema it touched


class Bench:
    """Names, counters and collected results for one run."""

    def __init__(self):
        self.serial = 0
        self.rows: list[tuple] = []  # (level, existing tenants, path, seconds per run)
        self.notes: dict[str, str] = {}
        self.county = None
        self.started = time.perf_counter()
        self.timeline: list[str] = []

    def step(self, name: str) -> None:
        """Note when each step ended: a stall on a shared machine shows up here."""
        self.timeline.append(f"{name} +{time.perf_counter() - self.started:.0f}s")

    def slug(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial:05d}"


@contextmanager
def stopwatch(into: list[float]):
    start = time.perf_counter()
    yield
    into.append(time.perf_counter() - start)


def sql(statement: SQL) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection))


def tenant_count() -> int:
    return Tenant.objects.exclude(schema_name="public").count()


def register(slug: str) -> Tenant:
    """A tenant row (and domain) for a schema made outside tenant_create; timed with it."""
    tenant = Tenant.objects.create(
        schema_name=slug.replace("-", "_"), slug=slug, name=slug, kind="township"
    )
    Domain.objects.create(domain=domain_for(slug), tenant=tenant, is_primary=True)
    return tenant


def fast_create(bench: Bench, prefix: str = "fill") -> None:
    tenant_create(
        actor=None, slug=bench.slug(prefix), name="测试乡", kind="township", parent=bench.county
    )


def migrate_create(bench: Bench) -> None:
    """Stock `create_schema(sync_schema=True)` without a base schema."""
    slug = bench.slug("mig")
    tenant = register(slug)
    sql(SQL("CREATE SCHEMA {}").format(Identifier(tenant.schema_name)))
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=tenant.schema_name,
        executor="standard",
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()


def clone_create(bench: Bench) -> None:
    """Stock `create_schema(sync_schema=True)` with TENANT_BASE_SCHEMA: clone, then fake."""
    tenant = register(bench.slug("cln"))
    CloneSchema().clone_schema(BASE_SCHEMA, tenant.schema_name, "DATA")
    call_command(
        "migrate_schemas",
        tenant=True,
        fake=True,
        schema_name=tenant.schema_name,
        executor="standard",
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()


def fill_to(bench: Bench, level: int) -> None:
    times: list[float] = []
    while tenant_count() < level:
        with stopwatch(times):
            fast_create(bench)
        if len(times) % RECYCLE_EVERY == 0:
            connection.close()
    if times:
        bench.notes[f"fill to {level}"] = (
            f"{len(times)} townships by tenant_create in {sum(times):.1f} s "
            f"(median {statistics.median(times) * 1000:.0f} ms)"
        )
    connection.close()


def measure(bench: Bench, level: int, path: str, runs: int, create) -> None:
    existing = tenant_count()
    times: list[float] = []
    for _ in range(runs):
        with stopwatch(times):
            create(bench)
    bench.rows.append((level, existing, path, times))


def manage(url: str, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    return time.perf_counter() - start, result


def noop_migrate(bench: Bench, url: str) -> None:
    existing = tenant_count()
    for label, args in (
        ("(d) `manage.py migrate_schemas --tenant`, nothing to apply", ("--tenant",)),
        ("(d) `manage.py migrate_schemas` (public + tenants), nothing to apply", ()),
    ):
        times = []
        for _ in range(RUNS_NOOP):
            elapsed, result = manage(url, "migrate_schemas", "--noinput", *args)
            assert result.returncode == 0, result.stderr
            assert "migrating 0." in result.stdout, result.stdout[-2000:]
            times.append(elapsed)
        bench.rows.append((LEVELS[-1], existing, label, times))


def pending_batches(bench: Bench) -> None:
    schemas = list(
        Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )
    for batch in (1, 10, 50, 100, 250, 1000):
        times = []
        for _ in range(RUNS_NOOP):
            connection.close()  # each run pays a fresh backend's catalog lookups, as a command
            with stopwatch(times):
                assert schemas_pending(schemas, batch=batch) == []
        bench.rows.append((LEVELS[-1], len(schemas), f"pending check, batch={batch}", times))


def stock_noop_sample(bench: Bench, sample: int = 30) -> None:
    """Stock migrate_schemas asks Django per schema; time that on a sample, extrapolate."""
    schemas = list(
        Tenant.objects.filter(slug__startswith="fill-").values_list("schema_name", flat=True)
    )[:sample]
    times: list[float] = []
    for schema in schemas:
        with stopwatch(times):
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=schema,
                executor="standard",
                interactive=False,
                verbosity=0,
            )
    connection.set_schema_to_public()
    bench.rows.append((LEVELS[-1], tenant_count(), "stock no-op migrate, per schema", times))
    bench.notes["stock no-op over all tenants (extrapolated, serial)"] = (
        f"{statistics.median(times) * tenant_count():.0f} s"
    )


def make_stale(count: int) -> list[str]:
    """The last `count` filled schemas, made to miss their latest migration."""
    stale = list(
        Tenant.objects.filter(slug__startswith="fill-").values_list("schema_name", flat=True)
    )[-count:]
    for schema in stale:
        sql(
            SQL("DELETE FROM {} WHERE app = {} AND name = {}").format(
                Identifier(schema, "django_migrations"), Literal(LEAF[0]), Literal(LEAF[1])
            )
        )
    return stale


def parallel_stale(bench: Bench, count: int = 40) -> None:
    """migrate_schemas over every tenant must find the stale schemas and migrate exactly
    those; with one worker process, then with the configured number."""
    for processes in (1, settings.TENANT_MULTIPROCESSING_MAX_PROCESSES):
        stale = make_stale(count)
        times: list[float] = []
        with override_settings(TENANT_MULTIPROCESSING_MAX_PROCESSES=processes), stopwatch(times):
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        assert schemas_pending(stale) == []
        label = f"migrate_schemas, {count} of them stale, {processes} worker process(es)"
        bench.rows.append((LEVELS[-1], tenant_count(), label, times))


def public_fk_triggers(bench: Bench) -> None:
    """Every tenant FK to a shared table adds two RI triggers to that public table."""
    connection.close()
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_user WHERE id = 0")
        cold = time.perf_counter() - start
    connection.close()
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_domain WHERE id = 0")
        plain = time.perf_counter() - start
        cursor.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = 'public'::regnamespace GROUP BY c.relname ORDER BY 2 DESC"
        )
        counts = ", ".join(f"{name} {n}" for name, n in cursor.fetchall()[:4])
    bench.notes["RI triggers on public tables"] = counts
    bench.notes["first query in a new connection"] = (
        f"on tenants_user {cold * 1000:.0f} ms, on tenants_domain (no RI triggers) "
        f"{plain * 1000:.0f} ms"
    )


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"{len(times)} | {statistics.median(times):.3f} | {p90:.3f} | {max(times):.3f}"


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {server}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def report(bench: Bench) -> str:
    lines = [
        f"Machine: {machine()}",
        "",
        "| existing tenants | path | runs | median s | p90 s | max s |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {existing} | {path} | {summary(times)} |" for _, existing, path, times in bench.rows
    ]
    lines += ["", *(f"- {key}: {value}" for key, value in bench.notes.items())]
    return "\n".join(lines)


def medians(bench: Bench, level: int, prefix: str) -> float:
    return next(
        statistics.median(t)
        for lv, _, path, t in bench.rows
        if lv == level and path.startswith(prefix)
    )


def setup(bench: Bench) -> None:
    public_tenant_ensure()
    times: list[float] = []
    with stopwatch(times):
        template = template_current()
    bench.notes["template capture (once per migration state)"] = (
        f"{times[0]:.2f} s, {template.statement_count} statements, {len(template.script)} bytes"
    )
    bench.county = tenant_create(actor=None, slug="perf-county", name="基准县", kind="county")
    sql(SQL("CREATE SCHEMA {}").format(Identifier(BASE_SCHEMA)))
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=BASE_SCHEMA,
        executor="standard",
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()


def measure_level(bench: Bench, level: int) -> None:
    fill_to(bench, level)
    bench.step(f"fill {level}")
    measure(bench, level, "(a) tenant_create (template replay)", RUNS_FAST, fast_create)
    measure(bench, level, "(b) stock: create schema + run migrations", RUNS_STOCK, migrate_create)
    measure(bench, level, "(c) stock: clone base schema + fake migrate", RUNS_STOCK, clone_create)
    bench.step(f"level {level}")


def measure_migrations(bench: Bench, url: str) -> None:
    noop_migrate(bench, url)
    bench.step("no-op migrate")
    pending_batches(bench)
    stock_noop_sample(bench)
    bench.step("stock no-op sample")
    parallel_stale(bench)
    bench.step("stale migrations")
    public_fk_triggers(bench)
    bench.notes["timeline"] = ", ".join(bench.timeline)


def test_provisioning_benchmark(perf_database, perf_database_url, django_db_blocker):
    bench = Bench()
    with django_db_blocker.unblock():
        setup(bench)
        for level in LEVELS:
            measure_level(bench, level)
        measure_migrations(bench, perf_database_url)
        text = report(bench)
    print("\n" + text)  # noqa: T201
    if os.environ.get("NEIKONG_PERF_REPORT"):
        Path(os.environ["NEIKONG_PERF_REPORT"]).write_text(text + "\n")

    top = LEVELS[-1]
    assert medians(bench, top, "(a)") < 0.5
    assert max(next(t for lv, _, p, t in bench.rows if lv == top and p.startswith("(a)"))) < 5
    assert medians(bench, top, "(b)") >= 5 * medians(bench, top, "(a)")
    assert medians(bench, top, "(d) `manage.py migrate_schemas --tenant`") < 30
