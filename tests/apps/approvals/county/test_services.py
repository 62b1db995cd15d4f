"""County process templates: defaults, editing, publishing, and the push into tenants that
keeps every tenant tightening and restores every county minimum."""

from decimal import Decimal

import pytest

from apps.approvals import defaults
from apps.approvals.county import services
from apps.approvals.county.models import CountyProcess, ProcessTemplateState
from apps.approvals.county.tasks import process_template_apply_task
from apps.approvals.definitions import process_update
from apps.approvals.models import ProcessDefinition, ProcessStep
from apps.audit.models import AuditEvent
from county_platform.celery import SCHEMA_HEADER
from county_platform.errors import DomainError
from permissions.catalog.models import CountyParameter
from tenants.models import Tenant
from tests.apps.approvals.county.helpers import (
    apply_in,
    county_change,
    county_steps,
    processes_ready,
    publish,
    step_named,
    tenant_rows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ready(county, town_a, town_b):
    processes_ready(county, town_a, town_b)


def test_a_county_starts_with_the_default_processes_and_the_major_matter_threshold(county):
    types = set(CountyProcess.objects.filter(county=county)
                .values_list("document_type", flat=True))
    payment = [step["post_code"] for step in county_steps(county, "project_payment")]
    threshold = CountyParameter.objects.get(county=county, code="major_matter_amount")

    assert {"seal_use", "spending_request", "project_payment"} <= types
    assert payment[:7] == ["handler", "project_officer", "dept_head", "budget_officer",
                           "finance_reviewer", "leader", "principal"]
    assert payment[-2:] == ["accountant", "cashier"]
    assert len([s for s in county_steps(county, "project_payment") if not s["condition"]]) == 9
    assert threshold.value == 1_000_000
    assert services.process_version_latest(county=county).number >= 1


def test_the_spending_process_brings_in_leader_principal_and_a_minutes_step(county):
    steps = {s["code"]: s for s in county_steps(county, "spending_request")}

    assert Decimal(steps["leader_approve"]["condition"]["amount_gte"]) == Decimal("10000")
    assert Decimal(steps["principal_approve"]["condition"]["amount_gte"]) == Decimal("50000")
    assert steps["collective_decision"]["condition"] == defaults.MAJOR_MATTER


def test_starting_twice_changes_nothing(county):
    before = (services.process_catalog_snapshot(county=county),
              services.process_version_latest(county=county).number)

    services.process_catalog_start(actor=None, county=county)

    assert (services.process_catalog_snapshot(county=county),
            services.process_version_latest(county=county).number) == before


@pytest.mark.parametrize(("change", "code"), [
    (lambda steps: [{**steps[0], "post_code": "no_such_post"}], "unknown_post"),
    (lambda steps: [steps[0], {**steps[1], "code": steps[0]["code"]}], "invalid"),
    (lambda steps: [{**steps[0], "mode": "some"}], "invalid"),
    (lambda steps: [{**steps[0], "condition": {"amount_gte": "lots"}}], "invalid"),
    (lambda steps: [{**steps[0], "condition": {"requires": ["selfie"]}}], "invalid"),
    (lambda steps: [], "invalid"),
])
def test_a_malformed_county_step_is_refused_and_nothing_changes(county, change, code):
    before = county_steps(county, "seal_use")

    with pytest.raises(DomainError) as refused:
        county_change(county, "seal_use", change)

    assert refused.value.code == code
    assert county_steps(county, "seal_use") == before


def test_publish_numbers_versions_and_audits_in_the_county_chain(county, in_tenant):
    before = services.process_version_latest(county=county).number

    version = publish(county, note="提高审批金额")

    assert version.number == before + 1
    assert version.snapshot == services.process_catalog_snapshot(county=county)
    with in_tenant(county):
        event = AuditEvent.objects.order_by("-seq").first()
        assert (event.action, event.after) == (
            "process_template.published", {"number": version.number, "note": "提高审批金额"})


def test_publish_sends_one_task_per_active_tenant_only_after_commit(
    county, town_a, town_b, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(process_template_apply_task, "apply_async",
                        lambda args, headers: sent.append((args, headers[SCHEMA_HEADER])))
    Tenant.objects.filter(pk=town_b.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = publish(county)
    assert sent == []
    for callback in callbacks:
        callback()

    schemas = [schema for _, schema in sent]
    assert {county.schema_name, town_a.schema_name} <= set(schemas)
    assert town_b.schema_name not in schemas
    assert len(schemas) == len(set(schemas))
    assert {args for args, _ in sent} == {(version.number,)}


def test_the_task_applies_the_version_in_the_schema_it_runs_in(county, town_b, in_tenant):
    county_change(county, "seal_use", lambda steps: [{**s, "sla_hours": 4} for s in steps])
    version = publish(county)

    with in_tenant(town_b):
        assert process_template_apply_task(version.number) == version.number

    assert ProcessTemplateState.objects.get(tenant=town_b).number == version.number
    assert {row["sla_hours"] for row in tenant_rows(town_b, "seal_use")} == {4}


def test_a_push_keeps_tenant_tightenings_and_additions(county, town_a, in_tenant):
    rows = tenant_rows(town_a, "spending_request")
    step_named(rows, "分管领导审批")["condition"] = {"amount_gte": "5000.00"}
    step_named(rows, "财务审核")["sla_hours"] = 8
    step_named(rows, "部门负责人审核")["mode"] = "all"
    rows.insert(2, {"name": "内控复核", "post_code": "ic_lead", "same_department": False,
                    "mode": "any", "condition": {}, "sla_hours": 16, "from_county": False})
    with in_tenant(town_a):
        process_update(actor=None, document_type="spending_request", steps=rows)
    county_change(county, "spending_request", lambda steps: [
        {**s, "condition": {"amount_gte": "20000.00"}} if s["code"] == "leader_approve"
        else {**s, "sla_hours": 24} if s["code"] == "finance_review" else s
        for s in steps
    ])

    apply_in(town_a, publish(county))

    after = tenant_rows(town_a, "spending_request")
    assert [row["name"] for row in after][:4] == ["部门负责人审核", "财务审核", "内控复核",
                                                 "分管领导审批"]
    assert step_named(after, "内控复核")["from_county"] is False
    assert step_named(after, "分管领导审批")["condition"] == {"amount_gte": "5000.00"}
    assert step_named(after, "财务审核")["sla_hours"] == 8
    assert step_named(after, "部门负责人审核")["mode"] == "all"


def test_a_county_tightening_beyond_the_tenant_wins_and_untouched_values_follow(
    county, town_a, in_tenant
):
    rows = tenant_rows(town_a, "spending_request")
    step_named(rows, "分管领导审批")["condition"] = {"amount_gte": "5000.00"}
    with in_tenant(town_a):
        process_update(actor=None, document_type="spending_request", steps=rows)
    county_change(county, "spending_request", lambda steps: [
        {**s, "condition": {"amount_gte": "2000.00"}} if s["code"] == "leader_approve"
        else {**s, "condition": {"amount_gte": "80000.00"}} if s["code"] == "principal_approve"
        else s
        for s in steps
    ])

    apply_in(town_a, publish(county))

    after = tenant_rows(town_a, "spending_request")
    assert step_named(after, "分管领导审批")["condition"] == {"amount_gte": "2000.00"}
    # The tenant never touched the principal's threshold: it follows the county, up too.
    assert step_named(after, "主要负责人审批")["condition"] == {"amount_gte": "80000.00"}


def test_a_push_restores_county_steps_a_tenant_lost(county, town_a, in_tenant):
    with in_tenant(town_a):
        # "Somehow": written past the services, as a restored backup or a manual fix might.
        ProcessStep.objects.filter(definition__document_type="seal_use",
                                   post_code="seal_keeper").delete()
        ProcessStep.objects.filter(definition__document_type="seal_use").update(sla_hours=99)
    county_change(county, "seal_use", lambda steps: steps)

    apply_in(town_a, publish(county))

    rows = tenant_rows(town_a, "seal_use")
    expected = [(s["post_code"], s["sla_hours"]) for s in county_steps(county, "seal_use")]
    assert [(r["post_code"], r["sla_hours"]) for r in rows if r["from_county"]] == expected


def test_county_added_removed_and_optional_steps_reach_the_tenant(county, town_a):
    county_change(county, "seal_use", lambda steps: [
        {**steps[0], "required": False}, steps[2],
        {"code": "archive", "name": "归档", "post_code": "ic_lead", "same_department": False,
         "mode": "all", "condition": {}, "sla_hours": 8, "required": True},
    ])

    apply_in(town_a, publish(county))

    rows = tenant_rows(town_a, "seal_use")
    assert [(r["post_code"], r["from_county"]) for r in rows] == [
        ("dept_head", False), ("seal_keeper", True), ("ic_lead", True)]


def test_a_new_county_process_reaches_existing_tenants(county, town_a, in_tenant):
    services.county_process_create(actor=None, county=county, document_type="asset_disposal",
                                   name="资产处置", steps=[{
                                       "code": "keeper", "name": "资产管理员", "post_code":
                                       "asset_keeper"}])

    apply_in(town_a, publish(county))

    with in_tenant(town_a):
        definition = ProcessDefinition.objects.get(document_type="asset_disposal")
        assert [(s.post_code, s.from_county) for s in definition.steps.all()] == [
            ("asset_keeper", True)]


def test_applying_the_same_version_twice_changes_nothing(county, town_a, in_tenant):
    version = publish(county)
    apply_in(town_a, version)
    with in_tenant(town_a):
        before = (list(ProcessStep.objects.values()), AuditEvent.objects.count())

    assert apply_in(town_a, version) == version.number

    with in_tenant(town_a):
        assert (list(ProcessStep.objects.values()), AuditEvent.objects.count()) == before


def test_an_unchanged_process_keeps_its_version_and_applying_is_audited(
    county, town_b, in_tenant
):
    with in_tenant(town_b):
        versions = dict(ProcessDefinition.objects.values_list("document_type", "version"))
    county_change(county, "seal_use", lambda steps: [{**s, "sla_hours": 6} for s in steps])
    version = publish(county)

    apply_in(town_b, version)

    with in_tenant(town_b):
        now = dict(ProcessDefinition.objects.values_list("document_type", "version"))
        assert now["seal_use"] == versions["seal_use"] + 1
        assert now["project_payment"] == versions["project_payment"]
        event = AuditEvent.objects.order_by("-seq").first()
        assert event.action == "approval.process_template_applied"
        assert event.after == {"version": version.number, "county": county.slug,
                               "changed": ["seal_use"]}


def test_an_older_version_does_not_roll_a_tenant_back(county, town_a):
    old = publish(county)
    county_change(county, "seal_use", lambda steps: [{**s, "sla_hours": 5} for s in steps])
    new = publish(county)
    apply_in(town_a, new)

    assert apply_in(town_a, old) == new.number
    assert {row["sla_hours"] for row in tenant_rows(town_a, "seal_use")} == {5}
