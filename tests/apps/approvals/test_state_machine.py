"""Random sequences of actions by random actors never break the approval's guarantees:
no document is approved with a step undecided, nobody decides their own document, no task is
decided twice, nobody acts in two incompatible posts on one document."""

import pytest
from django.db import transaction
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from apps.approvals.models import Approval, ApprovalStatus, ApprovalTask, StepStatus, TaskStatus
from apps.approvals.services import approval_withdraw, process_define, task_decide
from apps.seals.services import seal_application_create, seal_application_submit
from county_platform.errors import DomainError
from permissions.duties import document_rules
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "分管领导会签", "post_code": "leader", "mode": "all"},
    {"name": "主要负责人审批", "post_code": "principal", "mode": "any"},
]
POOL = [("handler",), ("handler",), ("dept_head",), ("dept_head",), ("leader",), ("leader",),
        ("principal",), ("handler", "dept_head")]


class ApprovalMachine(RuleBasedStateMachine):
    users: list = []

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.decided: set[int] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @rule(who=st.integers(0, len(POOL) - 1))
    def submit(self, who):
        applicant = self.users[who]
        application = seal_application_create(
            actor=applicant, seal_kind="official", document_title="请示", purpose="报送")
        seal_application_submit(actor=applicant, application_id=application.pk)

    @rule(pick=st.integers(0, 10_000), who=st.integers(0, len(POOL) - 1),
          decision=st.sampled_from(["approve", "approve", "reject", "return"]))
    def decide(self, pick, who, decision):
        pending = list(ApprovalTask.objects.filter(status=TaskStatus.PENDING).order_by("pk"))
        if not pending:
            return
        task = pending[pick % len(pending)]
        actor = self.users[who] if pick % 3 else task.assignee  # mostly the right person
        try:
            task_decide(actor=actor, task_id=task.pk, decision=decision)
        except DomainError as refused:
            assert refused.status in (403, 404, 409)
            return
        assert task.pk not in self.decided, "a task was decided twice"
        self.decided.add(task.pk)

    @rule(pick=st.integers(0, 10_000), who=st.integers(0, len(POOL) - 1))
    def withdraw(self, pick, who):
        approvals = list(Approval.objects.order_by("pk"))
        if not approvals:
            return
        try:
            target = approvals[pick % len(approvals)]
            approval_withdraw(actor=self.users[who], approval_id=target.pk)
        except DomainError as refused:
            assert refused.status in (404, 409)

    @invariant()
    def approved_means_every_step_decided(self):
        for approval in Approval.objects.filter(status=ApprovalStatus.APPROVED):
            statuses = set(approval.steps.values_list("status", flat=True))
            assert statuses <= {StepStatus.APPROVED, StepStatus.SKIPPED}

    @invariant()
    def nobody_decides_their_own_document(self):
        own = ApprovalTask.objects.exclude(status__in=[TaskStatus.PENDING, TaskStatus.CANCELLED])
        for task in own.select_related("step__approval"):
            assert task.decided_by_id != task.step.approval.applicant_id

    @invariant()
    def nobody_acts_in_two_incompatible_posts_on_one_document(self):
        rules = {frozenset((r.post_a, r.post_b)) for r in document_rules()}
        acted = ApprovalTask.objects.filter(status=TaskStatus.APPROVED).values_list(
            "step__approval_id", "decided_by_id", "post_code")
        seen: dict[tuple[int, int], set[str]] = {}
        for approval_id, actor_id, post in acted:
            posts = seen.setdefault((approval_id, actor_id), set())
            assert not any(frozenset((post, other)) in rules for other in posts)
            posts.add(post)


def test_random_action_sequences_keep_the_guarantees(town_a):
    users = [staff_make(town_a, posts=posts).user for posts in POOL]
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=STEPS)
        ApprovalMachine.users = users
        run_state_machine_as_test(
            ApprovalMachine,
            settings=settings(max_examples=25, stateful_step_count=20, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow]),
        )
