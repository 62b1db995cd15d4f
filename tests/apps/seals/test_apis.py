"""Seal-use application endpoints: draft, submit, withdraw, the detail with its approval steps
(the shape of DESIGN.md §11's spending-request detail), and who may see what."""

import pytest
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask, ProcessDefinition, TaskStatus
from apps.approvals.services import process_define
from apps.seals.models import SealApplication
from tests.apps.approvals.test_apis import CONTRACT_STEP_KEYS, PAGE_KEYS, client_for, snapshot
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

TWO_STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
]
DRAFT = {"seal_kind": "official", "document_title": "关于申报项目的请示", "purpose": "报送县财政局",
         "copies": 2}


@pytest.fixture
def people(town_a):
    made = {
        "applicant": staff_make(town_a, posts=("handler",)),
        "head": staff_make(town_a, posts=("dept_head",)),
        "leader": staff_make(town_a, posts=("leader",)),
        "keeper": staff_make(town_a, posts=("seal_keeper",)),
        "bystander": staff_make(town_a),
    }
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=TWO_STEPS)
    return {key: client_for(town_a, staff.user) for key, staff in made.items()} | {
        f"{key}_user": staff.user for key, staff in made.items()}


def draft(people) -> dict:
    response = people["applicant"].post("/api/v1/seal-applications/", DRAFT, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def my_task(tenant, application_id: int) -> ApprovalTask:
    with schema_context(tenant.schema_name):
        approval_id = SealApplication.objects.get(pk=application_id).approval_id
        return ApprovalTask.objects.get(step__approval_id=approval_id, status=TaskStatus.PENDING)


def test_a_member_drafts_an_application(people):
    body = draft(people)

    assert body["status"] == "draft"
    assert {key: body[key] for key in DRAFT} == DRAFT
    assert (body["seal_kind_name"], body["approval"]) == ("单位公章", None)
    assert body["applicant"] == people["applicant_user"].username


@pytest.mark.parametrize("change", [{"seal_kind": "private"}, {"copies": 0}, {"copies": "两"},
                                    {"document_title": ""}, {"purpose": "x" * 501},
                                    {"document_title": None}])
def test_a_malformed_draft_is_400_and_nothing_is_made(town_a, people, change):
    before = snapshot(town_a)

    response = people["applicant"].post("/api/v1/seal-applications/", {**DRAFT, **change},
                                        format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert snapshot(town_a) == before


def test_submit_then_the_detail_shows_the_approval_steps(people):
    created = draft(people)
    url = f"/api/v1/seal-applications/{created['id']}/"

    submitted = people["applicant"].post(f"{url}submit/")
    detail = people["applicant"].get(url)

    assert submitted.status_code == 200
    assert submitted.json()["status"] == "in_approval"
    body = detail.json()
    assert body["status"] == "in_approval"
    steps = body["approval"]["steps"]
    assert all(set(step) >= CONTRACT_STEP_KEYS for step in steps)
    assert [(s["post"], s["mode"], s["status"]) for s in steps] == [
        ("dept_head", "any", "active"), ("leader", "any", "waiting")]
    assert steps[0]["started_at"] is not None and steps[1]["started_at"] is None


def test_the_whole_way_through_the_api_to_approved(town_a, people):
    created = draft(people)
    url = f"/api/v1/seal-applications/{created['id']}/"
    people["applicant"].post(f"{url}submit/")
    for who in ("head", "leader"):
        task = my_task(town_a, created["id"])
        decided = people[who].post(f"/api/v1/approvals/tasks/{task.pk}/approve/",
                                   {"comment": "同意"}, format="json")
        assert decided.status_code == 200

    body = people["applicant"].get(url).json()

    assert body["status"] == "approved"
    assert body["approval"]["status"] == "approved"
    assert [(s["status"], s["actor"]) for s in body["approval"]["steps"]] == [
        ("approved", people["head_user"].username), ("approved", people["leader_user"].username)]
    assert all(s["duration_seconds"] is not None for s in body["approval"]["steps"])


def test_submitting_twice_is_409_and_changes_nothing(town_a, people):
    created = draft(people)
    people["applicant"].post(f"/api/v1/seal-applications/{created['id']}/submit/")
    before = snapshot(town_a)

    again = people["applicant"].post(f"/api/v1/seal-applications/{created['id']}/submit/")

    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    assert snapshot(town_a) == before


def test_without_a_process_submit_is_422_and_the_draft_stays(town_a, people):
    created = draft(people)
    with schema_context(town_a.schema_name):
        ProcessDefinition.objects.all().delete()
    before = snapshot(town_a)

    response = people["applicant"].post(f"/api/v1/seal-applications/{created['id']}/submit/")

    assert (response.status_code, response.json()["code"]) == (422, "no_process")
    assert snapshot(town_a) == before


def test_someone_elses_application_cannot_be_submitted_or_withdrawn(town_a, people):
    created = draft(people)
    before = snapshot(town_a)

    responses = [people[who].post(f"/api/v1/seal-applications/{created['id']}/{action}/")
                 for who in ("bystander", "keeper") for action in ("submit", "withdraw")]
    missing = people["applicant"].post("/api/v1/seal-applications/987654/submit/")

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(404, "not_found")] * 4
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert snapshot(town_a) == before


def test_withdraw_while_undecided_then_409_once_decided(town_a, people):
    early, late = draft(people), draft(people)
    for created in (early, late):
        people["applicant"].post(f"/api/v1/seal-applications/{created['id']}/submit/")
    task = my_task(town_a, late["id"])
    people["head"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")

    withdrawn = people["applicant"].post(f"/api/v1/seal-applications/{early['id']}/withdraw/")
    before = snapshot(town_a)
    refused = people["applicant"].post(f"/api/v1/seal-applications/{late['id']}/withdraw/")

    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert withdrawn.json()["approval"]["status"] == "withdrawn"
    assert (refused.status_code, refused.json()["code"]) == (409, "cannot_withdraw")
    assert snapshot(town_a) == before


def test_who_sees_which_applications(town_a, people):
    created = draft(people)
    people["applicant"].post(f"/api/v1/seal-applications/{created['id']}/submit/")
    url = f"/api/v1/seal-applications/{created['id']}/"

    lists = {who: people[who].get("/api/v1/seal-applications/").json()
             for who in ("applicant", "head", "keeper", "leader", "bystander")}
    details = {who: people[who].get(url).status_code
               for who in ("applicant", "head", "keeper", "leader", "bystander")}

    assert set(lists["applicant"]) == PAGE_KEYS
    assert {who: [row["id"] for row in page["results"]] for who, page in lists.items()} == {
        "applicant": [created["id"]], "head": [created["id"]], "keeper": [created["id"]],
        "leader": [], "bystander": []}
    assert details == {"applicant": 200, "head": 200, "keeper": 200, "leader": 404,
                       "bystander": 404}


def test_the_list_filters_by_status_and_refuses_an_unknown_one(people):
    first, second = draft(people), draft(people)
    people["applicant"].post(f"/api/v1/seal-applications/{first['id']}/submit/")

    drafts = people["applicant"].get("/api/v1/seal-applications/?status=draft")
    bad = people["applicant"].get("/api/v1/seal-applications/?status=lost")

    assert [row["id"] for row in drafts.json()["results"]] == [second["id"]]
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")


def test_anonymous_is_401_and_a_non_member_403(town_a, town_b, people):
    created = draft(people)
    outsider = client_for(town_a, staff_make(town_b).user)
    before = snapshot(town_a)
    calls = [("get", "/api/v1/seal-applications/"), ("post", "/api/v1/seal-applications/"),
             ("get", f"/api/v1/seal-applications/{created['id']}/"),
             ("post", f"/api/v1/seal-applications/{created['id']}/submit/"),
             ("post", f"/api/v1/seal-applications/{created['id']}/withdraw/")]

    anonymous = [getattr(api_client(town_a), m)(p, DRAFT, format="json") for m, p in calls]
    foreign = [getattr(outsider, m)(p, DRAFT, format="json") for m, p in calls]

    assert {(r.status_code, r.json()["code"]) for r in anonymous} == {(401, "not_authenticated")}
    assert {(r.status_code, r.json()["code"]) for r in foreign} == {(403, "not_a_member")}
    assert snapshot(town_a) == before
