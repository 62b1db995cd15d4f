"""Benchmark: a 9-signature engineering payment chain (DESIGN §6) decided step by step.

Each decision must open the next task and write its notification rows in a fixed number of
queries, whatever step it is. Run: `pytest tests/perf/approvals -p no:cacheprovider -s`
(NEIKONG_PERF_REPORT=path also writes the table)."""

import os
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, StepStatus, TaskStatus
from apps.approvals.services import process_define, task_decide
from apps.seals.services import seal_application_create, seal_application_submit
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

CHAIN = ["project_officer", "dept_head", "finance_reviewer", "ic_lead", "leader", "principal",
         "budget_officer", "accountant", "cashier"]
ROUNDS = 5


def _run_chain(applicant, people) -> list[tuple[str, int, float]]:
    application = seal_application_create(actor=applicant, seal_kind="official",
                                          document_title="工程进度款", purpose="支付")
    t0 = time.perf_counter()
    seal_application_submit(actor=applicant, application_id=application.pk)
    rows = [("submit", 0, time.perf_counter() - t0)]
    application.refresh_from_db()
    approval = Approval.objects.get(pk=application.approval_id)
    for post in CHAIN:
        task = approval.steps.get(status=StepStatus.ACTIVE).tasks.get(status=TaskStatus.PENDING)
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            task_decide(actor=people[post], task_id=task.pk, decision="approve")
            elapsed = time.perf_counter() - t0
        rows.append((post, len(queries), elapsed))
    approval.refresh_from_db()
    assert approval.status == "approved"
    return rows


def test_nine_step_chain_decides_in_a_fixed_number_of_queries(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    people = {post: staff_make(town_a, posts=(post,)).user for post in CHAIN}
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="工程款支付", steps=[
            {"name": post, "post_code": post, "mode": "any"} for post in CHAIN
        ])
        runs = [_run_chain(applicant, people) for _ in range(ROUNDS)]

    middle = {count for run in runs for _, count, _ in run[1:-1]}  # steps that open a next one
    last = {run[-1][1] for run in runs}
    per_step_ms = [elapsed * 1000 for run in runs for _, _, elapsed in run[1:]]
    whole_ms = [sum(elapsed for _, _, elapsed in run) * 1000 for run in runs]
    report = (
        f"queries per decision that opens the next step: {sorted(middle)}; final decision: "
        f"{sorted(last)}\n"
        f"decision latency ms: median {statistics.median(per_step_ms):.1f}, "
        f"max {max(per_step_ms):.1f}; whole chain (submit + 9 decisions) ms: median "
        f"{statistics.median(whole_ms):.1f}, max {max(whole_ms):.1f} over {ROUNDS} runs\n"
    )
    print(report)  # noqa: T201
    if os.environ.get("NEIKONG_PERF_REPORT"):
        with open(os.environ["NEIKONG_PERF_REPORT"], "w", encoding="utf-8") as out:
            out.write(report)
    assert len(middle) == 1, f"query count varies by step: {sorted(middle)}"
    assert len(last) == 1
