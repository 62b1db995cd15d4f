"""The approval endpoints of DESIGN.md §11: the caller's tasks and their decisions, delegation,
added signers, comments, one approval with its step timing, and step time statistics. Every
refusal also checks that nothing changed."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from apps.approvals.models import (
    Approval,
    ApprovalComment,
    ApprovalStep,
    ApprovalTask,
    StepStatus,
    TaskStatus,
)
from apps.approvals.services import process_define, task_decide
from apps.approvals.worktime import SHANGHAI
from apps.audit.models import AuditEvent
from apps.outbox.models import OutboxMessage
from apps.seals.models import SealApplication, SealStatus
from permissions.tightening import sod_rule_add
from tests.apps.approvals.test_services import _submit
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

TWO_STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
]
PAGE_KEYS = {"count", "next", "previous", "results"}
CONTRACT_TASK_KEYS = {"id", "document_type", "document_id", "step", "post", "created_at",
                      "due_at"}
CONTRACT_STEP_KEYS = {"post", "mode", "status", "actor", "started_at", "finished_at",
                      "duration_seconds"}


def client_for(tenant, user):
    return api_client(tenant, Token.objects.get_or_create(user=user)[0].key)


def snapshot(tenant) -> tuple:
    """Everything a refused request must leave as it was."""
    with schema_context(tenant.schema_name):
        return (
            sorted(ApprovalTask.objects.values_list("id", "status", "delegate_id",
                                                    "decided_by_id")),
            sorted(ApprovalStep.objects.values_list("id", "status")),
            sorted(SealApplication.objects.values_list("id", "status")),
            ApprovalComment.objects.count(), AuditEvent.objects.count(),
            OutboxMessage.objects.count(),
        )


@pytest.fixture
def people(town_a):
    made = {
        "applicant": staff_make(town_a, posts=("handler",)),
        "head": staff_make(town_a, posts=("dept_head",)),
        "leader": staff_make(town_a, posts=("leader",)),
        "deputy": staff_make(town_a),
        "bystander": staff_make(town_a),
    }
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=TWO_STEPS)
    return {key: staff.user for key, staff in made.items()}


@pytest.fixture
def clients(town_a, people):
    return {key: client_for(town_a, user) for key, user in people.items()}


@pytest.fixture
def submitted(town_a, people):
    """A submitted application with its one pending dept_head task."""
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        task = ApprovalTask.objects.get(step__approval_id=application.approval_id)
    return application, task


def pending_of(tenant, application) -> list[ApprovalTask]:
    with schema_context(tenant.schema_name):
        return list(ApprovalTask.objects.filter(step__approval_id=application.approval_id,
                                                status=TaskStatus.PENDING))


# --- the gate -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/approvals/tasks/"),
    ("get", "/api/v1/approvals/tasks/counts/"),
    ("post", "/api/v1/approvals/tasks/{task}/approve/"),
    ("post", "/api/v1/approvals/tasks/{task}/delegate/"),
    ("post", "/api/v1/approvals/tasks/{task}/add-signer/"),
    ("get", "/api/v1/approvals/{approval}/"),
    ("post", "/api/v1/approvals/{approval}/comments/"),
    ("get", "/api/v1/approvals/stats/steps/"),
    ("get", "/api/v1/approvals/stats/tenant/"),
])
def test_anonymous_is_401_and_a_non_member_403(town_a, town_b, submitted, method, path):
    application, task = submitted
    url = path.format(task=task.pk, approval=application.approval_id)
    outsider = client_for(town_a, staff_make(town_b, posts=("dept_head",)).user)
    before = snapshot(town_a)

    anonymous = getattr(api_client(town_a), method)(url, {}, format="json")
    foreign = getattr(outsider, method)(url, {}, format="json")

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (foreign.status_code, foreign.json()["code"]) == (403, "not_a_member")
    assert snapshot(town_a) == before


# --- my tasks -----------------------------------------------------------------------------------


def test_my_pending_tasks_in_the_contracts_shape(town_a, people, clients, submitted):
    application, task = submitted

    mine = clients["head"].get("/api/v1/approvals/tasks/?status=pending")
    default = clients["head"].get("/api/v1/approvals/tasks/")
    others = clients["leader"].get("/api/v1/approvals/tasks/")

    assert set(mine.json()) == PAGE_KEYS
    [row] = mine.json()["results"]
    assert set(row) >= CONTRACT_TASK_KEYS
    assert row["id"] == task.pk
    assert (row["document_type"], row["document_id"]) == ("seal_use", str(application.pk))
    assert (row["step"], row["step_name"], row["post"]) == (1, "部门负责人审核", "dept_head")
    assert (row["approval"], row["status"], row["is_added"]) == (
        application.approval_id, "pending", False)
    assert row["delegate"] is None and row["due_at"] is not None
    assert row["document_title"]
    assert default.json()["results"] == mine.json()["results"]
    assert others.json()["count"] == 0


def test_counts_of_pending_and_overdue(town_a, clients, submitted):
    application, task = submitted
    before = clients["head"].get("/api/v1/approvals/tasks/counts/")
    with schema_context(town_a.schema_name):
        ApprovalTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(hours=1))

    after = clients["head"].get("/api/v1/approvals/tasks/counts/")
    overdue = clients["head"].get("/api/v1/approvals/tasks/?status=overdue")

    assert before.json() == {"pending": 1, "overdue": 0}
    assert after.json() == {"pending": 1, "overdue": 1}
    assert [row["id"] for row in overdue.json()["results"]] == [task.pk]
    assert overdue.json()["results"][0]["overdue"] is True


def test_an_unknown_status_filter_is_400(clients):
    response = clients["head"].get("/api/v1/approvals/tasks/?status=everything")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_the_task_list_costs_the_same_queries_for_one_task_or_many(
        town_a, people, clients, django_assert_num_queries):
    with schema_context(town_a.schema_name):
        _submit(people["applicant"])
    clients["head"].get("/api/v1/approvals/tasks/")  # warm the membership and token lookups
    with django_assert_num_queries(8, exact=False) as one:
        clients["head"].get("/api/v1/approvals/tasks/")
    with schema_context(town_a.schema_name):
        for _ in range(4):
            _submit(people["applicant"])
    with django_assert_num_queries(len(one), exact=True):
        response = clients["head"].get("/api/v1/approvals/tasks/")

    assert response.json()["count"] == 5


# --- decisions ----------------------------------------------------------------------------------


def test_approve_moves_the_document_to_the_next_step(town_a, people, clients, submitted):
    application, task = submitted

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/",
                                    {"comment": "同意"}, format="json")
    next_tasks = pending_of(town_a, application)

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (task.pk, "approved")
    assert response.json()["comment"] == "同意"
    assert [(t.assignee_id, t.post_code) for t in next_tasks] == [(people["leader"].pk, "leader")]


def test_approve_without_a_body_is_fine(town_a, clients, submitted):
    application, task = submitted

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")

    assert (response.status_code, response.json()["comment"]) == (200, "")


@pytest.mark.parametrize(("decision", "outcome"), [("reject", SealStatus.REJECTED),
                                                   ("return", SealStatus.RETURNED)])
def test_reject_and_return_end_the_approval(town_a, clients, submitted, decision, outcome):
    application, task = submitted

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/{decision}/",
                                    {"comment": "请补充材料"}, format="json")
    with schema_context(town_a.schema_name):
        application.refresh_from_db()

    assert (response.status_code, response.json()["status"]) == (200, str(outcome))
    assert application.status == outcome


def test_a_decided_task_is_409_and_nothing_changes(town_a, clients, submitted):
    application, task = submitted
    clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")
    before = snapshot(town_a)

    again = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/reject/")

    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    assert snapshot(town_a) == before


def test_someone_elses_task_is_404_and_nothing_changes(town_a, clients, submitted):
    application, task = submitted
    before = snapshot(town_a)

    responses = [clients[who].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")
                 for who in ("leader", "applicant", "bystander")]
    missing = clients["head"].post("/api/v1/approvals/tasks/987654/approve/")

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(404, "not_found")] * 3
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert snapshot(town_a) == before


def test_the_applicant_holding_a_task_on_their_own_document_is_403_self_approval(
        town_a, people, clients, submitted):
    application, task = submitted
    # Routing never gives the applicant a task; this is the check at action time behind it.
    with schema_context(town_a.schema_name):
        ApprovalTask.objects.filter(pk=task.pk).update(assignee=people["applicant"])
    before = snapshot(town_a)

    response = clients["applicant"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")

    assert (response.status_code, response.json()["code"]) == (403, "self_approval")
    assert snapshot(town_a) == before


def test_acting_in_a_post_made_incompatible_meanwhile_is_403_sod_conflict(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    both = staff_make(town_a, posts=("dept_head", "leader")).user
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=TWO_STEPS)
        application = _submit(applicant)
        first = ApprovalTask.objects.get(step__approval_id=application.approval_id)
        task_decide(actor=both, task_id=first.pk, decision="approve")
        second = ApprovalTask.objects.get(step__approval_id=application.approval_id,
                                          status=TaskStatus.PENDING)
        # The tenant tightens its rules while the document is at the leader's step.
        sod_rule_add(actor=None, post_a="dept_head", post_b="leader", scope="document")
    before = snapshot(town_a)

    response = client_for(town_a, both).post(f"/api/v1/approvals/tasks/{second.pk}/approve/")

    assert (response.status_code, response.json()["code"]) == (403, "sod_conflict")
    assert response.json()["rule"] == "tenant_dept_head_leader"
    assert snapshot(town_a) == before


@pytest.mark.parametrize("body", [{"comment": "长" * 501}, {"comment": ["x"]}, ["comment"]])
def test_a_malformed_decision_is_400_and_nothing_changes(town_a, clients, submitted, body):
    application, task = submitted
    before = snapshot(town_a)

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/", body,
                                    format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert snapshot(town_a) == before


def test_a_body_that_is_not_json_is_400(town_a, clients, submitted):
    application, task = submitted

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/", "{nope",
                                    content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "malformed")


# --- delegation and added signers ---------------------------------------------------------------


def test_delegate_then_the_delegate_approves_in_the_assignees_name(town_a, people, clients,
                                                                   submitted):
    application, task = submitted
    until = (timezone.now() + timedelta(days=2)).isoformat()

    delegated = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/delegate/",
                                     {"to": people["deputy"].username, "until": until},
                                     format="json")
    listed = clients["deputy"].get("/api/v1/approvals/tasks/")
    decided = clients["deputy"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")
    with schema_context(town_a.schema_name):
        task.refresh_from_db()

    assert delegated.status_code == 200
    assert delegated.json()["delegate"] == people["deputy"].username
    assert [row["id"] for row in listed.json()["results"]] == [task.pk]
    assert decided.status_code == 200
    assert (task.assignee_id, task.decided_by_id) == (people["head"].pk, people["deputy"].pk)


def test_a_delegation_until_a_date_runs_to_the_end_of_that_day(town_a, people, clients,
                                                               submitted):
    application, task = submitted
    day = timezone.localdate() + timedelta(days=3)

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/delegate/",
                                    {"to": people["deputy"].username, "until": day.isoformat()},
                                    format="json")
    until = datetime.fromisoformat(response.json()["delegate_until"]).astimezone(SHANGHAI)

    assert response.status_code == 200
    assert (until.date(), until.hour, until.minute) == (day, 23, 59)


@pytest.mark.parametrize(("who", "to", "until_days", "status", "code"), [
    ("head", "applicant", 1, 403, "self_approval"),
    ("head", "deputy", -1, 400, "invalid_until"),
    ("head", "deputy", 31, 400, "invalid_until"),
    ("head", "nobody-here", 1, 400, "not_a_member"),
    ("leader", "deputy", 1, 404, "not_found"),
])
def test_a_refused_delegation_changes_nothing(town_a, people, clients, submitted,
                                              who, to, until_days, status, code):
    application, task = submitted
    target = people[to].username if to in people else to
    until = (timezone.now() + timedelta(days=until_days)).isoformat()
    before = snapshot(town_a)

    response = clients[who].post(f"/api/v1/approvals/tasks/{task.pk}/delegate/",
                                 {"to": target, "until": until}, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert snapshot(town_a) == before


def test_only_the_assignee_delegates_not_their_delegate(town_a, people, clients, submitted):
    application, task = submitted
    until = (timezone.now() + timedelta(days=1)).isoformat()
    clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/delegate/",
                         {"to": people["deputy"].username, "until": until}, format="json")
    before = snapshot(town_a)

    response = clients["deputy"].post(f"/api/v1/approvals/tasks/{task.pk}/delegate/",
                                      {"to": people["bystander"].username, "until": until},
                                      format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert snapshot(town_a) == before


@pytest.mark.parametrize("body", [{}, {"to": "x"}, {"to": "x", "until": "明天"},
                                  {"to": "", "until": "2030-01-01"}])
def test_a_malformed_delegation_is_400(town_a, clients, submitted, body):
    application, task = submitted
    before = snapshot(town_a)

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/delegate/", body,
                                    format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert snapshot(town_a) == before


def test_add_signer_creates_their_task_and_a_second_time_is_409(town_a, people, clients,
                                                                submitted):
    application, task = submitted

    added = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/add-signer/",
                                 {"username": people["deputy"].username}, format="json")
    before = snapshot(town_a)
    again = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/add-signer/",
                                 {"username": people["deputy"].username}, format="json")
    theirs = clients["deputy"].get("/api/v1/approvals/tasks/")

    assert added.status_code == 201
    assert (added.json()["is_added"], added.json()["post"]) == (True, "dept_head")
    assert [row["id"] for row in theirs.json()["results"]] == [added.json()["id"]]
    assert (again.status_code, again.json()["code"]) == (409, "already_signer")
    assert snapshot(town_a) == before


def test_the_applicant_cannot_be_added_as_signer(town_a, people, clients, submitted):
    application, task = submitted
    before = snapshot(town_a)

    response = clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/add-signer/",
                                    {"username": people["applicant"].username}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "self_approval")
    assert snapshot(town_a) == before


# --- comments -----------------------------------------------------------------------------------


def test_comments_from_those_taking_part(town_a, people, clients, submitted):
    application, task = submitted
    url = f"/api/v1/approvals/{application.approval_id}/comments/"

    mine = clients["applicant"].post(url, {"text": "  请尽快审批  "}, format="json")
    before = snapshot(town_a)
    stranger = clients["bystander"].post(url, {"text": "路过"}, format="json")
    empty = clients["head"].post(url, {"text": ""}, format="json")
    blank = clients["head"].post(url, {"text": "   "}, format="json")
    missing = clients["head"].post("/api/v1/approvals/987654/comments/", {"text": "x"},
                                   format="json")

    assert mine.status_code == 201
    assert (mine.json()["text"], mine.json()["author"]) == ("请尽快审批",
                                                            people["applicant"].username)
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    assert (empty.status_code, blank.status_code) == (400, 400)
    assert missing.status_code == 404
    assert snapshot(town_a) == before


# --- one approval -------------------------------------------------------------------------------


def test_the_approval_with_its_steps_timing_tasks_and_comments(town_a, people, clients,
                                                               submitted):
    application, task = submitted
    friday_4pm = datetime(2025, 1, 10, 16, 0, tzinfo=SHANGHAI)
    monday_10am = datetime(2025, 1, 13, 10, 0, tzinfo=SHANGHAI)
    clients["head"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/", {"comment": "同意"},
                         format="json")
    clients["applicant"].post(f"/api/v1/approvals/{application.approval_id}/comments/",
                              {"text": "谢谢"}, format="json")
    with schema_context(town_a.schema_name):
        ApprovalStep.objects.filter(approval_id=application.approval_id, order=1).update(
            started_at=friday_4pm, finished_at=monday_10am)

    response = clients["applicant"].get(f"/api/v1/approvals/{application.approval_id}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["document_type"]) == (
        application.approval_id, "in_approval", "seal_use")
    first, second = body["steps"]
    assert set(first) >= CONTRACT_STEP_KEYS
    assert (first["post"], first["mode"], first["status"], first["actor"]) == (
        "dept_head", "any", "approved", people["head"].username)
    assert datetime.fromisoformat(first["started_at"]) == friday_4pm
    assert datetime.fromisoformat(first["finished_at"]) == monday_10am
    assert (first["duration_seconds"], first["working_seconds"]) == (66 * 3600, 2 * 3600)
    assert [t["comment"] for t in first["tasks"]] == ["同意"]
    assert (second["post"], second["status"], second["actor"], second["finished_at"]) == (
        "leader", "active", None, None)
    assert second["duration_seconds"] >= 0
    assert [t["assignee"] for t in second["tasks"]] == [people["leader"].username]
    assert [c["text"] for c in body["comments"]] == ["谢谢"]


def test_the_approval_is_seen_by_its_people_and_overseers_only(town_a, people, clients,
                                                               submitted):
    application, task = submitted
    overseers = [client_for(town_a, staff_make(town_a, posts=(post,)).user)
                 for post in ("tenant_admin", "ic_lead", "supervisor")]
    url = f"/api/v1/approvals/{application.approval_id}/"

    allowed = [c.get(url).status_code for c in [clients["applicant"], clients["head"],
                                                *overseers]]
    refused = [clients[who].get(url) for who in ("leader", "deputy", "bystander")]
    missing = clients["applicant"].get("/api/v1/approvals/987654/")

    assert allowed == [200] * 5
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(404, "not_found")] * 3
    assert missing.status_code == 404


# --- statistics ---------------------------------------------------------------------------------


@pytest.fixture
def three_decided(town_a, people):
    """Three dept_head steps decided yesterday, taking 100, 200 and 600 seconds."""
    end = timezone.now() - timedelta(days=1)
    with schema_context(town_a.schema_name):
        for seconds in (100, 200, 600):
            application = _submit(people["applicant"])
            task = ApprovalTask.objects.get(step__approval_id=application.approval_id)
            task_decide(actor=people["head"], task_id=task.pk, decision="approve")
            ApprovalStep.objects.filter(approval_id=application.approval_id, order=1).update(
                started_at=end - timedelta(seconds=seconds), finished_at=end)
    return timezone.localtime(end).date()


def test_step_statistics_per_post(clients, three_decided):
    day = three_decided.isoformat()

    response = clients["bystander"].get(f"/api/v1/approvals/stats/steps/?from={day}&to={day}")

    assert response.status_code == 200
    assert set(response.json()) == PAGE_KEYS
    assert response.json()["results"] == [
        {"post": "dept_head", "post_name": "部门负责人", "count": 3, "median_seconds": 200.0,
         "p90_seconds": pytest.approx(520.0)},
    ]


def test_step_statistics_of_the_tenant(clients, three_decided):
    day = three_decided
    url = "/api/v1/approvals/stats/tenant/"

    response = clients["bystander"].get(f"{url}?from={day}&to={day}")
    before = clients["bystander"].get(f"{url}?from={day - timedelta(days=9)}"
                                      f"&to={day - timedelta(days=1)}")
    default = clients["bystander"].get(url)

    assert response.json() == {"from": str(day), "to": str(day), "count": 3,
                               "median_seconds": 200.0, "p90_seconds": pytest.approx(520.0)}
    assert (before.json()["count"], before.json()["median_seconds"]) == (0, None)
    assert default.json()["count"] == 3  # the last 30 days


@pytest.mark.parametrize("query", ["from=2025-13-01", "to=yesterday",
                                   "from=2025-02-01&to=2025-01-01",
                                   "from=2000-01-01&to=2025-01-01"])
@pytest.mark.parametrize("path", ["steps", "tenant"])
def test_a_bad_period_is_400(clients, query, path):
    response = clients["bystander"].get(f"/api/v1/approvals/stats/{path}/?{query}")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_the_steps_of_a_withdrawn_document_are_not_in_the_statistics(town_a, people, clients):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        step = Approval.objects.get(pk=application.approval_id).steps.get(order=1)
    clients["applicant"].post(f"/api/v1/seal-applications/{application.pk}/withdraw/")
    with schema_context(town_a.schema_name):
        step.refresh_from_db()

    response = clients["bystander"].get("/api/v1/approvals/stats/tenant/")

    assert step.status == StepStatus.CANCELLED
    assert response.json()["count"] == 0


@pytest.mark.parametrize("path", [
    "/api/v1/approvals/tasks/99999999999999999999/approve/",
    "/api/v1/approvals/tasks/99999999999999999999/delegate/",
    "/api/v1/approvals/tasks/99999999999999999999/add-signer/",
    "/api/v1/approvals/99999999999999999999/comments/",
])
def test_an_id_beyond_any_row_is_404_not_500(clients, path):
    response = clients["head"].post(path, {"to": "x", "until": "2030-01-01", "username": "x",
                                           "text": "x"}, format="json")

    assert response.status_code in (400, 404)
    assert response.json()["code"] in ("not_found", "invalid")


def test_an_approval_id_beyond_any_row_is_404(clients):
    response = clients["head"].get("/api/v1/approvals/99999999999999999999/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_detail_costs_the_same_queries_however_many_steps_and_tasks(
        town_a, people, clients, django_assert_num_queries):
    with schema_context(town_a.schema_name):
        small = _submit(people["applicant"])
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=[
            *TWO_STEPS, {"name": "会签", "post_code": "dept_head", "mode": "all"},
            {"name": "再审", "post_code": "leader", "mode": "any"}])
        for _ in range(3):
            staff_make(town_a, posts=("dept_head",))
        big = _submit(people["applicant"])
    url = "/api/v1/approvals/{}/"
    clients["applicant"].get(url.format(small.approval_id))
    with django_assert_num_queries(20, exact=False) as few:
        clients["applicant"].get(url.format(small.approval_id))
    with django_assert_num_queries(len(few), exact=True):
        response = clients["applicant"].get(url.format(big.approval_id))

    assert len(response.json()["steps"]) == 4
    assert len(response.json()["steps"][0]["tasks"]) == 4
