"""The approval engine on seal-use applications: routing by post, any-of and all-of, outcomes,
duty checks at action time, and the audit trail."""

import pytest
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, StepStatus, TaskStatus
from apps.approvals.services import approval_withdraw, process_define, task_decide
from apps.audit.models import AuditEvent
from apps.controls.models import Alert
from apps.seals.models import SealStatus
from apps.seals.services import seal_application_create, seal_application_submit
from county_platform.errors import DomainError
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

TWO_STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "分管领导会签", "post_code": "leader", "mode": "all"},
]


def _submit(applicant, **fields):
    application = seal_application_create(
        actor=applicant, seal_kind="official", document_title="关于申报项目的请示",
        purpose="报送县财政局", **fields,
    )
    return seal_application_submit(actor=applicant, application_id=application.pk)


def _tasks(application, status=TaskStatus.PENDING):
    approval = Approval.objects.get(pk=application.approval_id)
    return list(approval.steps.get(status=StepStatus.ACTIVE).tasks.filter(status=status)) \
        if approval.steps.filter(status=StepStatus.ACTIVE).exists() else []


@pytest.fixture
def people(town_a):
    made = {
        "applicant": staff_make(town_a, posts=("handler",)),
        "head_1": staff_make(town_a, posts=("dept_head",)),
        "head_2": staff_make(town_a, posts=("dept_head",)),
        "leader_1": staff_make(town_a, posts=("leader",)),
        "leader_2": staff_make(town_a, posts=("leader",)),
    }
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=TWO_STEPS)
    return {key: staff.user for key, staff in made.items()}


def test_submit_opens_the_first_step_for_every_holder_of_its_post(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        assignees = {task.assignee_id for task in _tasks(application)}

    assert application.status == SealStatus.IN_APPROVAL
    assert assignees == {people["head_1"].pk, people["head_2"].pk}


def test_any_of_step_completes_on_the_first_approval_and_cancels_the_rest(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        first = next(t for t in _tasks(application) if t.assignee_id == people["head_1"].pk)
        task_decide(actor=people["head_1"], task_id=first.pk, decision="approve", comment="同意")
        approval = Approval.objects.get(pk=application.approval_id)
        steps = list(approval.steps.order_by("order").values_list("status", flat=True))
        other = approval.steps.get(order=1).tasks.get(assignee=people["head_2"])
        leaders = {task.assignee_id for task in _tasks(application)}

    assert steps == [StepStatus.APPROVED, StepStatus.ACTIVE]
    assert other.status == TaskStatus.CANCELLED
    assert leaders == {people["leader_1"].pk, people["leader_2"].pk}


def test_all_of_step_needs_every_signer_then_the_document_is_approved(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        head_task = _tasks(application)[0]
        task_decide(actor=head_task.assignee, task_id=head_task.pk, decision="approve")
        one, two = sorted(_tasks(application), key=lambda t: t.assignee_id)
        task_decide(actor=one.assignee, task_id=one.pk, decision="approve")
        application.refresh_from_db()
        after_one = application.status
        task_decide(actor=two.assignee, task_id=two.pk, decision="approve")
        application.refresh_from_db()

    assert after_one == SealStatus.IN_APPROVAL
    assert application.status == SealStatus.APPROVED


def test_reject_ends_the_document_and_cancels_later_steps(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        task = _tasks(application)[0]
        task_decide(actor=task.assignee, task_id=task.pk, decision="reject", comment="依据不足")
        application.refresh_from_db()
        statuses = list(Approval.objects.get(pk=application.approval_id).steps
                        .order_by("order").values_list("status", flat=True))

    assert application.status == SealStatus.REJECTED
    assert statuses == [StepStatus.REJECTED, StepStatus.CANCELLED]


def test_return_sends_the_document_back_to_the_applicant(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        task = _tasks(application)[0]
        task_decide(actor=task.assignee, task_id=task.pk, decision="return", comment="补充附件")
        application.refresh_from_db()

    assert application.status == SealStatus.RETURNED


def test_a_decided_task_answers_409_and_changes_nothing(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        task = _tasks(application)[0]
        task_decide(actor=task.assignee, task_id=task.pk, decision="approve")
        events = AuditEvent.objects.count()
        with pytest.raises(DomainError) as refused:
            task_decide(actor=task.assignee, task_id=task.pk, decision="reject")
        task.refresh_from_db()

        assert AuditEvent.objects.count() == events
    assert refused.value.status == 409
    assert task.status == TaskStatus.APPROVED


def test_withdraw_while_nothing_is_decided_then_refused_after_a_decision(town_a, people):
    with schema_context(town_a.schema_name):
        early = _submit(people["applicant"])
        approval_withdraw(actor=people["applicant"], approval_id=early.approval_id)
        early.refresh_from_db()
        late = _submit(people["applicant"])
        task = _tasks(late)[0]
        task_decide(actor=task.assignee, task_id=task.pk, decision="approve")
        with pytest.raises(DomainError) as refused:
            approval_withdraw(actor=people["applicant"], approval_id=late.approval_id)

    assert early.status == SealStatus.WITHDRAWN
    assert refused.value.code == "cannot_withdraw"


def test_the_applicant_is_never_given_a_task_on_their_own_document(town_a, people):
    boss = staff_make(town_a, posts=("dept_head",))
    with schema_context(town_a.schema_name):
        application = _submit(boss.user)
        assignees = {task.assignee_id for task in _tasks(application)}

    assert boss.user.pk not in assignees
    assert assignees == {people["head_1"].pk, people["head_2"].pk}


def test_someone_who_acted_in_an_incompatible_post_is_not_routed_again(town_a):
    # handler × dept_head is a "document" rule: one person may hold both posts, but may not
    # review as department head a document they already handled.
    both = staff_make(town_a, posts=("handler", "dept_head"))
    other_head = staff_make(town_a, posts=("dept_head",))
    applicant = staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="测试流程", steps=[
            {"name": "经办复核", "post_code": "handler", "mode": "any"},
            {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
        ])
        application = _submit(applicant.user)
        task = next(t for t in _tasks(application) if t.assignee_id == both.user.pk)
        task_decide(actor=both.user, task_id=task.pk, decision="approve")
        assignees = {t.assignee_id for t in _tasks(application)}

    assert both.user.pk not in assignees
    assert other_head.user.pk in assignees


def test_a_step_nobody_may_act_on_is_blocked_with_an_alert_not_left_hanging(town_a):
    applicant = staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="测试流程", steps=[
            {"name": "内控牵头审核", "post_code": "ic_lead", "mode": "any"},
        ])
        application = _submit(applicant.user)
        step = Approval.objects.get(pk=application.approval_id).steps.get()
        alert = Alert.objects.get(dedupe_key=f"approval_no_actor:{step.pk}")

    assert step.status == StepStatus.BLOCKED
    assert "没有可以办理的人员" in alert.message


def test_a_conditional_step_is_skipped_when_its_condition_does_not_hold(town_a, people):
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=[
            {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
            {"name": "多份需分管领导", "post_code": "leader", "mode": "any",
             "condition": {"amount_gte": "10"}},
        ])
        application = _submit(people["applicant"], copies=2)
        statuses = list(Approval.objects.get(pk=application.approval_id).steps
                        .order_by("order").values_list("status", flat=True))

    assert statuses == [StepStatus.ACTIVE, StepStatus.SKIPPED]


def test_every_action_is_in_the_audit_chain(town_a, people):
    with schema_context(town_a.schema_name):
        before = AuditEvent.objects.count()
        application = _submit(people["applicant"])
        task = _tasks(application)[0]
        task_decide(actor=task.assignee, task_id=task.pk, decision="reject", comment="不同意")
        actions = list(AuditEvent.objects.order_by("seq")[before:].values_list("action", flat=True))

    assert actions == [
        "seal.application_created", "approval.submitted", "approval.task_rejected",
        "approval.rejected", "seal.application_rejected",
    ]
