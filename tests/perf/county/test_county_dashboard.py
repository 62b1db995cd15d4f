"""County dashboard benchmark (DESIGN §13: p50 under 150 ms with 1,400 tenants).

Run explicitly (the default test run ignores tests/perf):

    .venv/bin/pytest tests/perf/county -p no:cacheprovider -s

In a database of its own, at 15, 200 and 1,400 townships (made by the fast provisioning path,
each with a little data copied set-based from one seed township: budget indicators, paid and
approved requests with their approval steps, alerts, a key post held past its limit), it
times (a) the full snapshot refresh `stats_refresh_all`, (b) `GET /api/v1/county/stats/` with
the whole county in one page and with the default page, (c) the dashboard page, (d) the
alternative: computing every township's figures in its own schema at request time, and (e)
the list's rows through stock DRF serializers (what the hand-shaped rows replaced).
Results go to stdout as Markdown (and to $NEIKONG_PERF_REPORT if set).
"""

import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from psycopg.sql import SQL, Identifier
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.controls.services import alert_raise
from apps.county.apis import StatsRowOutput, row_data
from apps.county.selectors import stats_rows
from apps.county.services import stats_refresh_all, townships_active
from apps.county.stats import stats_compute
from tenants.models import Tenant
from tenants.schema import template_current
from tenants.services import public_tenant_ensure, tenant_create
from tests.apps.budget.helpers import indicator_make
from tests.apps.controls.rules.helpers import office_make, request_approved, request_paid
from tests.factories import staff_make

LEVELS = tuple(int(n) for n in os.environ.get("NEIKONG_PERF_LEVELS", "15,200,1400").split(","))
API_RUNS = 50
PAGE_RUNS = 10
# Per-request computation over every schema: few runs, it is slow by design.
LIVE_RUNS = {15: 10, 200: 3}
LIVE_RUNS_DEFAULT = 1
RECYCLE_EVERY = 100
SEED_SCHEMA = "seed_0000"
# Copied from the seed township into each new one, parents first (ids are kept).
TABLES = (
    "permissions_department", "permissions_staffmember", "permissions_postassignment",
    "budget_fundaccount", "budget_budgetindicator", "approvals_approval",
    "approvals_approvalstep", "expenditure_spendingrequest", "expenditure_payment",
    "controls_alert",
)


class Bench:
    def __init__(self):
        self.rows: list[tuple[int, str, list[float]]] = []
        self.notes: dict[str, str] = {}
        self.year = timezone.localdate().year
        self.county = None
        self.seed = None
        self.serial = 0
        self.fill_times: list[float] = []


def seed_make(bench: Bench) -> None:
    """One township with real data made through the services."""
    bench.seed = tenant_create(actor=None, slug="seed-0000", name="种子乡", kind="township",
                               parent=bench.county)
    people, indicator = office_make(bench.seed)
    veteran = staff_make(bench.seed, posts=("cashier",))
    with schema_context(bench.seed.schema_name):
        sangong = indicator_make(amount="50000.00", subject="30217")
        for amount in ("800.00", "6000.00", "1200.00"):
            request_paid(people, indicator, amount)
        request_paid(people, sangong, "3000.00")
        request_approved(people, indicator, "900.00")
        for n, severity in enumerate(("remind", "warn", "warn", "block")):
            alert_raise(rule="bench_rule", severity=severity, message=f"基准预警{n}",
                        dedupe_key=f"bench:{n}", object_type="bench", object_id=n)
        long_ago = timezone.localdate() - timedelta(days=365 * 8)
        with connection.cursor() as cursor:  # a cashier in post for eight years: overdue
            cursor.execute("UPDATE permissions_postassignment SET start_date = %s "
                           "WHERE staff_id = %s", [long_ago, veteran.pk])


def copy_sql(schema_name: str) -> SQL:
    return SQL(";\n").join(
        SQL("INSERT INTO {}.{} SELECT * FROM {}.{}").format(
            Identifier(schema_name), Identifier(table), Identifier(SEED_SCHEMA), Identifier(table))
        for table in TABLES
    )


def township_add(bench: Bench) -> None:
    bench.serial += 1
    start = time.perf_counter()
    tenant = tenant_create(actor=None, slug=f"t-{bench.serial:05d}", name=f"基准乡{bench.serial}",
                           kind="township", parent=bench.county)
    with connection.cursor() as cursor:
        cursor.execute(copy_sql(tenant.schema_name).as_string(connection.connection))
    bench.fill_times.append(time.perf_counter() - start)
    if bench.serial % RECYCLE_EVERY == 0:
        connection.close()
        print(f"{bench.serial} townships, last {bench.fill_times[-1]:.2f} s", flush=True)  # noqa: T201


def fill_to(bench: Bench, level: int) -> None:
    while townships_active().count() < level:
        township_add(bench)
    connection.close()


def timed(runs: int, call) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def api_client(bench: Bench, token: str) -> APIClient:
    client = APIClient(HTTP_HOST=bench.county.get_primary_domain().domain)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def get_ok(client, path: str, rows: int | None = None):
    def call():
        response = client.get(path)
        assert response.status_code == 200, response.content[:500]
        if rows is not None:
            assert len(response.json()["results"]) == rows
    return call


def drf_rows(bench: Bench):
    """What the list cost before its rows were shaped by hand: the stock DRF serializer."""
    def call():
        tenants = list(Tenant.objects.filter(parent=bench.county, is_active=True)
                       .order_by("slug"))
        rows = [row_data(row, bench.year) for row in stats_rows(tenants=tenants, year=bench.year)]
        assert len(StatsRowOutput(rows, many=True).data) == len(tenants)
    return call


def live_compute(bench: Bench):
    """The alternative: every township's figures computed in its own schema, per request."""
    def call():
        for tenant in townships_active():
            with schema_context(tenant.schema_name):
                stats_compute(tenant=tenant, year=bench.year)
    return call


def measure_level(bench: Bench, level: int, api: APIClient, page: Client) -> None:
    fill_to(bench, level)
    count = townships_active().count()
    year = bench.year
    refresh = timed(1, lambda: stats_refresh_all(year=year))
    bench.rows.append((count, "(a) stats_refresh_all: whole refresh", refresh))
    bench.rows.append((count, "(a) stats_refresh_all: per township", [refresh[0] / count]))
    connection.close()
    api.get(f"/api/v1/county/stats/?year={year}&page_size=2000")  # warm: first connection
    bench.rows.append((count, "(b) GET /api/v1/county/stats/ (whole county, page_size=2000)",
                       timed(API_RUNS, get_ok(api, f"/api/v1/county/stats/?year={year}"
                                                   "&page_size=2000", count))))
    bench.rows.append((count, "(b) GET /api/v1/county/stats/ (default page of 50)",
                       timed(API_RUNS, get_ok(api, f"/api/v1/county/stats/?year={year}",
                                              min(count, 50)))))
    bench.rows.append((count, "(c) GET /county/ dashboard page",
                       timed(PAGE_RUNS, get_ok(page, f"/county/?year={year}"))))
    bench.rows.append((count, "(e) the whole county's rows through DRF serializers instead "
                       "(in process, no HTTP)", timed(PAGE_RUNS, drf_rows(bench))))
    live_runs = LIVE_RUNS.get(level, LIVE_RUNS_DEFAULT)
    bench.rows.append((count, "(d) per request: stats_compute in every schema",
                       timed(live_runs, live_compute(bench))))
    connection.close()


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"{len(times)} | {statistics.median(times) * 1000:.1f} | {p95 * 1000:.1f} | "
            f"{max(times) * 1000:.1f}")


def report(bench: Bench) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    lines = [
        f"Machine: {os.cpu_count()} cores, PostgreSQL {server}, "
        f"{timezone.now():%Y-%m-%d %H:%M} UTC",
        "",
        "| townships | what | runs | p50 ms | p95 ms | max ms |",
        "|---:|---|---:|---:|---:|---:|",
        *(f"| {count} | {what} | {summary(times)} |" for count, what, times in bench.rows),
        "",
        *(f"- {key}: {value}" for key, value in bench.notes.items()),
    ]
    return "\n".join(lines)


def setup(bench: Bench) -> tuple[APIClient, Client]:
    public_tenant_ensure()
    template_current()
    bench.county = tenant_create(actor=None, slug="perf-county", name="基准县", kind="county")
    admin = staff_make(bench.county, posts=("county_admin",)).user
    seed_make(bench)
    page = Client(HTTP_HOST=bench.county.get_primary_domain().domain)
    with schema_context(bench.county.schema_name):
        page.force_login(admin)
    return api_client(bench, Token.objects.get_or_create(user=admin)[0].key), page


def p50(bench: Bench, count: int, prefix: str) -> float:
    return next(statistics.median(t) for c, what, t in bench.rows
                if c == count and what.startswith(prefix))


def test_county_dashboard_benchmark(perf_database, django_db_blocker):
    bench = Bench()
    with django_db_blocker.unblock():
        api, page = setup(bench)
        for level in LEVELS:
            measure_level(bench, level, api, page)
        bench.notes["township creation (tenant_create + set-based data copy)"] = (
            f"{len(bench.fill_times)} in {sum(bench.fill_times):.0f} s, median "
            f"{statistics.median(bench.fill_times) * 1000:.0f} ms")
        with schema_context(bench.seed.schema_name):
            figures = stats_compute(tenant=bench.seed, year=bench.year)
        bench.notes["each township's figures"] = (
            f"budget {figures['budget_amount']}, paid {figures['executed']}, rate "
            f"{figures['execution_rate']}%, 三公 {figures['sangong_total']}, alerts open "
            f"{figures['alerts_open']}, overdue rotations {figures['rotations_overdue']}")
        top = Tenant.objects.filter(parent=bench.county).count()
        text = report(bench)
    print("\n" + text)  # noqa: T201
    if os.environ.get("NEIKONG_PERF_REPORT"):
        Path(os.environ["NEIKONG_PERF_REPORT"]).write_text(text + "\n")
    assert figures["rotations_overdue"] == 1 and figures["alerts_open"] >= 4
    assert p50(bench, top, "(b) GET /api/v1/county/stats/ (whole") < 0.150
