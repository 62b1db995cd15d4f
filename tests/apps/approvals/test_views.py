"""The approval pages: my to-dos with counts, the task shown as its paper form with decision
buttons for the assignee only, refusals in plain Chinese, the printable form, 404 for others."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, ApprovalTask, StepStatus, TaskStatus
from apps.approvals.services import process_define, task_delegate
from apps.audit.models import AuditEvent
from apps.seals.models import SealApplication, SealStatus
from apps.seals.services import seal_application_create, seal_application_submit
from permissions.services import department_create, post_assign, staff_add
from tests.conftest import host_of
from tests.factories import PASSWORD, staff_make, user_make

pytestmark = pytest.mark.django_db

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "大额复核", "post_code": "principal", "mode": "any",
     "condition": {"amount_gte": "100000"}},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
]


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def people(town_a):
    """An applicant in 党政办, two department heads, a leader, a principal, a bystander."""
    with schema_context(town_a.schema_name):
        office = department_create(actor=None, name="党政办", code="dzb-views")
        applicant = staff_add(actor=None, username="views-applicant", display_name="张申请",
                              password=PASSWORD, department=office)
        post_assign(actor=None, staff=applicant, post_code="handler")
    made = {
        "head": staff_make(town_a, posts=("dept_head",), display_name="李部长"),
        "head_2": staff_make(town_a, posts=("dept_head",), display_name="赵副部长"),
        "leader": staff_make(town_a, posts=("leader",), display_name="王分管"),
        "principal": staff_make(town_a, posts=("principal",), display_name="陈书记"),
        "bystander": staff_make(town_a, display_name="路人甲"),
    }
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=STEPS)
    return {"applicant": applicant.user} | {key: staff.user for key, staff in made.items()}


@pytest.fixture
def application(town_a, people):
    with schema_context(town_a.schema_name):
        draft = seal_application_create(
            actor=people["applicant"], seal_kind="official", copies=2,
            document_title="关于申报乡村振兴项目的请示", purpose="报送县农业农村局",
        )
        return seal_application_submit(actor=people["applicant"], application_id=draft.pk)


def signed_in(tenant, user) -> Client:
    client = Client(HTTP_HOST=host_of(tenant))
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


def task_of(tenant, application, user) -> ApprovalTask:
    with schema_context(tenant.schema_name):
        return ApprovalTask.objects.get(step__approval_id=application.approval_id, assignee=user)


def state_of(tenant, application):
    with schema_context(tenant.schema_name):
        approval = Approval.objects.get(pk=application.approval_id)
        steps = list(approval.steps.order_by("order").values_list("status", flat=True))
        return SealApplication.objects.get(pk=application.pk).status, steps


def audit_count(tenant) -> int:
    with schema_context(tenant.schema_name):
        return AuditEvent.objects.count()


# --- my to-dos ----------------------------------------------------------------------------------


def test_my_todos_lists_the_task_with_its_counts(town_a, people, application):
    task = task_of(town_a, application, people["head"])

    response = signed_in(town_a, people["head"]).get("/approvals/tasks/")

    page = response.content.decode()
    assert response.status_code == 200
    assert VIEWPORT in page
    assert "<h1>我的待办</h1>" in page
    assert '<strong data-count="pending">1</strong>' in page
    assert '<strong data-count="overdue">0</strong>' in page
    assert f'href="/approvals/tasks/{task.pk}/"' in page
    assert "用印申请" in page
    assert "关于申报乡村振兴项目的请示" in page
    assert "环节：部门负责人审核" in page
    assert "申请人：张申请" in page
    assert "todo-overdue" not in page


def test_an_overdue_task_is_red_and_counted_and_the_badge_says_so(town_a, people, application):
    task = task_of(town_a, application, people["head"])
    with schema_context(town_a.schema_name):  # as if its working hours had run out
        ApprovalTask.objects.filter(pk=task.pk).update(
            due_at=timezone.now() - timedelta(hours=1))

    page = signed_in(town_a, people["head"]).get("/approvals/tasks/").content.decode()

    assert '<strong data-count="overdue">1</strong>' in page
    assert 'class="todo todo-overdue"' in page
    assert '<span class="todo-row todo-due overdue">已超时，' in page
    assert 'class="badge badge-overdue" data-todo-count="1"' in page


def test_the_header_badge_counts_todos_on_every_page(town_a, people, application):
    client = signed_in(town_a, people["head"])

    pages = [client.get(path).content.decode() for path in ("/", "/seals/", "/notifications/")]

    assert all('data-todo-count="1"' in page for page in pages)
    assert all('href="/approvals/tasks/"' in page for page in pages)


def test_someone_without_todos_is_told_so_and_has_no_badge(town_a, people, application):
    page = signed_in(town_a, people["bystander"]).get("/approvals/tasks/").content.decode()

    assert "目前没有需要您办理的事项" in page
    assert "data-todo-count" not in page


def test_the_todo_pages_need_a_login(town_a, application):
    response = Client(HTTP_HOST=host_of(town_a)).get("/approvals/tasks/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- the task page ------------------------------------------------------------------------------


def test_the_task_page_shows_the_paper_form_with_blank_and_not_applicable_boxes(
        town_a, people, application):
    task = task_of(town_a, application, people["head"])

    response = signed_in(town_a, people["head"]).get(f"/approvals/tasks/{task.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert VIEWPORT in page
    assert '<h2 class="paper-title">用印申请单</h2>' in page
    assert '<span class="pf-value" data-field="applicant">张申请</span>' in page
    assert '<span class="pf-value" data-field="department">党政办</span>' in page
    assert '<span class="pf-value" data-field="seal">单位公章</span>' in page
    assert '<span class="pf-value" data-field="title">关于申报乡村振兴项目的请示</span>' in page
    assert '<span class="pf-value" data-field="purpose">报送县农业农村局</span>' in page
    assert '<span class="pf-value" data-field="copies">2 份</span>' in page
    assert page.count('class="box box-blank"') == 2
    assert page.count('class="box box-skipped"') == 1
    assert '<p class="box-empty">不适用</p>' in page
    assert '<p class="box-empty">空白</p>' in page
    assert "csrfmiddlewaretoken" in page
    for value, label in (("approve", "同意"), ("return", "退回"), ("reject", "驳回")):
        assert f'name="decision" value="{value}" class="big {value}">{label}</button>' in page


def test_approving_fills_the_box_and_opens_the_next_step(town_a, people, application):
    head_task = task_of(town_a, application, people["head"])
    client = signed_in(town_a, people["head"])

    response = client.post(f"/approvals/tasks/{head_task.pk}/",
                           {"decision": "approve", "comment": "情况属实，同意用印"})
    after = client.get(response["Location"]).content.decode()
    leader_task = task_of(town_a, application, people["leader"])
    leader_page = signed_in(town_a, people["leader"]).get(
        f"/approvals/tasks/{leader_task.pk}/").content.decode()

    assert response.status_code == 302
    assert response["Location"] == "/approvals/tasks/"
    assert "已同意" in after
    assert "目前没有需要您办理的事项" in after
    assert state_of(town_a, application) == (
        SealStatus.IN_APPROVAL, [StepStatus.APPROVED, StepStatus.SKIPPED, StepStatus.ACTIVE])
    assert leader_task.status == TaskStatus.PENDING
    assert leader_page.count('class="box box-signed"') == 1
    assert '<span class="stamp">同意</span>' in leader_page
    assert '<p class="sig-comment">情况属实，同意用印</p>' in leader_page
    signature = '<span class="sig-name">李部长</span><span class="sig-post">部门负责人</span>'
    assert signature in leader_page
    assert f'{timezone.localtime():%Y-%m-%d}' in leader_page


def test_the_last_approval_approves_the_application(town_a, people, application):
    for key in ("head", "leader"):
        task = task_of(town_a, application, people[key])
        signed_in(town_a, people[key]).post(f"/approvals/tasks/{task.pk}/",
                                            {"decision": "approve"})

    status, steps = state_of(town_a, application)
    page = signed_in(town_a, people["applicant"]).get(
        f"/approvals/{application.approval_id}/").content.decode()

    assert status == SealStatus.APPROVED
    assert steps == [StepStatus.APPROVED, StepStatus.SKIPPED, StepStatus.APPROVED]
    assert "已通过" in page
    assert page.count('class="box box-signed"') == 2


def test_rejecting_ends_the_application(town_a, people, application):
    task = task_of(town_a, application, people["head"])

    response = signed_in(town_a, people["head"]).post(
        f"/approvals/tasks/{task.pk}/", {"decision": "reject", "comment": "依据不足"})

    assert response.status_code == 302
    assert state_of(town_a, application) == (
        SealStatus.REJECTED, [StepStatus.REJECTED, StepStatus.SKIPPED, StepStatus.CANCELLED])


def test_returning_sends_it_back_to_the_applicant(town_a, people, application):
    task = task_of(town_a, application, people["head"])

    signed_in(town_a, people["head"]).post(f"/approvals/tasks/{task.pk}/",
                                           {"decision": "return", "comment": "请补充附件"})
    page = signed_in(town_a, people["applicant"]).get(
        f"/seals/{application.pk}/").content.decode()

    assert state_of(town_a, application)[0] == SealStatus.RETURNED
    assert '<span class="stamp">退回</span>' in page
    assert "请补充附件" in page
    assert "提交审批</button>" in page


def test_a_decided_task_shows_a_plain_message_and_changes_nothing(town_a, people, application):
    task = task_of(town_a, application, people["head"])
    client = signed_in(town_a, people["head"])
    client.post(f"/approvals/tasks/{task.pk}/", {"decision": "approve"})
    before, events = state_of(town_a, application), audit_count(town_a)

    response = client.post(f"/approvals/tasks/{task.pk}/", {"decision": "reject"})

    page = response.content.decode()
    assert response.status_code == 409
    assert 'data-error="already_decided"' in page
    assert "这项待办已经办理过了" in page
    assert "您已办理：同意。" in page
    assert 'name="decision"' not in page
    assert state_of(town_a, application) == before
    assert audit_count(town_a) == events


def test_a_task_another_head_decided_meanwhile_is_refused_plainly(town_a, people, application):
    mine = task_of(town_a, application, people["head_2"])
    theirs = task_of(town_a, application, people["head"])
    signed_in(town_a, people["head"]).post(f"/approvals/tasks/{theirs.pk}/",
                                           {"decision": "approve"})

    response = signed_in(town_a, people["head_2"]).post(f"/approvals/tasks/{mine.pk}/",
                                                        {"decision": "approve"})

    assert response.status_code == 409
    assert "这项待办已经办理过了" in response.content.decode()
    assert "本环节已由他人办理" in response.content.decode()


def test_self_approval_is_refused_on_the_page(town_a, people, application):
    task = task_of(town_a, application, people["head"])
    with schema_context(town_a.schema_name):  # a task routed to the applicant (say, by hand)
        ApprovalTask.objects.filter(pk=task.pk).update(assignee=people["applicant"])
    events = audit_count(town_a)

    response = signed_in(town_a, people["applicant"]).post(
        f"/approvals/tasks/{task.pk}/", {"decision": "approve"})

    page = response.content.decode()
    assert response.status_code == 403
    assert 'data-error="self_approval"' in page
    assert "这是您本人提交的申请，按规定不能由您本人审批。" in page
    assert task_of(town_a, application, people["applicant"]).status == TaskStatus.PENDING
    assert audit_count(town_a) == events


def test_an_incompatible_second_step_is_refused_on_the_page(town_a, people, application):
    head_task = task_of(town_a, application, people["head"])
    signed_in(town_a, people["head"]).post(f"/approvals/tasks/{head_task.pk}/",
                                           {"decision": "approve"})
    leader_task = task_of(town_a, application, people["leader"])
    with schema_context(town_a.schema_name):
        # A later task routed (say, by hand) to the head in a post incompatible with the one
        # they already signed in: 部门负责人 and 经办人 of one document (sod_request_dept_review).
        ApprovalTask.objects.filter(pk=leader_task.pk).update(assignee=people["head"],
                                                              post_code="handler")
    events = audit_count(town_a)

    response = signed_in(town_a, people["head"]).post(
        f"/approvals/tasks/{leader_task.pk}/", {"decision": "approve"})

    page = response.content.decode()
    assert response.status_code == 403, page[:2000]
    assert 'data-error="sod_conflict"' in page
    assert "不相容岗位分离" in page
    assert audit_count(town_a) == events


def test_a_delegate_sees_the_buttons_and_signs_in_the_assignees_name(town_a, people, application):
    task = task_of(town_a, application, people["head"])
    with schema_context(town_a.schema_name):
        task_delegate(actor=people["head"], task_id=task.pk,
                      to_username=people["bystander"].username,
                      until=timezone.now() + timedelta(days=1))
    client = signed_in(town_a, people["bystander"])

    todos = client.get("/approvals/tasks/").content.decode()
    form = client.get(f"/approvals/tasks/{task.pk}/").content.decode()
    client.post(f"/approvals/tasks/{task.pk}/", {"decision": "approve", "comment": "代签"})
    page = signed_in(town_a, people["applicant"]).get(
        f"/approvals/{application.approval_id}/").content.decode()

    assert f'href="/approvals/tasks/{task.pk}/"' in todos
    assert 'name="decision" value="approve"' in form
    assert ('<span class="sig-name">路人甲</span><span class="sig-behalf">（代 李部长）</span>'
            in page)


def test_an_unknown_decision_is_a_plain_400(town_a, people, application):
    task = task_of(town_a, application, people["head"])

    response = signed_in(town_a, people["head"]).post(f"/approvals/tasks/{task.pk}/",
                                                      {"decision": "maybe"})

    assert response.status_code == 400
    assert "请点“同意”、“退回”或“驳回”中的一个按钮。" in response.content.decode()
    assert task_of(town_a, application, people["head"]).status == TaskStatus.PENDING


def test_the_applicant_sees_the_task_read_only(town_a, people, application):
    task = task_of(town_a, application, people["head"])
    client = signed_in(town_a, people["applicant"])

    response = client.get(f"/approvals/tasks/{task.pk}/")
    refused = client.post(f"/approvals/tasks/{task.pk}/", {"decision": "approve"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "用印申请单" in page
    assert 'name="decision"' not in page
    assert "这是他人的待办，您只能查看。" in page
    assert refused.status_code == 404
    assert "您不能办理这项待办" in refused.content.decode()
    assert task_of(town_a, application, people["head"]).status == TaskStatus.PENDING


def test_a_fellow_assignee_sees_the_others_task_read_only(town_a, people, application):
    theirs = task_of(town_a, application, people["head"])

    page = signed_in(town_a, people["head_2"]).get(
        f"/approvals/tasks/{theirs.pk}/").content.decode()

    assert "用印申请单" in page
    assert 'name="decision"' not in page


@pytest.mark.parametrize("path", [
    "/approvals/tasks/{task}/", "/approvals/{approval}/", "/approvals/{approval}/print/",
])
def test_staff_not_involved_get_404_for_every_page_of_it(town_a, people, application, path):
    task = task_of(town_a, application, people["head"])
    client = signed_in(town_a, people["bystander"])
    url = path.format(task=task.pk, approval=application.approval_id)

    response = client.get(url)
    posted = client.post(url, {"decision": "approve"})

    assert response.status_code == 404
    assert "未找到（404）" in response.content.decode()
    assert posted.status_code in (404, 405)
    assert task_of(town_a, application, people["head"]).status == TaskStatus.PENDING


def test_an_inspector_reads_the_task_but_cannot_decide(town_a, county, people, application):
    from tenants.inspectors import inspector_grant_create

    task = task_of(town_a, application, people["head"])
    county_admin = staff_make(county, posts=("county_admin",)).user
    inspector = user_make()
    with schema_context(county.schema_name):
        inspector_grant_create(
            actor=county_admin, county=county, username=inspector.username,
            tenant_slugs=["town-a"], valid_from=timezone.localdate(),
            valid_to=timezone.localdate() + timedelta(days=30), reason="专项检查",
        )
    client = signed_in(town_a, inspector)

    page = client.get(f"/approvals/tasks/{task.pk}/").content.decode()
    refused = client.post(f"/approvals/tasks/{task.pk}/", {"decision": "approve"})

    assert "用印申请单" in page
    assert 'name="decision"' not in page
    assert refused.status_code == 403
    assert task_of(town_a, application, people["head"]).status == TaskStatus.PENDING


def test_a_missing_task_is_404_not_500(town_a, people):
    response = signed_in(town_a, people["head"]).get("/approvals/tasks/987654/")

    assert response.status_code == 404


# --- printing and the phone layout --------------------------------------------------------------


def test_the_printable_form_is_an_a4_sheet_with_the_signature_boxes(town_a, people, application):
    head_task = task_of(town_a, application, people["head"])
    signed_in(town_a, people["head"]).post(f"/approvals/tasks/{head_task.pk}/",
                                           {"decision": "approve", "comment": "同意"})

    response = signed_in(town_a, people["applicant"]).get(
        f"/approvals/{application.approval_id}/print/")

    page = response.content.decode()
    css = Path(finders.find("css/print.css")).read_text(encoding="utf-8")
    assert response.status_code == 200
    assert VIEWPORT in page
    assert '<body class="print-page">' in page
    assert "/static/css/print.css" in page
    assert "用印申请单" in page
    assert page.count('class="box ') == 3
    assert '<span class="sig-name">李部长</span>' in page
    assert "打印时间：" in page
    assert "@page { size: A4;" in css
    assert "@media print" in css


def test_the_stylesheet_has_phone_and_print_rules(town_a):
    css = Path(finders.find("css/neikong.css")).read_text(encoding="utf-8")
    phone = css[css.index("@media (max-width: 600px)"):]

    assert ".paper-fields, .boxes { grid-template-columns: 1fr; }" in phone
    assert "@media print" in css
    assert "min-height: 56px" in css  # the big buttons


def test_htmx_is_served_from_our_own_static_files(town_a, people):
    page = signed_in(town_a, people["head"]).get("/").content.decode()

    assert '<script src="/static/js/htmx.min.js" defer></script>' in page
    assert '<body hx-boost="true">' in page
    assert Path(finders.find("js/htmx.min.js")).stat().st_size > 10_000
    assert settings.STATIC_URL == "/static/"


def test_the_notifications_page_answers(town_a, people):
    page = signed_in(town_a, people["head"]).get("/notifications/").content.decode()

    assert "<h1>通知</h1>" in page
