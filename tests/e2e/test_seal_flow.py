"""In a real browser on a phone: an applicant asks to use a seal, three approvers sign it in
turn, and the applicant sees it approved with three filled signature boxes.

Headless Chromium (Debian's /usr/bin/chromium, installed by .ci/run) driven by Playwright,
against a real `runserver` on the test database. The data is committed, in a tenant of its own
that is dropped afterwards; the page tests (tests/apps/*/test_views.py) roll back instead."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect

from apps.approvals.models import ApprovalTask, TaskStatus
from apps.approvals.services import process_define
from apps.seals.models import SealApplication, SealStatus
from permissions.services import department_create, post_assign, staff_add
from tenants.models import Tenant
from tests.e2e.helpers import Site, chromium, live_site, log_in, menu
from tests.factories import PASSWORD

STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
    {"name": "主要负责人审批", "post_code": "principal", "mode": "any"},
]
APPROVERS = (("dept_head", "李部长", "部门负责人"), ("leader", "王分管", "分管领导"),
             ("principal", "陈书记", "主要负责人"))


def _people(tenant: Tenant, suffix: str) -> dict[str, str]:
    """An applicant of 党政办 and one holder of each step's post; their usernames."""
    usernames = {"applicant": f"e2e-applicant-{suffix}"}
    with schema_context(tenant.schema_name):
        office = department_create(actor=None, name="党政办", code="dzb")
        applicant = staff_add(actor=None, username=usernames["applicant"], display_name="张申请",
                              password=PASSWORD, department=office)
        post_assign(actor=None, staff=applicant, post_code="handler")
        for post, name, _ in APPROVERS:
            usernames[post] = f"e2e-{post}-{suffix}"
            staff = staff_add(actor=None, username=usernames[post], display_name=name,
                              password=PASSWORD, department=office)
            post_assign(actor=None, staff=staff, post_code=post)
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=STEPS)
    return usernames


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Site]:
    """A tenant of its own with committed staff and process, served by a real runserver."""
    with live_site(django_db_blocker, tmp_path_factory, _people) as served:
        yield served


def _apply(page: Page, shots: Path | None = None, title: str = "2026年度部门决算报表") -> None:
    """Fill the seal form by taps (typing only the two texts) and submit it for approval."""
    page.get_by_role("link", name="申请用印").click()
    expect(page.get_by_role("heading", name="新建用印申请")).to_be_visible()
    page.get_by_text("财务专用章", exact=True).click()
    page.get_by_label("2. 要盖章的文件名称").fill(title)
    page.get_by_label("3. 用途（盖章后交给谁、做什么）").fill("报送县财政局")
    plus = page.get_by_role("button", name="增加一份")
    plus.click()
    plus.click()
    expect(page.get_by_label("4. 盖几份？")).to_have_value("3")
    if shots is not None:
        page.screenshot(path=str(shots / "seal-form.png"), full_page=True)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    expect(page.locator('[data-field="copies"]')).to_have_text("3 份")
    if shots is not None:
        page.screenshot(path=str(shots / "draft.png"), full_page=True)
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("[data-status]")).to_have_text("审批中")


def _approve(page: Page, *, signed_before: int, comment: str, shot: Path | None) -> None:
    """From the to-do badge to the paper form to 同意."""
    expect(page.locator("[data-todo-count]")).to_have_text("1")
    menu(page, "我的待办").click()
    expect(page.locator('[data-count="pending"]')).to_have_text("1")
    if shot is not None:
        page.screenshot(path=str(shot.with_name("todos.png")), full_page=True)
    page.locator(".todo").first.click()
    expect(page.get_by_role("heading", name="用印申请单")).to_be_visible()
    expect(page.locator('[data-field="title"]')).to_have_text("2026年度部门决算报表")
    expect(page.locator(".box-signed")).to_have_count(signed_before)
    page.get_by_label("审批意见（可以不填）").fill(comment)
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)
    page.get_by_role("button", name="同意").click()
    expect(page.get_by_text("已同意")).to_be_visible()
    expect(page.locator('[data-count="pending"]')).to_have_text("0")


def _walk_through(browser: Browser, site: Site, shots: Path) -> None:
    applicant = log_in(browser, site, "applicant")
    _apply(applicant, shots)
    applicant.context.close()

    for signed, (post, _, _) in enumerate(APPROVERS):
        page = log_in(browser, site, post)
        last = signed == len(APPROVERS) - 1
        _approve(page, signed_before=signed, comment=f"同意用印。{APPROVERS[signed][1]}",
                 shot=shots / "task-page.png" if last else None)
        page.context.close()

    page = log_in(browser, site, "applicant")
    menu(page, "用印申请").click()
    page.locator(".todo").first.click()
    expect(page.locator("[data-status]")).to_have_text("已批准")
    expect(page.locator(".box-signed")).to_have_count(3)
    for _, name, post_name in APPROVERS:
        box = page.locator(".box-signed").filter(has_text=name)
        expect(box.locator(".sig-post")).to_have_text(post_name)
        expect(box.locator(".stamp")).to_have_text("同意")
    page.screenshot(path=str(shots / "approved.png"), full_page=True)
    page.goto(page.get_by_role("link", name="打印用印申请单").get_attribute("href"))
    expect(page.locator(".box-signed")).to_have_count(3)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    page.screenshot(path=str(shots / "print.png"), full_page=True)
    page.context.close()


def test_three_approvers_sign_a_seal_application_on_a_phone(site, django_db_blocker, tmp_path):
    shots = Path(os.environ.get("NEIKONG_E2E_SHOTS", tmp_path))
    # Playwright's sync API runs an event loop: no ORM call while the browser is open.
    with chromium() as browser:
        try:
            _walk_through(browser, site, shots)
        except Exception:
            print(site.log_path.read_text(errors="replace")[-4000:])  # noqa: T201
            raise

    with django_db_blocker.unblock(), schema_context(site.tenant.schema_name):
        application = SealApplication.objects.get(applicant__username=site.usernames["applicant"])
        deciders = list(
            ApprovalTask.objects.filter(step__approval_id=application.approval_id)
            .order_by("step__order").values_list("status", "decided_by__username")
        )
    assert (application.status, application.copies, application.seal_kind) == (
        SealStatus.APPROVED, 3, "finance")
    assert deciders == [(TaskStatus.APPROVED, site.usernames[post]) for post, _, _ in APPROVERS]


def test_a_decision_on_a_withdrawn_application_is_explained_on_the_page(site):
    """The approver opened the task; meanwhile the applicant withdrew it: 同意 answers 409, and
    the page (swapped in by htmx) says so in plain words instead of failing."""
    with chromium() as browser:
        applicant = log_in(browser, site, "applicant")
        _apply(applicant, title="关于撤回测试的请示")
        head = log_in(browser, site, "dept_head")
        menu(head, "我的待办").click()
        head.locator(".todo").filter(has_text="关于撤回测试的请示").click()
        expect(head.get_by_role("button", name="同意")).to_be_visible()
        assert head.evaluate("typeof window.htmx") == "object"  # served from our static files

        applicant.get_by_role("button", name="撤回").click()
        expect(applicant.locator("[data-status]")).to_have_text("已撤回")
        head.get_by_role("button", name="同意").click()

        expect(head.get_by_role("alert")).to_have_text(
            "这项待办已经办理过了（也可能是其他人已经办理），不用再办理。")
        expect(head.get_by_text("本环节已由他人办理，或申请已撤回，您无需再办理。")).to_be_visible()
        expect(head.get_by_role("button", name="同意")).to_have_count(0)
        head.context.close()
        applicant.context.close()
