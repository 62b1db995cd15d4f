"""Tenant process definitions: the copy from the county, edits within the county's minimums,
and what a document must bring before submission (三重一大 needs the minutes)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import schema_context

from apps.approvals import defaults
from apps.approvals.county import services as county_services
from apps.approvals.county.models import ProcessTemplateState
from apps.approvals.definitions import (
    facts_with_flags,
    major_matter_amount,
    process_update,
    requirements_unmet,
)
from apps.approvals.models import Approval, ProcessDefinition
from apps.approvals.services import approval_submit
from apps.attachments.models import Attachment
from apps.audit.models import AuditEvent
from county_platform.errors import DomainError
from permissions.catalog.models import CountyParameter
from tenants.services import tenant_create
from tests.apps.approvals.county.helpers import (
    apply_in,
    county_change,
    county_steps,
    processes_ready,
    publish,
    step_named,
    tenant_rows,
)
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def ready(county, town_a, town_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    processes_ready(county, town_a, town_b)


def edit(tenant, document_type: str, change) -> None:
    rows = change(tenant_rows(tenant, document_type))
    with schema_context(tenant.schema_name):
        process_update(actor=None, document_type=document_type, steps=rows)


def version_of(tenant, document_type: str) -> int:
    with schema_context(tenant.schema_name):
        return ProcessDefinition.objects.get(document_type=document_type).version


# --- the copy -------------------------------------------------------------------------------

def test_a_new_tenant_gets_the_county_processes_with_county_steps_marked(county):
    version = publish(county)

    town = tenant_create(actor=None, slug="proc-new-town", name="流程镇", kind="town",
                         parent=county)

    assert ProcessTemplateState.objects.get(tenant=town).number == version.number
    for document_type in ("seal_use", "spending_request", "project_payment"):
        expected = [(s["name"], s["post_code"], s["mode"], s["condition"], s["sla_hours"])
                    for s in county_steps(county, document_type) if s["required"]]
        rows = tenant_rows(town, document_type)
        assert [(r["name"], r["post_code"], r["mode"], r["condition"], r["sla_hours"])
                for r in rows if r["from_county"]] == expected


def test_the_bulk_first_copy_equals_a_copy_applied_over_an_empty_definition(county, town_a):
    version = publish(county)
    with schema_context(town_a.schema_name):
        ProcessDefinition.objects.filter(document_type="project_payment").delete()
    apply_in(town_a, version)  # an existing schema: the process-by-process path
    town = tenant_create(actor=None, slug="proc-bulk-town", name="批量流程镇", kind="town",
                         parent=county)

    assert tenant_rows(town, "project_payment") == tenant_rows(town_a, "project_payment")


# --- edits inside the minimums ---------------------------------------------------------------

def _leader(rows, **changes):
    step_named(rows, "分管领导审批").update(changes)
    return rows


ALLOWED = {
    "lower_threshold": lambda rows: _leader(rows, condition={"amount_gte": "5000.00"}),
    "drop_the_condition": lambda rows: _leader(rows, condition={}),
    "shorter_sla": lambda rows: _leader(rows, sla_hours=4),
    "any_to_all": lambda rows: _leader(rows, mode="all"),
    "more_attachments": lambda rows: _leader(rows, condition={
        "amount_gte": "10000.00", "requires": ["invoice"]}),
    "rename": lambda rows: _leader(rows, name="分管领导审核"),
    "add_a_step": lambda rows: [*rows, {
        "name": "内控复核", "post_code": "ic_lead", "same_department": False, "mode": "all",
        "condition": {"amount_gte": "300000.00"}, "sla_hours": 8, "from_county": False}],
}


@pytest.mark.parametrize("name", ALLOWED)
def test_a_tenant_may_tighten(town_a, name):
    before = version_of(town_a, "spending_request")
    wanted = ALLOWED[name](tenant_rows(town_a, "spending_request"))

    edit(town_a, "spending_request", ALLOWED[name])

    assert tenant_rows(town_a, "spending_request") == wanted
    assert version_of(town_a, "spending_request") == before + 1


def _drop(rows, name):
    return [row for row in rows if row["name"] != name]


def _swap(rows):
    rows[0], rows[1] = rows[1], rows[0]
    return rows


LOOSENINGS = {
    "raise_threshold": lambda rows: _leader(rows, condition={"amount_gte": "20000.00"}),
    "longer_sla": lambda rows: _leader(rows, sla_hours=17),
    "other_post": lambda rows: _leader(rows, post_code="dept_head"),
    "not_same_department": lambda rows: [
        {**row, "same_department": False} if row["name"] == "部门负责人审核" else row
        for row in rows],
    "add_a_flag": lambda rows: _leader(rows, condition={"amount_gte": "10000.00",
                                                        "flag": "urgent"}),
    "drop_minutes": lambda rows: [
        {**row, "condition": {"flag": "major_matter"}} if row["name"] == "“三重一大”集体决策"
        else row for row in rows],
    "remove_a_county_step": lambda rows: _drop(rows, "财务审核"),
    "reorder_county_steps": _swap,
    "unmark_a_county_step": lambda rows: [{**rows[0], "from_county": False}, *rows[1:]],
    "claim_a_county_step": lambda rows: [{**rows[0], "from_county": True}, *rows],
}


@pytest.mark.parametrize("name", LOOSENINGS)
def test_a_tenant_may_not_loosen_a_county_step(town_a, name, in_tenant):
    before = tenant_rows(town_a, "spending_request")
    version = version_of(town_a, "spending_request")
    with in_tenant(town_a):
        events = AuditEvent.objects.count()

    with pytest.raises(DomainError) as refused:
        edit(town_a, "spending_request", LOOSENINGS[name])

    assert (refused.value.code, refused.value.status) == ("county_minimum", 422)
    assert tenant_rows(town_a, "spending_request") == before
    assert version_of(town_a, "spending_request") == version
    with in_tenant(town_a):
        assert AuditEvent.objects.count() == events


def test_switching_a_county_all_of_step_to_any_of_is_refused(county, town_a):
    county_change(county, "seal_use", lambda steps: [{**s, "mode": "all"} for s in steps])
    apply_in(town_a, publish(county))

    with pytest.raises(DomainError) as refused:
        edit(town_a, "seal_use", lambda rows: [{**rows[0], "mode": "any"}, *rows[1:]])

    assert refused.value.code == "county_minimum"
    assert refused.value.extra["fields"] == ["mode"]


def test_an_edit_is_audited_with_before_and_after(town_a, in_tenant):
    edit(town_a, "seal_use", lambda rows: [{**row, "sla_hours": 4} for row in rows])

    with in_tenant(town_a):
        event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "approval.process_changed"
    assert {s["sla_hours"] for s in event.before["steps"]} == {8}
    assert {s["sla_hours"] for s in event.after["steps"]} == {4}


# --- 三重一大 ------------------------------------------------------------------------------------

def test_major_matter_is_set_by_amount_or_by_the_applicant():
    threshold = Decimal("1000000.00")

    assert facts_with_flags({"amount": "1000000.00"}, major_matter_amount=threshold)[
        "major_matter"] is True
    assert facts_with_flags({"amount": "999999.99"}, major_matter_amount=threshold)[
        "major_matter"] is False
    assert facts_with_flags({"amount": "10.00", "major_matter": True},
                            major_matter_amount=threshold)["major_matter"] is True


def test_the_threshold_is_the_county_parameter(county, town_a, in_tenant):
    CountyParameter.objects.filter(county=county, code="major_matter_amount").update(
        value=300_000)

    with in_tenant(town_a):
        assert major_matter_amount() == Decimal("300000")


class _Kind:
    def __init__(self, kind):
        self.kind = kind


def test_requirements_unmet_names_the_missing_kinds(town_a, in_tenant):
    with in_tenant(town_a):
        definition = ProcessDefinition.objects.get(document_type="spending_request")
        major = {"amount": "2000000.00", "major_matter": True}

        assert requirements_unmet(definition, major, []) == ["minutes"]
        assert requirements_unmet(definition, major, [_Kind("invoice")]) == ["minutes"]
        assert requirements_unmet(definition, major, [_Kind("minutes")]) == []
        assert requirements_unmet(definition, {"amount": "20.00"}, []) == []


def _upload_minutes(client, *, document_id: str, kind: str = "minutes"):
    response = client.post("/api/v1/attachments/", {
        "file": SimpleUploadedFile("党委会纪要.png", PNG), "kind": kind,
        "object_type": "spending_request", "object_id": document_id,
    }, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _submit(town, staff, *, document_id: str, facts: dict):
    # The document's own submission transaction, which approval_submit joins.
    with schema_context(town.schema_name), transaction.atomic():
        return approval_submit(actor=staff.user, document_type="spending_request",
                               document_id=document_id, facts=facts)


def test_a_major_matter_without_minutes_is_refused_and_nothing_starts(town_a, in_tenant):
    applicant = staff_make(town_a)
    with in_tenant(town_a):
        approvals = Approval.objects.count()

    with pytest.raises(DomainError) as refused:
        _submit(town_a, applicant, document_id="901", facts={"amount": "1500000.00"})

    assert (refused.value.code, refused.value.status) == ("minutes_required", 422)
    assert refused.value.extra["missing"] == ["minutes"]
    with in_tenant(town_a):
        assert Approval.objects.count() == approvals


def test_an_applicant_marked_major_matter_needs_minutes_too(town_a):
    applicant = staff_make(town_a)

    with pytest.raises(DomainError) as refused:
        _submit(town_a, applicant, document_id="902",
                facts={"amount": "200.00", "major_matter": True})

    assert refused.value.code == "minutes_required"


def test_an_invoice_is_not_minutes(town_a):
    applicant = staff_make(town_a)
    client = api_client(town_a)
    client.force_authenticate(applicant.user)
    _upload_minutes(client, document_id="903", kind="invoice")

    with pytest.raises(DomainError) as refused:
        _submit(town_a, applicant, document_id="903", facts={"amount": "1500000.00"})

    assert refused.value.code == "minutes_required"


def test_a_major_matter_with_minutes_is_submitted_and_its_attachments_locked(
    town_a, in_tenant
):
    applicant = staff_make(town_a)
    client = api_client(town_a)
    client.force_authenticate(applicant.user)
    minutes = _upload_minutes(client, document_id="904")

    approval = _submit(town_a, applicant, document_id="904", facts={"amount": "1500000.00"})

    with in_tenant(town_a):
        assert approval.facts["major_matter"] is True
        step = approval.steps.get(name="“三重一大”集体决策")
        assert step.status != "skipped"
        assert Attachment.objects.get(pk=minutes).locked is True
    assert client.delete(f"/api/v1/attachments/{minutes}/").status_code == 409


def test_a_small_spending_needs_no_minutes_and_skips_the_collective_step(town_a, in_tenant):
    applicant = staff_make(town_a)

    approval = _submit(town_a, applicant, document_id="905", facts={"amount": "800.00"})

    with in_tenant(town_a):
        assert approval.steps.get(name="“三重一大”集体决策").status == "skipped"


# --- the API ----------------------------------------------------------------------------------

def _client(tenant, posts=()):
    client = api_client(tenant)
    client.force_authenticate(staff_make(tenant, posts=posts).user)
    return client


def test_a_member_reads_the_processes_with_their_county_minimums(town_a):
    response = _client(town_a).get("/api/v1/processes/")

    assert response.status_code == 200
    processes = {p["document_type"]: p for p in response.json()["results"]}
    leader = step_named(processes["spending_request"]["steps"], "分管领导审批")
    assert leader["from_county"] is True
    assert leader["county_minimum"]["condition"] == {"amount_gte": "10000.00"}


def test_tenant_admin_tightens_through_the_api(town_a):
    client = _client(town_a, posts=("tenant_admin",))
    body = client.get("/api/v1/processes/seal_use/").json()
    steps = [{"name": s["name"], "post": s["post"], "same_department": s["same_department"],
              "mode": "all", "condition": s["condition"], "sla_hours": 4,
              "from_county": s["from_county"]} for s in body["steps"]]

    response = client.put("/api/v1/processes/seal_use/", {"steps": steps}, format="json")

    assert response.status_code == 200, response.content
    assert {(s["mode"], s["sla_hours"]) for s in response.json()["steps"]} == {("all", 4)}
    assert response.json()["version"] == body["version"] + 1


def test_a_loosening_through_the_api_is_422_and_a_member_may_not_write(town_a):
    admin = _client(town_a, posts=("tenant_admin",))
    body = admin.get("/api/v1/processes/seal_use/").json()
    steps = [{"name": s["name"], "post": s["post"], "same_department": s["same_department"],
              "mode": s["mode"], "condition": s["condition"], "sla_hours": 100,
              "from_county": s["from_county"]} for s in body["steps"]]

    loose = admin.put("/api/v1/processes/seal_use/", {"steps": steps}, format="json")
    member = _client(town_a).put("/api/v1/processes/seal_use/", {"steps": steps[:1]},
                                 format="json")

    assert (loose.status_code, loose.json()["code"]) == (422, "county_minimum")
    assert (member.status_code, member.json()["code"]) == (403, "permission_denied")
    assert admin.get("/api/v1/processes/seal_use/").json() == body


def test_a_step_for_an_unknown_post_is_400(town_a):
    rows = [*tenant_rows(town_a, "seal_use"), {"name": "x", "post_code": "nobody",
                                               "from_county": False}]

    with schema_context(town_a.schema_name), pytest.raises(DomainError) as refused:
        process_update(actor=None, document_type="seal_use", steps=rows)

    assert (refused.value.code, refused.value.extra["post"]) == ("unknown_post", "nobody")


def test_an_unknown_process_is_404(town_a):
    client = _client(town_a, posts=("tenant_admin",))

    assert client.get("/api/v1/processes/no_such_type/").status_code == 404
    assert client.put("/api/v1/processes/no_such_type/", {"steps": [
        {"name": "x", "post": "leader"}]}, format="json").status_code == 404


def test_county_catalog_start_is_idempotent_for_the_tenant_copy(county, town_a):
    before = tenant_rows(town_a, "seal_use")

    county_services.process_catalog_start(actor=None, county=county)
    processes_ready(county, town_a)

    assert tenant_rows(town_a, "seal_use") == before
    assert defaults.SEAL_USE.document_type == "seal_use"
