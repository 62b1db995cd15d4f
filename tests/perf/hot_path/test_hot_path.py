"""Benchmark: submitting a spending request (five controls, commitment, first approval task,
audit, outbox) under concurrency, against a bare DRF create endpoint of the same shape, in
the same run, over real HTTP to a real WSGI server; plus the query count per submit.

Run: `pytest tests/perf/hot_path -p no:cacheprovider -s` (NEIKONG_PERF_REPORT=path also
writes the table). Numbers go into docs/performance.md."""

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import get_public_schema_name, schema_context
from rest_framework.authtoken.models import Token

from apps.approvals.services import process_define
from apps.expenditure.services import request_create, request_submit
from tenants.services import tenant_create
from tests.apps.budget.helpers import indicator_make
from tests.factories import staff_make

ROOT = Path(__file__).resolve().parents[3]
CLIENTS = 8
PER_CLIENT = 40
# Rounds of both endpoints, alternating which goes first: one round is about a second per
# endpoint, too short to stand alone on a shared machine (and how gunicorn's two workers
# happen to share the eight connections of a round moves it by ±20 %); the ratio is taken
# over all rounds, and the median of the rounds' ratios is shown beside it.
ROUNDS = 9
# Requests per client and endpoint before measuring: every server thread then has its database
# connection open and its tenant's configuration cached, as in a server that has been up.
WARM_UP = 5
# A purpose a township would write: a two-character one would raise the rule library's
# purpose_too_short alert on every submit, which is not the common case being measured.
PURPOSE = "购买办公用品（打印纸、墨盒）用于日常办公"
ROUTE = [{"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
         {"name": "会计审核", "post_code": "accountant", "mode": "any"}]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def bench(django_db_setup, django_db_blocker):
    """A committed tenant: CLIENTS applicants, each with an indicator and drafts to submit."""
    with django_db_blocker.unblock():
        with schema_context(get_public_schema_name()):
            tenant = tenant_create(actor=None, slug=f"hot-{uuid.uuid4().hex[:8]}",
                                   name="基准镇", kind="county")
        staff_make(tenant, posts=("dept_head",))
        staff_make(tenant, posts=("accountant",))
        applicants = [staff_make(tenant, posts=("handler",)).user for _ in range(CLIENTS)]
        with schema_context(tenant.schema_name):
            process_define(actor=None, document_type="spending_request", name="支出审批",
                           steps=ROUTE)
            clients = []
            for user in applicants:
                indicator = indicator_make(amount="10000000.00", year=time.localtime().tm_year)
                drafts = [request_create(actor=user, amount="12.34", purpose=PURPOSE,
                                         indicator_id=indicator.pk).pk
                          for _ in range(ROUNDS * PER_CLIENT + WARM_UP)]
                clients.append({"token": Token.objects.create(user=user).key,
                                "indicator": indicator.pk, "drafts": drafts})
        yield tenant, clients, connection.settings_dict["NAME"]


@pytest.fixture(scope="module")
def server(bench):
    tenant, _, database = bench
    port = _free_port()
    url = urlparse(os.environ["DATABASE_URL"])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.perf.hot_path.settings",
           "DATABASE_URL": urlunparse(url._replace(path="/" + quote(database))),
           "NEIKONG_TEST_DB": database, "SECRET_KEY": secrets.token_urlsafe(50)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "county_platform.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "2", "-k", "gthread", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield port, f"{tenant.slug}.localhost"
    process.terminate()
    process.wait(timeout=30)


def _client(port: int, host: str, token: str, calls: list, results: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": host, "Authorization": f"Token {token}",
               "Content-Type": "application/json"}
    for path, body in calls:
        started = time.perf_counter()
        conn.request("POST", path, body=json.dumps(body) if body else None, headers=headers)
        response = conn.getresponse()
        response.read()
        results.append((response.status, time.perf_counter() - started))
    conn.close()


def _run(port, host, jobs) -> tuple[list, float]:
    results: list = []
    threads = [threading.Thread(target=_client, args=(port, host, token, calls, results))
               for token, calls in jobs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return results, time.perf_counter() - started


def _summary(name: str, runs: list[tuple[list, float]]) -> dict:
    results = [result for run, _ in runs for result in run]
    elapsed = sum(seconds for _, seconds in runs)
    latencies = sorted(seconds * 1000 for _, seconds in results)
    return {"endpoint": name, "requests": len(results), "rps": len(results) / elapsed,
            "p50_ms": statistics.median(latencies),
            "p90_ms": latencies[int(0.9 * (len(latencies) - 1))], "max_ms": latencies[-1],
            "statuses": sorted({code for code, _ in results}),
            "rounds": [len(run) / seconds for run, seconds in runs]}


def test_submit_against_a_bare_create_endpoint(bench, server):
    _, clients, _ = bench
    port, host = server
    warm = [(c["token"], [call for pk in c["drafts"][-WARM_UP:] for call in (
        (f"/api/v1/spending-requests/{pk}/submit/", None),
        ("/api/v1/bench/bare/", {"indicator": c["indicator"], "amount": "1.00",
                                 "purpose": "热身"}))]) for c in clients]
    _run(port, host, warm)
    runs: dict[str, list] = {"bare create": [], "submit": []}
    for round_ in range(ROUNDS):
        bare = [(c["token"], [("/api/v1/bench/bare/", {"indicator": c["indicator"],
                                                       "amount": "12.34", "purpose": PURPOSE})]
                 * PER_CLIENT) for c in clients]
        submit = [(c["token"], [(f"/api/v1/spending-requests/{pk}/submit/", None) for pk in
                                c["drafts"][round_ * PER_CLIENT:(round_ + 1) * PER_CLIENT]])
                  for c in clients]
        order = [("bare create", bare), ("submit", submit)]
        for name, jobs in order if round_ % 2 == 0 else reversed(order):
            runs[name].append(_run(port, host, jobs))
    rows = [_summary(name, endpoint_runs) for name, endpoint_runs in runs.items()]

    ratio = rows[0]["rps"] / rows[1]["rps"]
    per_round = [b / s for b, s in zip(rows[0]["rounds"], rows[1]["rounds"], strict=True)]
    report = "\n".join(
        f"{r['endpoint']}: {r['requests']} requests, {r['rps']:.1f} req/s, p50 "
        f"{r['p50_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
        f"statuses {r['statuses']}; rounds "
        f"{', '.join(f'{x:.0f}' for x in r['rounds'])} req/s" for r in rows) + (
        f"\nbare/submit throughput: {ratio:.2f}× over all rounds, median round "
        f"{statistics.median(per_round):.2f}× (rounds: "
        f"{', '.join(f'{x:.2f}' for x in per_round)})\n")
    print(report)  # noqa: T201
    if os.environ.get("NEIKONG_PERF_REPORT"):
        Path(os.environ["NEIKONG_PERF_REPORT"]).write_text(report, encoding="utf-8")
    assert rows[0]["statuses"] == [201]
    assert rows[1]["statuses"] == [200]


def _submit_queries(user, indicator_id: int) -> int:
    draft = request_create(actor=user, amount="1.00", purpose=PURPOSE, indicator_id=indicator_id)
    with CaptureQueriesContext(connection) as queries:
        request_submit(actor=user, request_id=draft.pk)
    return len(queries)


@pytest.mark.django_db
def test_the_query_count_of_a_submit_does_not_grow_with_the_data(town_b):
    applicant = staff_make(town_b, posts=("handler",)).user
    staff_make(town_b, posts=("dept_head",))
    staff_make(town_b, posts=("accountant",))
    with schema_context(town_b.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
        indicator = indicator_make(amount="1000000.00", year=time.localtime().tm_year)
        cold = _submit_queries(applicant, indicator.pk)  # builds the tenant's cached configuration
        first = _submit_queries(applicant, indicator.pk)
        for _ in range(30):
            _submit_queries(applicant, indicator_make(year=time.localtime().tm_year).pk)
        later = _submit_queries(applicant, indicator.pk)
    print(f"queries per submit: {cold} (cold configuration cache), {first} (first), "  # noqa: T201
          f"{later} (after 30 more)")

    assert first == later < cold
    assert Decimal(later) > 0
