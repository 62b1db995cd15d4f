"""The spending-request pages: a new request by taps on indicator cards showing the available
balance, the draft with 提交审批, a budget refusal shown next to the indicator with nothing
changed, 审批中 after a good submit, 撤回, my requests, 404 for others; the cashier's 待支付
list and 确认支付 (partial payments, refusals next to the amount, nothing changed)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask
from apps.approvals.services import process_define
from apps.attachments.models import Attachment
from apps.budget.models import BudgetIndicator
from apps.controls.services import alert_raise
from apps.expenditure import views
from apps.expenditure.models import Payment, RequestStatus, SpendingRequest
from apps.expenditure.services import (
    payment_create,
    request_attach,
    request_create,
    request_submit,
)
from permissions.models import StaffMember
from tests.apps.budget.helpers import indicator_make, ledger_matches_counters
from tests.apps.controls.rules.helpers import (
    approve_all,
    office_make,
    request_approved,
    request_paid,
)
from tests.apps.expenditure.helpers import PDF, PNG, TEXT, received
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
def indicator(town_a, people) -> BudgetIndicator:
    """A line of the applicant's department: the form offers the lines the applicant sees."""
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批", steps=[
            {"name": "会计审核", "post_code": "accountant", "mode": "any"},
        ])
        line = indicator_make(amount="1000.00", subject="30201",
                              year=timezone.localdate().year)
        StaffMember.objects.filter(user=people["applicant"]).update(
            department=line.department)  # no service moves staff between departments yet
        return line


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


def test_the_new_form_offers_no_line_of_another_department(town_a, people, indicator):
    with schema_context(town_a.schema_name):
        other = indicator_make(amount="5000.00", subject="30201",
                               year=timezone.localdate().year)

    page = signed_in(town_a, people["applicant"]).get("/spending/new/").content.decode()

    assert f'name="indicator_id" value="{indicator.pk}"' in page
    assert f'name="indicator_id" value="{other.pk}"' not in page


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


# --- payee, correcting a draft -----------------------------------------------------------------


def test_the_payee_is_entered_on_the_form_and_shown_on_the_paper(town_a, people, indicator):
    client = signed_in(town_a, people["applicant"])

    response = client.post("/spending/new/", {
        "indicator_id": indicator.pk, "amount": "250.50", "purpose": "购买办公用纸",
        "payee_name": "城关文具店", "payee_account": "6222 0000 1111"})
    page = client.get(response["Location"]).content.decode()

    [spending] = requests_of(town_a, people["applicant"])
    assert (spending.payee_name, spending.payee_account) == ("城关文具店", "6222 0000 1111")
    assert '<span class="pf-value" data-field="payee_name">城关文具店</span>' in page
    assert '<span class="pf-value" data-field="payee_account">6222 0000 1111</span>' in page


def test_a_payee_account_with_letters_is_refused_next_to_the_field(town_a, people, indicator):
    response = signed_in(town_a, people["applicant"]).post("/spending/new/", {
        "indicator_id": indicator.pk, "amount": "250.50", "purpose": "购买办公用纸",
        "payee_account": "账号abc"})

    page = response.content.decode()
    assert response.status_code == 400
    assert page.index('id="id_payee_account"') < page.index(
        "收款账号只能填数字（可以有空格或短横线）。")
    assert requests_of(town_a, people["applicant"]) == []


def test_the_edit_page_is_the_same_form_filled_with_the_draft(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])

    detail = client.get(f"/spending/{spending.pk}/").content.decode()
    response = client.get(f"/spending/{spending.pk}/edit/")

    page = response.content.decode()
    assert f'href="/spending/{spending.pk}/edit/">修改</a>' in detail
    assert response.status_code == 200
    assert "<h1>修改支出申请</h1>" in page
    assert f'<input type="radio" name="indicator_id" value="{indicator.pk}" checked>' in page
    assert 'value="300.00"' in page
    assert ">购买办公用纸</textarea>" in page


def test_saving_the_edit_form_corrects_the_draft(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator, amount="1500.00")
    client = signed_in(town_a, people["applicant"])

    response = client.post(f"/spending/{spending.pk}/edit/", {
        "indicator_id": indicator.pk, "amount": "900.00", "purpose": "购买办公用纸和墨盒",
        "payee_name": "城关文具店"})
    page = client.get(response["Location"]).content.decode()

    [saved] = requests_of(town_a, people["applicant"])
    assert response.status_code == 302
    assert (saved.pk, saved.amount, saved.purpose, saved.payee_name) == (
        spending.pk, Decimal("900.00"), "购买办公用纸和墨盒", "城关文具店")
    assert "已保存修改" in page
    assert '<span class="pf-value" data-field="amount">¥900.00</span>' in page


def test_after_an_over_budget_refusal_the_page_links_to_the_correction(
        town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator, amount="1500.00")

    page = signed_in(town_a, people["applicant"]).post(
        f"/spending/{spending.pk}/submit/").content.decode()

    assert page.index('data-refusal="over_budget"') < page.index(
        f'<a href="/spending/{spending.pk}/edit/">修改金额或指标</a>') < page.index(
        'data-field="subject"')


def test_a_submitted_request_cannot_be_edited_and_others_get_404(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])
    other = signed_in(town_a, people["accountant"])
    by_other = other.post(f"/spending/{spending.pk}/edit/", {
        "indicator_id": indicator.pk, "amount": "1.00", "purpose": "改掉"})
    client.post(f"/spending/{spending.pk}/submit/")

    shown = client.get(f"/spending/{spending.pk}/edit/")
    posted = client.post(f"/spending/{spending.pk}/edit/", {
        "indicator_id": indicator.pk, "amount": "1.00", "purpose": "改掉"})
    detail = client.get(f"/spending/{spending.pk}/").content.decode()

    assert by_other.status_code == 404
    assert (shown.status_code, posted.status_code) == (409, 409)
    assert "申请已提交，不能再修改。需要修改请先撤回。" in posted.content.decode()
    assert f'href="/spending/{spending.pk}/edit/"' not in detail
    [saved] = requests_of(town_a, people["applicant"])
    assert (saved.amount, saved.purpose) == (Decimal("300.00"), "购买办公用纸")


# --- invoices and other attachments (报销) -----------------------------------------------------


def upload(client, spending, data: bytes, name: str, kind: str = "invoice"):
    return client.post(f"/spending/{spending.pk}/attachments/",
                       {"file": SimpleUploadedFile(name, data), "kind": kind})


def attachments_of(tenant, spending) -> list[tuple]:
    with schema_context(tenant.schema_name):
        return list(Attachment.objects.filter(object_type="spending_request",
                                              object_id=str(spending.pk))
                    .order_by("id").values_list("original_name", "kind", "content_type",
                                                "locked"))


def test_invoices_are_uploaded_to_a_draft_and_listed_on_its_paper(
        town_a, people, indicator, media_root):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])

    first = upload(client, spending, PDF, "发票1.pdf")
    second = upload(client, spending, PNG, "会议纪要.png", kind="minutes")
    page = client.get(f"/spending/{spending.pk}/").content.decode()

    assert (first.status_code, second.status_code) == (302, 302)
    assert attachments_of(town_a, spending) == [
        ("发票1.pdf", "invoice", "application/pdf", False),
        ("会议纪要.png", "minutes", "image/png", False)]
    assert '<span class="attachment-kind">发票</span>' in page
    assert ">发票1.pdf</a>" in page
    assert page.count("删除</button>") == 2


def test_a_text_file_named_pdf_is_refused_in_chinese_and_not_kept(
        town_a, people, indicator, media_root):
    spending = draft(town_a, people["applicant"], indicator)

    response = upload(signed_in(town_a, people["applicant"]), spending, TEXT, "发票.pdf")

    page = response.content.decode()
    assert response.status_code == 415
    assert 'data-upload-error="unsupported_type"' in page
    assert "只能上传 PDF、OFD、PNG、JPEG 图片或 Word、Excel（docx/xlsx）文件。" in page
    assert attachments_of(town_a, spending) == []


def test_a_file_over_the_limit_is_refused_in_chinese(
        town_a, people, indicator, media_root, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    spending = draft(town_a, people["applicant"], indicator)

    response = upload(signed_in(town_a, people["applicant"]), spending,
                      PDF + b"0" * 2048, "发票.pdf")

    assert response.status_code == 413
    assert "文件不能超过 1 MB。" in response.content.decode()
    assert attachments_of(town_a, spending) == []


def test_after_submission_invoices_are_locked_and_cannot_be_removed(
        town_a, people, indicator, media_root):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])
    upload(client, spending, PDF, "发票1.pdf")
    client.post(f"/spending/{spending.pk}/submit/")
    with schema_context(town_a.schema_name):
        invoice = Attachment.objects.get(object_id=str(spending.pk))

    removed = client.post(f"/spending/{spending.pk}/attachments/{invoice.pk}/delete/")
    added = upload(client, spending, PNG, "补充.png")
    page = client.get(f"/spending/{spending.pk}/").content.decode()

    assert removed.status_code == 409
    assert "单据已提交，附件不能再删除或替换。" in removed.content.decode()
    assert added.status_code == 409
    assert "申请已提交，不能再增加附件。" in added.content.decode()
    assert attachments_of(town_a, spending) == [
        ("发票1.pdf", "invoice", "application/pdf", True)]
    assert "已锁定" in page
    assert "删除</button>" not in page
    assert "上传</button>" not in page


def test_an_invoice_of_a_draft_is_deleted_but_not_by_someone_else(
        town_a, people, indicator, media_root):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])
    upload(client, spending, PDF, "发票1.pdf")
    with schema_context(town_a.schema_name):
        invoice = Attachment.objects.get(object_id=str(spending.pk))

    by_other = signed_in(town_a, people["bystander"]).post(
        f"/spending/{spending.pk}/attachments/{invoice.pk}/delete/")
    kept = attachments_of(town_a, spending)
    by_applicant = client.post(f"/spending/{spending.pk}/attachments/{invoice.pk}/delete/")

    assert by_other.status_code == 404
    assert len(kept) == 1
    assert by_applicant.status_code == 302
    assert attachments_of(town_a, spending) == []


def test_nobody_else_uploads_to_a_request(town_a, people, indicator, media_root):
    spending = draft(town_a, people["applicant"], indicator)

    by_bystander = upload(signed_in(town_a, people["bystander"]), spending, PDF, "x.pdf")
    by_accountant = upload(signed_in(town_a, people["accountant"]), spending, PDF, "x.pdf")

    assert (by_bystander.status_code, by_accountant.status_code) == (404, 404)
    assert attachments_of(town_a, spending) == []


# --- the approver's task page ------------------------------------------------------------------


def test_the_approver_sees_the_request_as_its_paper_form_with_the_invoices(
        town_a, people, indicator, media_root):
    spending = draft(town_a, people["applicant"], indicator)
    client = signed_in(town_a, people["applicant"])
    client.post(f"/spending/{spending.pk}/edit/", {
        "indicator_id": indicator.pk, "amount": "300.00", "purpose": "购买办公用纸",
        "payee_name": "城关文具店", "payee_account": "6222 0000 1111"})
    upload(client, spending, PDF, "发票1.pdf")
    client.post(f"/spending/{spending.pk}/submit/")
    with schema_context(town_a.schema_name):
        task = ApprovalTask.objects.get(assignee=people["accountant"])
    approver = signed_in(town_a, people["accountant"])

    todos = approver.get("/approvals/tasks/").content.decode()
    page = approver.get(f"/approvals/tasks/{task.pk}/").content.decode()

    assert "购买办公用纸 ¥300.00" in todos
    assert '<h2 class="paper-title">支出申请单</h2>' in page
    assert '<span class="pf-value" data-field="amount">¥300.00</span>' in page
    assert "30201" in page.split('data-field="indicator"')[1].split("</div>")[0]
    assert '<span class="pf-value" data-field="payee_name">城关文具店</span>' in page
    assert '<span class="pf-value" data-field="purpose">购买办公用纸</span>' in page
    assert ">发票1.pdf</a>" in page
    assert "同意</button>" in page


def test_the_rules_notices_on_the_request_are_shown_above_its_paper(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)
    with schema_context(town_a.schema_name):
        alert_raise(rule="payee_split", severity="warn",
                    message="同一收款人 7 日内 3 笔支出，疑似拆分。",
                    dedupe_key=f"test:{spending.pk}", object_type="spending_request",
                    object_id=spending.pk)

    page = signed_in(town_a, people["applicant"]).get(
        f"/spending/{spending.pk}/").content.decode()

    assert '<li class="doc-notice alert-warn" data-notice="payee_split">' in page
    assert '<span class="sev sev-warn">预警</span>' in page
    assert "同一收款人 7 日内 3 笔支出，疑似拆分。" in page
    assert '<span class="status status-open">待处理</span>' in page
    assert page.index("风险提示") < page.index('<h2 class="paper-title">支出申请单</h2>')


def test_a_request_without_notices_shows_no_notice_section(town_a, people, indicator):
    spending = draft(town_a, people["applicant"], indicator)

    page = signed_in(town_a, people["applicant"]).get(
        f"/spending/{spending.pk}/").content.decode()

    assert "风险提示" not in page


# --- the cashier pays (出纳支付) ---------------------------------------------------------------


@pytest.fixture
def office(town_a):
    """(people by post — handler, accountant, leader, principal, cashier, budget_officer — and
    a ¥1,000,000 line) with the spending process: the accountant reviews below ¥5,000."""
    return office_make(town_a)


def approved(tenant, office, amount="800.00", **fields) -> SpendingRequest:
    people, line = office
    with schema_context(tenant.schema_name):
        return request_approved(people, line, amount, **fields)


def state_of(tenant, spending) -> tuple:
    """The request's status, paid amount and number of payments, and its line's executed."""
    with schema_context(tenant.schema_name):
        saved = SpendingRequest.objects.get(pk=spending.pk)
        return (saved.status, saved.paid_amount, Payment.objects.filter(request=saved).count(),
                BudgetIndicator.objects.get(pk=saved.indicator_id).executed)


def ledger_holds(tenant) -> bool:
    with schema_context(tenant.schema_name):
        return ledger_matches_counters()


def row_of(page: str, spending) -> str:
    return page.split(f'<tr data-request="{spending.pk}">')[1].split("</tr>")[0]


UNPAID = (RequestStatus.APPROVED, Decimal("0.00"), 0, Decimal("0.00"))


def test_the_cashier_lists_the_requests_awaiting_payment(town_a, office):
    people, line = office
    waiting = approved(town_a, office, "800.00", payee_name="城关文具店")
    part = approved(town_a, office, "1000.00", purpose="修理打印机")
    with schema_context(town_a.schema_name):
        payment_create(actor=people["cashier"], request_id=part.pk, amount="400.00")
        request_paid(people, line, "50.00", purpose="已经付清的申请")
        request_create(actor=people["handler"], amount="70.00", purpose="还是草稿的申请",
                       indicator_id=line.pk)

    response = signed_in(town_a, people["cashier"]).get("/spending/payments/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>待支付</h1>" in page
    assert '<a href="/spending/payments/" class="current" data-nav="payments">待支付</a>' in page
    assert f'<a href="/spending/{waiting.pk}/#pay">#{waiting.pk} 购买办公用品</a>' in page
    assert '<td data-field="amount">¥800.00</td>' in row_of(page, waiting)
    assert '<td data-field="paid_amount">¥0.00</td>' in row_of(page, waiting)
    assert '<td data-field="unpaid">¥800.00</td>' in row_of(page, waiting)
    assert '<td data-field="payee_name">城关文具店</td>' in row_of(page, waiting)
    assert f'<td data-field="applicant">{people["handler"].display_name}</td>' in row_of(
        page, waiting)
    assert '<td data-field="paid_amount">¥400.00</td>' in row_of(page, part)
    assert '<td data-field="unpaid">¥600.00</td>' in row_of(page, part)
    assert "部分支付" in row_of(page, part)
    assert page.index(f'data-request="{waiting.pk}"') < page.index(f'data-request="{part.pk}"')
    assert "已经付清的申请" not in page
    assert "还是草稿的申请" not in page


def test_the_payments_list_is_paged(town_a, office, monkeypatch):
    monkeypatch.setattr(views, "PAYMENTS_PAGE", 1)
    first = approved(town_a, office, "800.00")
    second = approved(town_a, office, "900.00", purpose="第二笔申请")
    client = signed_in(town_a, office[0]["cashier"])

    one = client.get("/spending/payments/").content.decode()
    two = client.get("/spending/payments/?page=2").content.decode()

    assert f'data-request="{first.pk}"' in one
    assert f'data-request="{second.pk}"' not in one
    assert "第 1 / 2 页" in one
    assert 'href="?page=2"' in one
    assert f'data-request="{second.pk}"' in two


def test_only_cashiers_have_the_payments_link(town_a, office):
    people, _ = office

    by_cashier = signed_in(town_a, people["cashier"]).get("/spending/").content.decode()
    by_accountant = signed_in(town_a, people["accountant"]).get("/spending/").content.decode()

    assert 'href="/spending/payments/"' in by_cashier
    assert 'href="/spending/payments/"' not in by_accountant


def test_the_cashier_pays_part_then_the_rest(town_a, office):
    spending = approved(town_a, office, "800.00")
    client = signed_in(town_a, office[0]["cashier"])

    form = client.get(f"/spending/{spending.pk}/").content.decode()
    first = client.post(f"/spending/{spending.pk}/pay/", {"amount": "300.00",
                                                          "method": "transfer"})
    after_first = state_of(town_a, spending)
    page = client.get(f"/spending/{spending.pk}/").content.decode()
    second = client.post(f"/spending/{spending.pk}/pay/", {"amount": "500.00",
                                                           "method": "official_card"})
    done = client.get(f"/spending/{spending.pk}/").content.decode()

    assert f'action="/spending/{spending.pk}/pay/"' in form
    assert '<input id="id_pay_amount" name="amount" inputmode="decimal" value="800.00">' in form
    assert '<input type="radio" name="method" value="transfer" checked>' in form
    assert '<input type="radio" name="method" value="cash">' in form
    assert "确认支付</button>" in form
    assert (first.status_code, first["Location"]) == (302, f"/spending/{spending.pk}/")
    assert after_first == (RequestStatus.PARTLY_PAID, Decimal("300.00"), 1, Decimal("300.00"))
    assert "已支付 ¥300.00（转账）。" in page
    assert '<b data-unpaid>¥500.00</b>' in page
    assert 'name="amount" inputmode="decimal" value="500.00"' in page
    assert second.status_code == 302
    assert state_of(town_a, spending) == (
        RequestStatus.PAID, Decimal("800.00"), 2, Decimal("800.00"))
    assert "已支付 ¥500.00（公务卡）。" in done
    assert 'data-status="paid">已支付</span>' in done
    assert "确认支付</button>" not in done
    assert ledger_holds(town_a)


def test_paying_more_than_is_unpaid_is_refused_next_to_the_amount_and_changes_nothing(
        town_a, office):
    spending = approved(town_a, office, "800.00")

    response = signed_in(town_a, office[0]["cashier"]).post(
        f"/spending/{spending.pk}/pay/", {"amount": "800.01", "method": "transfer"})

    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-pay-refusal="over_approved"' in page
    assert "支付金额超过已批准未支付的金额。（未支付 ¥800.00）" in page
    assert page.index('id="id_pay_amount"') < page.index("支付金额超过已批准未支付的金额") \
        < page.index("确认支付</button>")
    assert 'name="amount" inputmode="decimal" value="800.01"' in page
    assert state_of(town_a, spending) == UNPAID
    assert ledger_holds(town_a)


@pytest.mark.parametrize(("amount", "method", "message"), [
    ("abc", "transfer", "支付金额请填数字，例如 1200.50。"),
    ("-1", "transfer", "支付金额要大于 0。"),
    ("1.234", "transfer", "支付金额最多两位小数（到分）。"),
    ("", "transfer", "请填写支付金额。"),
    ("100.00", "bitcoin", "请选择支付方式。"),
])
def test_bad_input_is_400_with_a_message_and_pays_nothing(town_a, office, amount, method,
                                                         message):
    spending = approved(town_a, office, "800.00")

    response = signed_in(town_a, office[0]["cashier"]).post(
        f"/spending/{spending.pk}/pay/", {"amount": amount, "method": method})

    page = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="field-error" role="alert">{message}</p>' in page
    assert page.index('id="id_pay_amount"') < page.index(message)
    assert state_of(town_a, spending) == UNPAID


def test_others_get_no_payment_form_and_their_payments_are_refused(town_a, office):
    people, _ = office
    spending = approved(town_a, office, "800.00")
    stranger = staff_make(town_a, posts=("handler",)).user
    accountant = signed_in(town_a, people["accountant"])
    valid = {"amount": "800.00", "method": "transfer"}

    page = accountant.get(f"/spending/{spending.pk}/").content.decode()
    by_accountant = accountant.post(f"/spending/{spending.pk}/pay/", valid)
    by_applicant = signed_in(town_a, people["handler"]).post(
        f"/spending/{spending.pk}/pay/", valid)
    by_stranger = signed_in(town_a, stranger).post(f"/spending/{spending.pk}/pay/", valid)
    listed = accountant.get("/spending/payments/").content.decode()

    assert "确认支付</button>" not in page
    assert (by_accountant.status_code, by_applicant.status_code, by_stranger.status_code) == (
        403, 403, 404)
    assert '<div class="error" role="alert" data-error="permission_denied">只有出纳可以办理支付。' \
        in by_accountant.content.decode()
    assert "确认支付</button>" not in by_accountant.content.decode()
    assert state_of(town_a, spending) == UNPAID
    assert f'data-request="{spending.pk}"' in listed  # the finance office reads the list


def test_a_cashier_cannot_pay_their_own_request_and_is_told_why_next_to_the_amount(
        town_a, office):
    people, line = office
    with schema_context(town_a.schema_name):
        own = request_approved({**people, "handler": people["cashier"]}, line, "800.00")

    response = signed_in(town_a, people["cashier"]).post(
        f"/spending/{own.pk}/pay/", {"amount": "800.00", "method": "transfer"})

    page = response.content.decode()
    assert response.status_code == 403
    assert 'data-pay-refusal="self_approval"' in page
    assert "这是您本人提交的申请，按规定不能由您本人支付，请由其他出纳办理。" in page
    assert page.index('id="id_pay_amount"') < page.index("这是您本人提交的申请")
    assert state_of(town_a, own) == UNPAID


def test_bad_input_from_a_non_cashier_is_400_with_its_message_in_the_error_box(town_a, office):
    spending = approved(town_a, office, "800.00")

    response = signed_in(town_a, office[0]["accountant"]).post(
        f"/spending/{spending.pk}/pay/", {"amount": "abc", "method": "transfer"})

    assert response.status_code == 400
    assert '<div class="error" role="alert" data-error="invalid">支付金额请填数字，例如 1200.50。' \
        in response.content.decode()
    assert state_of(town_a, spending) == UNPAID


def test_a_request_not_yet_approved_cannot_be_paid(town_a, office):
    people, line = office
    with schema_context(town_a.schema_name):
        spending = request_create(actor=people["handler"], amount="800.00",
                                  purpose="购买办公用品", indicator_id=line.pk)
    client = signed_in(town_a, people["cashier"])

    page = client.get(f"/spending/{spending.pk}/").content.decode()
    response = client.post(f"/spending/{spending.pk}/pay/", {"amount": "800.00",
                                                             "method": "transfer"})

    assert "确认支付</button>" not in page
    assert response.status_code == 409
    assert "申请尚未批准，不能支付。" in response.content.decode()
    assert state_of(town_a, spending) == (RequestStatus.DRAFT, Decimal("0.00"), 0,
                                          Decimal("0.00"))


def test_paying_a_missing_request_is_404_not_500(town_a, office):
    response = signed_in(town_a, office[0]["cashier"]).post(
        "/spending/987654/pay/", {"amount": "1.00", "method": "transfer"})

    assert response.status_code == 404


def test_the_cashier_reads_the_invoices_of_the_request_to_pay(town_a, office, media_root):
    people, line = office
    with schema_context(town_a.schema_name):
        spending = request_create(actor=people["handler"], amount="800.00",
                                  purpose="购买办公用品", indicator_id=line.pk)
        invoice = request_attach(actor=people["handler"], request_id=spending.pk,
                                 received=received(PDF, "发票1.pdf"), kind="invoice")
        request_submit(actor=people["handler"], request_id=spending.pk)
        spending.refresh_from_db()
        approve_all(spending.approval_id)
    client = signed_in(town_a, people["cashier"])

    page = client.get(f"/spending/{spending.pk}/").content.decode()
    download = client.get(f"/api/v1/attachments/{invoice.pk}/download/")

    assert f'<a href="/api/v1/attachments/{invoice.pk}/download/" hx-boost="false">发票1.pdf</a>' \
        in page
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
