"""The browser tests' machinery: a tenant of its own with committed data, served by a real
`runserver` on the test database and dropped afterwards, and Debian's /usr/bin/chromium
(installed by .ci/run) driven by Playwright, signed in on a phone."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tenants.models import Tenant
from tenants.services import tenant_create
from tests.factories import PASSWORD
from tests.worker import process_stop, queues_delete

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
WAIT_SECONDS = 30.0


@dataclass
class Site:
    url: str
    tenant: Tenant
    usernames: dict[str, str]  # role → username
    log_path: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def committable_database() -> str:
    """The test database's name; never run a server on, or commit to, any other database."""
    name = connection.settings_dict["NAME"]
    if name != settings.DATABASES["default"]["TEST"]["NAME"]:
        pytest.exit(f"Refusing to commit to {name!r}: no test database was set up.", 3)
    return name


def server_env(*, database: str, queue: str) -> dict[str, str]:
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


def wait_for_server(process: subprocess.Popen, url: str, host: str, log_path: Path) -> None:
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


@contextmanager
def live_site(django_db_blocker, tmp_path_factory, people: Callable[[Tenant, str], dict],
              env: dict[str, str] | None = None) -> Iterator[Site]:
    """A township 演示镇 of its own, its data committed by `people(tenant, suffix)` (which
    returns the usernames by role), served by a real runserver; dropped afterwards. For a
    module-scoped `site` fixture (which asks for django_db_setup)."""
    database = committable_database()
    suffix = uuid.uuid4().hex[:8]
    queue = f"neikong-e2e-{suffix}"
    port = free_port()
    log_path = tmp_path_factory.mktemp("e2e-server") / "server.log"
    with django_db_blocker.unblock():
        county = Tenant.objects.get(slug="cty")
        tenant = tenant_create(actor=None, slug=f"e2e-{suffix}", name="演示镇", kind="town",
                               parent=county)
        process = None
        try:
            usernames = people(tenant, suffix)
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}",
                     "--noreload"],
                    cwd=settings.BASE_DIR,
                    env={**server_env(database=database, queue=queue), **(env or {})},
                    stdout=log, stderr=subprocess.STDOUT,
                )
            host = f"{tenant.slug}.localhost:{port}"
            wait_for_server(process, f"http://127.0.0.1:{port}/login/", host, log_path)
            yield Site(url=f"http://{host}", tenant=tenant, usernames=usernames,
                       log_path=log_path)
        finally:
            if process is not None:
                process_stop(process)
            connection.set_schema_to_public()
            # Other tests count the county's townships: take this one away again.
            tenant.delete(force_drop=True)
            queues_delete(queue)


@contextmanager
def chromium() -> Iterator[Browser]:
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


def browse(site: Site, *steps: Callable[[Browser, Site], None]) -> None:
    """Run `steps` in one browser; on failure, print the end of the server's log.
    Playwright's sync API runs an event loop: no ORM call while the browser is open."""
    with chromium() as browser:
        try:
            for step in steps:
                step(browser, site)
        except Exception:
            print(site.log_path.read_text(errors="replace")[-4000:])  # noqa: T201
            raise


def log_in(browser: Browser, site: Site, role: str) -> Page:
    """A fresh phone (its own cookies) signed in as `role`."""
    context = browser.new_context(base_url=site.url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    expect(page.get_by_role("heading", name="登录 演示镇")).to_be_visible()
    page.get_by_label("用户名").fill(site.usernames[role])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # exact: "登录 演示镇" on the login page itself would match too, before the login is done
    expect(page.get_by_role("heading", name="演示镇", exact=True)).to_be_visible()
    return page


def menu(page: Page, name: str):
    """A tab of the main menu (its name may carry the badge's count)."""
    return page.get_by_role("navigation", name="主菜单").get_by_role("link").filter(has_text=name)
