"""In a real browser on a phone: an applicant asks to use a seal, three approvers sign it in
turn, and the applicant sees it approved with three filled signature boxes.

Headless Chromium (Debian's /usr/bin/chromium, installed by .ci/run) driven by Playwright,
against a real `runserver` on the test database. The data is committed, in a tenant of its own
that is dropped afterwards; the page tests (tests/apps/*/test_views.py) roll back instead."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect, sync_playwright

from apps.approvals.models import ApprovalTask, TaskStatus
from apps.approvals.services import process_define
from apps.seals.models import SealApplication, SealStatus
from county_platform.celery import app as celery_app
from permissions.services import department_create, post_assign, staff_add
from tenants.models import Tenant
from tenants.services import tenant_create
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
    {"name": "主要负责人审批", "post_code": "principal", "mode": "any"},
]
APPROVERS = (("dept_head", "李部长", "部门负责人"), ("leader", "王分管", "分管领导"),
             ("principal", "陈书记", "主要负责人"))
WAIT_SECONDS = 30.0


@dataclass
class Site:
    url: str
    tenant: Tenant
    usernames: dict[str, str]  # role → username
    log_path: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _test_database() -> str:
    """The test database's name; never run a server on, or commit to, any other database."""
    name = connection.settings_dict["NAME"]
    if name != settings.DATABASES["default"]["TEST"]["NAME"]:
        pytest.exit(f"Refusing to commit to {name!r}: no test database was set up.", 3)
    return name


def _server_env(*, database: str, queue: str) -> dict[str, str]:
    parsed = urlparse(os.environ["DATABASE_URL"])
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "county_platform.settings.test",
        "DATABASE_URL": urlunparse(parsed._replace(path="/" + quote(database))),
        "NEIKONG_TEST_DB": database,
        "DEBUG": "1",  # runserver serves the static files (htmx, css) itself
        "CELERY_QUEUE": queue,  # outbox messages go to a queue of their own, removed after
        "PYTHONUNBUFFERED": "1",
    }


def _wait_for_server(process: subprocess.Popen, url: str, host: str, log_path: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server exited:\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310
            with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not answer:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.2)


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


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _queue_delete(queue: str) -> None:
    with celery_app.connection_for_write() as broker:
        client = broker.default_channel.client
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Site]:
    """A tenant of its own with committed staff and process, served by a real runserver."""
    database = _test_database()
    suffix = uuid.uuid4().hex[:8]
    queue = f"neikong-e2e-{suffix}"
    port = _free_port()
    log_path = tmp_path_factory.mktemp("e2e-server") / "server.log"
    with django_db_blocker.unblock():
        county = Tenant.objects.get(slug="cty")
        tenant = tenant_create(actor=None, slug=f"e2e-{suffix}", name="演示镇", kind="town",
                               parent=county)
        process = None
        try:
            usernames = _people(tenant, suffix)
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}",
                     "--noreload"],
                    cwd=settings.BASE_DIR, env=_server_env(database=database, queue=queue),
                    stdout=log, stderr=subprocess.STDOUT,
                )
            host = f"{tenant.slug}.localhost:{port}"
            _wait_for_server(process, f"http://127.0.0.1:{port}/login/", host, log_path)
            yield Site(url=f"http://{host}", tenant=tenant, usernames=usernames,
                       log_path=log_path)
        finally:
            if process is not None:
                _stop(process)
            connection.set_schema_to_public()
            # Other tests count the county's townships: take this one away again.
            tenant.delete(force_drop=True)
            _queue_delete(queue)


@contextmanager
def _chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
        ".ci/run does this before ./dev test"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _log_in(browser: Browser, site: Site, role: str) -> Page:
    """A fresh phone (its own cookies) signed in as `role`."""
    context = browser.new_context(base_url=site.url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    expect(page.get_by_role("heading", name="登录 演示镇")).to_be_visible()
    page.get_by_label("用户名").fill(site.usernames[role])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="演示镇")).to_be_visible()
    return page


def _menu(page: Page, name: str):
    """A tab of the main menu (its name may carry the badge's count)."""
    return page.get_by_role("navigation", name="主菜单").get_by_role("link").filter(has_text=name)


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
    _menu(page, "我的待办").click()
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
    applicant = _log_in(browser, site, "applicant")
    _apply(applicant, shots)
    applicant.context.close()

    for signed, (post, _, _) in enumerate(APPROVERS):
        page = _log_in(browser, site, post)
        last = signed == len(APPROVERS) - 1
        _approve(page, signed_before=signed, comment=f"同意用印。{APPROVERS[signed][1]}",
                 shot=shots / "task-page.png" if last else None)
        page.context.close()

    page = _log_in(browser, site, "applicant")
    _menu(page, "用印申请").click()
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
    with _chromium() as browser:
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
    with _chromium() as browser:
        applicant = _log_in(browser, site, "applicant")
        _apply(applicant, title="关于撤回测试的请示")
        head = _log_in(browser, site, "dept_head")
        _menu(head, "我的待办").click()
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
