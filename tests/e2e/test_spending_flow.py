"""In a real browser on a phone: a handler fills the spending request by taps, sees the
indicator's available balance, attaches an invoice, is refused over budget next to the
indicator, corrects the amount and submits; the accountant approves it on its paper form (with
the invoice), the cashier pays, and the handler sees 已支付 and the invoice locked.

The same machinery as test_seal_flow (tests/e2e/helpers.py): Debian's /usr/bin/chromium driven
by Playwright against a real `runserver` on the test database, in a tenant of its own
(committed, dropped after)."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, expect

from apps.approvals.services import process_define
from apps.expenditure.models import RequestStatus, SpendingRequest
from apps.expenditure.services import payment_create
from permissions.services import department_create, post_assign, staff_add
from tenants.models import Tenant, User
from tests.apps.budget.helpers import indicator_make
from tests.apps.expenditure.helpers import PDF
from tests.e2e.helpers import Site, browse, live_site, log_in, menu
from tests.factories import PASSWORD

PEOPLE = (("handler", "孙经办"), ("accountant", "钱会计"), ("cashier", "周出纳"))


def _office(tenant: Tenant, suffix: str) -> dict[str, str]:
    """党政办 with a handler, an accountant and a cashier; ¥1000 of 办公费; one approval step."""
    usernames = {}
    with schema_context(tenant.schema_name):
        office = department_create(actor=None, name="党政办", code="dzb")
        for post, name in PEOPLE:
            usernames[post] = f"e2e-{post}-{suffix}"
            staff = staff_add(actor=None, username=usernames[post], display_name=name,
                              password=PASSWORD, department=office)
            post_assign(actor=None, staff=staff, post_code=post)
        process_define(actor=None, document_type="spending_request", name="支出审批", steps=[
            {"name": "会计审核", "post_code": "accountant", "mode": "any"}])
        indicator_make(amount="1000.00", subject="30201", department=office,
                       year=timezone.localdate().year)
    return usernames


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Site]:
    media_root = tmp_path_factory.mktemp("e2e-media")  # the uploaded invoice goes here
    with live_site(django_db_blocker, tmp_path_factory, _office,
                   env={"MEDIA_ROOT": str(media_root)}) as served:
        yield served


def _apply_and_correct(browser: Browser, site: Site) -> None:
    """By taps: the 办公费 card (¥1000.00 available), ¥1500 → refused over budget next to the
    indicator → 修改 → ¥800 → submitted."""
    page = log_in(browser, site, "handler")
    menu(page, "支出申请").click()
    page.get_by_role("link", name="＋ 新建支出申请").click()
    expect(page.get_by_role("heading", name="新建支出申请")).to_be_visible()
    card = page.locator(".indicator-card").filter(has_text="30201")
    expect(card.locator("[data-available]")).to_have_text("¥1000.00")
    card.click()
    expect(page.locator('input[name="indicator_id"]')).to_be_checked()
    page.get_by_label("2. 金额（元）").fill("1500")
    page.get_by_label("3. 支出事由（买什么、做什么用）").fill("购买办公用纸和墨盒")
    page.get_by_label("4. 收款人（单位或个人）").fill("城关文具店")
    page.get_by_label("5. 收款账号").fill("6222 0000 1111")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    page.get_by_label("选择文件（PDF、OFD、图片、Word、Excel）").set_input_files(
        {"name": "发票.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_text("已上传：发票.pdf")).to_be_visible()
    expect(page.locator('[data-field="attachments"] [data-kind="invoice"]')).to_contain_text(
        "发票.pdf")
    page.get_by_role("button", name="提交审批").click()

    refusal = page.locator('[data-field="indicator"] [data-refusal="over_budget"]')
    expect(refusal).to_have_text(
        "申请金额超过预算指标可用余额（超预算不支出）。（可用余额 ¥1000.00）")
    expect(page.locator("[data-status]")).to_have_text("草稿")
    page.get_by_role("link", name="修改金额或指标").click()
    expect(page.get_by_role("heading", name="修改支出申请")).to_be_visible()
    expect(page.get_by_label("2. 金额（元）")).to_have_value("1500.00")
    page.get_by_label("2. 金额（元）").fill("800")
    page.get_by_role("button", name="保存修改").click()
    expect(page.get_by_text("已保存修改")).to_be_visible()
    expect(page.locator('[data-field="amount"]')).to_have_text("¥800.00")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("[data-status]")).to_have_text("审批中")
    page.context.close()


def _approve(browser: Browser, site: Site) -> None:
    """The accountant opens the to-do: the request as 支出申请单, then 同意."""
    page = log_in(browser, site, "accountant")
    menu(page, "我的待办").click()
    page.locator(".todo").first.click()
    expect(page.get_by_role("heading", name="支出申请单")).to_be_visible()
    expect(page.locator('[data-field="amount"]')).to_have_text("¥800.00")
    expect(page.locator('[data-field="payee_name"]')).to_have_text("城关文具店")
    expect(page.locator('[data-field="attachments"]').get_by_role("link")).to_have_text(
        "发票.pdf")
    page.get_by_role("button", name="同意").click()
    expect(page.get_by_text("已同意")).to_be_visible()
    page.context.close()


def _sees_paid(browser: Browser, site: Site) -> None:
    page = log_in(browser, site, "handler")
    menu(page, "支出申请").click()
    page.locator(".todo").first.click()
    expect(page.locator("[data-status]")).to_have_text("已支付")
    expect(page.locator('[data-field="status"]')).to_have_text("已支付 · 已支付 ¥800.00")
    expect(page.locator("[data-locked]")).to_have_text("已锁定")
    page.context.close()


def _pay(site: Site, django_db_blocker) -> SpendingRequest:
    with django_db_blocker.unblock(), schema_context(site.tenant.schema_name):
        request = SpendingRequest.objects.get(applicant__username=site.usernames["handler"])
        cashier = User.objects.get(username=site.usernames["cashier"])
        payment_create(actor=cashier, request_id=request.pk, amount=request.amount)
        request.refresh_from_db()
        return request


def test_a_handler_is_refused_over_budget_corrects_it_and_the_request_is_paid(
        site, django_db_blocker):
    browse(site, _apply_and_correct, _approve)
    paid = _pay(site, django_db_blocker)
    browse(site, _sees_paid)

    assert (paid.status, paid.amount, paid.paid_amount) == (
        RequestStatus.PAID, Decimal("800.00"), Decimal("800.00"))
    assert (paid.payee_name, paid.payee_account) == ("城关文具店", "6222 0000 1111")
