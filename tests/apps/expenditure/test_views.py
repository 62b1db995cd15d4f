"""The spending-request pages: a new request by taps on indicator cards showing the available
balance, the draft with 提交审批, a budget refusal shown next to the indicator with nothing
changed, 审批中 after a good submit, 撤回, my requests, 404 for others."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.services import process_define
from apps.budget.models import BudgetIndicator
from apps.expenditure.models import RequestStatus, SpendingRequest
from apps.expenditure.services import request_create
from tests.apps.budget.helpers import indicator_make
from tests.conftest import host_of
from tests.factories import staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def people(town_a):
    made = {
        "applicant": staff_make(town_a, posts=("handler",), display_name="孙经办"),
        "accountant": staff_make(town_a, posts=("accountant",), display_name="钱会计"),
        "bystander": staff_make(town_a, display_name="吴路人"),
    }
    return {key: staff.user for key, staff in made.items()}


@pytest.fixture
def indicator(town_a) -> BudgetIndicator:
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批", steps=[
            {"name": "会计审核", "post_code": "accountant", "mode": "any"},
        ])
        return indicator_make(amount="1000.00", subject="30201",
                              year=timezone.localdate().year)


def signed_in(tenant, user) -> Client:
    client = Client(HTTP_HOST=host_of(tenant))
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


def requests_of(tenant, user) -> list[SpendingRequest]:
    with schema_context(tenant.schema_name):
        return list(SpendingRequest.objects.filter(applicant=user).order_by("id"))


def committed_of(tenant, indicator) -> Decimal:
    with schema_context(tenant.schema_name):
        return BudgetIndicator.objects.get(pk=indicator.pk).committed


def draft(tenant, user, indicator, amount="300.00") -> SpendingRequest:
    with schema_context(tenant.schema_name):
        return request_create(actor=user, amount=amount, purpose="购买办公用纸",
                              indicator_id=indicator.pk)


def test_the_new_form_shows_each_indicator_as_a_card_with_its_available_balance(
        town_a, people, indicator):
    response = signed_in(town_a, people["applicant"]).get("/spending/new/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>新建支出申请</h1>" in page
    assert f'<input type="radio" name="indicator_id" value="{indicator.pk}">' in page
    assert "30201" in page
    assert f'<b data-available="{indicator.pk}">¥1000.00</b>' in page
    assert 'name="major_matter"' in page


def test_saving_the_form_makes_a_draft_to_check_then_submit(town_a, people, indicator):
    client = signed_in(town_a, people["applicant"])

    response = client.post("/spending/new/", {"indicator_id": indicator.pk, "amount": "250.50",
                                              "purpose": "购买办公用纸", "major_matter": "on"})
    [spending] = requests_of(town_a, people["applicant"])
    page = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert response["Location"] == f"/spending/{spending.pk}/"
    assert (spending.amount, spending.indicator_id, spending.major_matter) == (
        Decimal("250.50"), indicator.pk, True)
    assert spending.status == RequestStatus.DRAFT
    assert "草稿已保存" in page
    assert '<h2 class="paper-title">支出申请单</h2>' in page
    assert '<span class="pf-value" data-field="amount">¥250.50</span>' in page
    assert '<span class="pf-value" data-field="applicant">孙经办</span>' in page
    assert "提交审批</button>" in page


def test_a_form_with_mistakes_says_what_to_fix_and_saves_nothing(town_a, people, indicator):
    response = signed_in(town_a, people["applicant"]).post(
        "/spending/new/", {"amount": "0", "purpose": ""})

    page = response.content.decode()
    assert response.status_code == 400
    assert "请选择预算指标。" in page
    assert "金额要大于 0。" in page
    assert "请填写支出事由。" in page
    assert requests_of(town_a, people["applicant"]) == []


def test_submitting_over_budget_is_refused_next_to_the_indicator_and_changes_nothing(
        town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator, amount="1500.00")

    response = signed_in(town_a, people["applicant"]).post(f"/spending/{spending.pk}/submit/")

    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-refusal="over_budget"' in page
    assert "申请金额超过预算指标可用余额（超预算不支出）。（可用余额 ¥1000.00）" in page
    assert page.index('data-field="indicator"') < page.index('data-refusal="over_budget"') \
        < page.index('data-field="subject"')
    assert "提交审批</button>" in page
    assert requests_of(town_a, people["applicant"])[0].status == RequestStatus.DRAFT
    assert committed_of(town_a, indicator) == Decimal("0.00")


def test_a_good_submit_shows_in_approval_and_offers_withdrawal(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])

    response = client.post(f"/spending/{spending.pk}/submit/")
    page = client.get(f"/spending/{spending.pk}/").content.decode()

    assert response.status_code == 302
    assert requests_of(town_a, people["applicant"])[0].status == RequestStatus.IN_APPROVAL
    assert committed_of(town_a, indicator) == Decimal("300.00")
    assert "已提交审批" in page
    assert 'data-status="in_approval">审批中</span>' in page
    assert '<span class="box-step">会计审核</span>' in page
    assert "撤回</button>" in page
    assert "提交审批</button>" not in page


def test_withdrawing_releases_the_budget(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])
    client.post(f"/spending/{spending.pk}/submit/")

    response = client.post(f"/spending/{spending.pk}/withdraw/")
    page = client.get(f"/spending/{spending.pk}/").content.decode()

    assert response.status_code == 302
    assert requests_of(town_a, people["applicant"])[0].status == RequestStatus.WITHDRAWN
    assert committed_of(town_a, indicator) == Decimal("0.00")
    assert "已撤回" in page
    assert "撤回</button>" not in page


def test_my_requests_lists_mine_with_their_status_and_not_others(town_a, people, indicator):
    mine = draft(town_a, people["applicant"], indicator)
    with schema_context(town_a.schema_name):
        request_create(actor=people["bystander"], amount="10.00", purpose="别人的申请",
                       indicator_id=indicator.pk)

    page = signed_in(town_a, people["applicant"]).get("/spending/").content.decode()

    assert "<h1>我的支出申请</h1>" in page
    assert f'href="/spending/{mine.pk}/"' in page
    assert "购买办公用纸" in page
    assert '<span class="status status-draft">草稿</span>' in page
    assert "别人的申请" not in page


def test_others_get_404_and_cannot_submit_or_withdraw(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["bystander"])

    seen = client.get(f"/spending/{spending.pk}/")
    submitted = client.post(f"/spending/{spending.pk}/submit/")
    withdrawn = client.post(f"/spending/{spending.pk}/withdraw/")

    assert (seen.status_code, submitted.status_code, withdrawn.status_code) == (404, 404, 404)
    assert requests_of(town_a, people["applicant"])[0].status == RequestStatus.DRAFT
    assert committed_of(town_a, indicator) == Decimal("0.00")


def test_the_accountant_may_open_it_read_only(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)
    signed_in(town_a, people["applicant"]).post(f"/spending/{spending.pk}/submit/")

    response = signed_in(town_a, people["accountant"]).get(f"/spending/{spending.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "支出申请单" in page
    assert "撤回</button>" not in page
    assert "提交审批</button>" not in page


@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_an_action_on_a_missing_request_is_404_not_500(town_a, people, action):
    response = signed_in(town_a, people["applicant"]).post(f"/spending/987654/{action}/")

    assert response.status_code == 404
