"""A real Celery worker for tests: a subprocess on the test database, real Redis, its own queue.

The worker sees only committed data, so tests that use it write outside the per-test
transaction (`committed`) and remove their outbox rows afterwards. Import the fixtures into a
test module with `pytest_plugins = ["tests.worker"]`.
"""

import email
import email.policy
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from apps.outbox.models import OutboxMessage
from county_platform.celery import app
from tenants.models import Tenant

WAIT_SECONDS = 30.0
_MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass
class Worker:
    queue: str
    lost_queue: str  # published to, consumed by nobody: where "lost" messages go
    mail_dir: Path
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def subjects(self) -> list[str]:
        """Subjects of every mail the worker has sent, one entry per message."""
        raws = [raw for path in sorted(self.mail_dir.glob("*.log"))
                for raw in path.read_bytes().split(_MAIL_SEPARATOR) if raw.strip()]  # fmt: skip
        return [_subject_of(raw) for raw in raws]

    def mails_with(self, subject: str) -> int:
        return self.subjects().count(subject)

    def wait_until(self, predicate: Callable[[], bool], what: str) -> None:
        """Poll `predicate` for at most WAIT_SECONDS; on timeout, fail with the worker's log."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not predicate():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.log()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; worker log:\n{self.log()[-4000:]}")
            time.sleep(0.1)

    @contextmanager
    def messages_lost(self) -> Iterator[None]:
        """Tasks sent inside this block go to a queue no worker reads, as if lost on the way."""
        previous = app.conf.task_default_queue
        app.conf.task_default_queue = self.lost_queue
        try:
            yield
        finally:
            app.conf.task_default_queue = previous


def _subject_of(raw: bytes) -> str:
    # The header is folded after "Subject:", so the decoded value starts with a space.
    return str(email.message_from_bytes(raw, policy=email.policy.default)["subject"]).strip()


def _require_test_database() -> str:
    """The test database's name; stops the run if this process is not connected to it.

    pytest-django sets up a test database only for selected tests with a django_db mark or the
    db fixture, and tests using only these fixtures have neither (tests/conftest.py makes up
    for that): never start a worker on, or commit to, the development database."""
    name = connection.settings_dict["NAME"]
    if name != settings.DATABASES["default"]["TEST"]["NAME"]:
        pytest.exit(f"Refusing to run a worker against {name!r}: no test database was set up.", 3)
    return name


def _database_url(name: str) -> str:
    """DATABASE_URL of this process with the database replaced by the test database."""
    parsed = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(parsed._replace(path="/" + quote(name)))


def _worker_env(*, queue: str, database: str, mail_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "county_platform.settings.test",
        "DATABASE_URL": _database_url(database),
        "NEIKONG_TEST_DB": database,
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue,
        "NEIKONG_TEST_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }


def _start(*, queue: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "county_platform", "worker",
        "--pool", "solo", "-Q", queue, "-n", f"{queue}@%h", "--loglevel", "INFO",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def process_stop(process: subprocess.Popen) -> None:
    """Terminate a test subprocess, killing it if it does not stop within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def queues_delete(queue: str) -> None:
    """Remove every Redis key of the worker's queues (lists, bindings, priority lists)."""
    with app.connection_for_write() as broker:
        client = broker.default_channel.client
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory) -> Iterator[Worker]:
    """A worker consuming a queue of its own, which this process publishes to meanwhile."""
    queue = f"neikong-test-{uuid.uuid4().hex[:12]}"
    tmp = tmp_path_factory.mktemp("celery-worker")
    database = _require_test_database()
    env = _worker_env(queue=queue, database=database, mail_dir=tmp / "mail")
    process = _start(queue=queue, env=env, log_path=tmp / "worker.log")
    worker = Worker(queue, f"{queue}-lost", tmp / "mail", tmp / "worker.log", process)
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        worker.wait_until(lambda: " ready." in worker.log(), "the worker to start")
        yield worker
    finally:
        app.conf.task_default_queue = previous
        process_stop(process)
        queues_delete(queue)  # also the lost queue: its name starts with the same


@pytest.fixture
def committed(django_db_setup, django_db_blocker) -> Iterator[dict[str, Tenant]]:
    """Database access that commits (the worker must see it); the session's townships by
    slug. Outbox rows written meanwhile are removed afterwards, leaving the shared tenants as
    they were for other tests."""
    _require_test_database()
    with django_db_blocker.unblock():
        tenants = {t.slug: t for t in Tenant.objects.filter(slug__in=["town-a", "town-b"])}
        try:
            yield tenants
        finally:
            for tenant in tenants.values():
                with schema_context(tenant.schema_name):
                    OutboxMessage.objects.all().delete()
