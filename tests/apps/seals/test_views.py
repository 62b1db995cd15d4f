"""The seal-use pages: a new application by taps, the draft with 提交审批, my applications with
their status, 撤回 while nobody has decided, the paper form, 404 for others."""

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask
from apps.approvals.services import process_define
from apps.seals.models import SealApplication, SealStatus
from apps.seals.services import seal_application_create
from tests.conftest import host_of
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
FORM = {"seal_kind": "finance", "document_title": "2026年度决算报表", "purpose": "报送县财政局",
        "copies": "3"}


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def people(town_a):
    made = {
        "applicant": staff_make(town_a, posts=("handler",), display_name="孙经办"),
        "head": staff_make(town_a, posts=("dept_head",), display_name="周部长"),
        "bystander": staff_make(town_a, display_name="吴路人"),
    }
    return {key: staff.user for key, staff in made.items()}


@pytest.fixture
def process(town_a):
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=[
            {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
        ])


def signed_in(tenant, user) -> Client:
    client = Client(HTTP_HOST=host_of(tenant))
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


def applications_of(tenant, user) -> list[SealApplication]:
    with schema_context(tenant.schema_name):
        return list(SealApplication.objects.filter(applicant=user).order_by("id"))


def draft(tenant, user) -> SealApplication:
    with schema_context(tenant.schema_name):
        return seal_application_create(actor=user, seal_kind="official",
                                       document_title="关于召开村民代表大会的通知",
                                       purpose="张贴公告")


def test_the_new_form_offers_every_seal_as_a_big_choice_and_a_copies_stepper(town_a, people):
    response = signed_in(town_a, people["applicant"]).get("/seals/new/")

    page = response.content.decode()
    assert response.status_code == 200
    assert VIEWPORT in page
    assert "<h1>新建用印申请</h1>" in page
    for value, label in (("official", "单位公章"), ("finance", "财务专用章"),
                         ("contract", "合同专用章"), ("legal_rep", "法定代表人章")):
        assert (f'<label class="choice"><input type="radio" name="seal_kind" value="{value}">'
                f'<span>{label}</span></label>') in page
    assert 'data-stepper' in page
    assert 'data-step="1" aria-label="增加一份"' in page
    assert 'name="copies" type="number" min="1"' in page


def test_saving_the_form_makes_a_draft_to_check_then_submit(town_a, people, process):
    client = signed_in(town_a, people["applicant"])

    response = client.post("/seals/new/", FORM)
    [application] = applications_of(town_a, people["applicant"])
    page = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert response["Location"] == f"/seals/{application.pk}/"
    assert (application.seal_kind, application.copies) == ("finance", 3)
    assert application.status == SealStatus.DRAFT
    assert "草稿已保存" in page
    assert '<h2 class="paper-title">用印申请单</h2>' in page
    assert '<span class="pf-value" data-field="seal">财务专用章</span>' in page
    assert '<span class="pf-value" data-field="copies">3 份</span>' in page
    assert '<span class="pf-value" data-field="applicant">孙经办</span>' in page
    assert "提交审批</button>" in page
    assert "撤回</button>" not in page


def test_a_form_with_mistakes_says_what_to_fix_and_saves_nothing(town_a, people):
    response = signed_in(town_a, people["applicant"]).post(
        "/seals/new/", {"document_title": "", "purpose": "盖章", "copies": "0"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "请选择要使用的印章。" in page
    assert "请填写要盖章的文件名称。" in page
    assert "份数至少为 1。" in page
    assert 'value="盖章"' not in page  # the purpose is a textarea: kept as its text
    assert ">盖章</textarea>" in page
    assert applications_of(town_a, people["applicant"]) == []


def test_submitting_starts_the_approval_and_offers_withdrawal(town_a, people, process):
    application = draft(town_a, people["applicant"])
    client = signed_in(town_a, people["applicant"])

    response = client.post(f"/seals/{application.pk}/submit/")
    page = client.get(f"/seals/{application.pk}/").content.decode()

    assert response.status_code == 302
    assert applications_of(town_a, people["applicant"])[0].status == SealStatus.IN_APPROVAL
    assert "已提交审批" in page
    assert 'data-status="in_approval">审批中</span>' in page
    assert '<p class="box-empty">空白</p>' in page
    assert "撤回</button>" in page
    assert "提交审批</button>" not in page


def test_withdrawing_while_nobody_decided(town_a, people, process):
    application = draft(town_a, people["applicant"])
    client = signed_in(town_a, people["applicant"])
    client.post(f"/seals/{application.pk}/submit/")

    response = client.post(f"/seals/{application.pk}/withdraw/")
    page = client.get(f"/seals/{application.pk}/").content.decode()

    assert response.status_code == 302
    assert applications_of(town_a, people["applicant"])[0].status == SealStatus.WITHDRAWN
    assert "已撤回" in page
    assert "撤回</button>" not in page


def test_no_withdrawal_once_someone_decided(town_a, people, process):
    application = draft(town_a, people["applicant"])
    client = signed_in(town_a, people["applicant"])
    client.post(f"/seals/{application.pk}/submit/")
    with schema_context(town_a.schema_name):
        task = ApprovalTask.objects.get(assignee=people["head"])
    signed_in(town_a, people["head"]).post(f"/approvals/tasks/{task.pk}/",
                                           {"decision": "approve", "comment": "同意"})

    page = client.get(f"/seals/{application.pk}/").content.decode()
    refused = client.post(f"/seals/{application.pk}/withdraw/")

    assert 'data-status="approved">已批准</span>' in page
    assert '<span class="sig-name">周部长</span>' in page
    assert "撤回</button>" not in page
    assert refused.status_code == 409
    assert "已经有人审批了，不能再撤回。" in refused.content.decode()
    assert applications_of(town_a, people["applicant"])[0].status == SealStatus.APPROVED


def test_submitting_twice_is_explained_and_changes_nothing(town_a, people, process):
    application = draft(town_a, people["applicant"])
    client = signed_in(town_a, people["applicant"])
    client.post(f"/seals/{application.pk}/submit/")
    approval_id = applications_of(town_a, people["applicant"])[0].approval_id

    response = client.post(f"/seals/{application.pk}/submit/")

    assert response.status_code == 409
    assert "这份申请现在不能提交" in response.content.decode()
    assert applications_of(town_a, people["applicant"])[0].approval_id == approval_id


def test_my_applications_lists_mine_with_their_status_and_not_others(town_a, people, process):
    mine = draft(town_a, people["applicant"])
    with schema_context(town_a.schema_name):
        seal_application_create(actor=people["bystander"], seal_kind="contract",
                                document_title="别人的合同", purpose="签约")

    page = signed_in(town_a, people["applicant"]).get("/seals/").content.decode()

    assert "<h1>我的用印申请</h1>" in page
    assert f'href="/seals/{mine.pk}/"' in page
    assert "关于召开村民代表大会的通知" in page
    assert '<span class="status status-draft">草稿</span>' in page
    assert "别人的合同" not in page


def test_others_get_404_and_cannot_submit_or_withdraw(town_a, people, process):
    application = draft(town_a, people["applicant"])
    client = signed_in(town_a, people["bystander"])

    seen = client.get(f"/seals/{application.pk}/")
    submitted = client.post(f"/seals/{application.pk}/submit/")
    withdrawn = client.post(f"/seals/{application.pk}/withdraw/")

    assert (seen.status_code, submitted.status_code, withdrawn.status_code) == (404, 404, 404)
    assert applications_of(town_a, people["applicant"])[0].status == SealStatus.DRAFT


def test_an_approver_may_open_the_application_read_only(town_a, people, process):
    application = draft(town_a, people["applicant"])
    signed_in(town_a, people["applicant"]).post(f"/seals/{application.pk}/submit/")

    page = signed_in(town_a, people["head"]).get(f"/seals/{application.pk}/").content.decode()

    assert "用印申请单" in page
    assert "撤回</button>" not in page
    assert "提交审批</button>" not in page


@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_an_action_on_a_missing_application_is_404_not_500(town_a, people, action):
    response = signed_in(town_a, people["applicant"]).post(f"/seals/987654/{action}/")

    assert response.status_code == 404


def test_an_approver_cannot_withdraw_someone_elses_application(town_a, people, process):
    application = draft(town_a, people["applicant"])
    signed_in(town_a, people["applicant"]).post(f"/seals/{application.pk}/submit/")

    response = signed_in(town_a, people["head"]).post(f"/seals/{application.pk}/withdraw/")

    assert response.status_code == 404
    assert applications_of(town_a, people["applicant"])[0].status == SealStatus.IN_APPROVAL
