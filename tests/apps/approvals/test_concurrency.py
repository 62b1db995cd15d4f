"""Concurrent approvals of one all-of step, over real connections: no step skipped or doubled."""

import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from apps.approvals.models import Approval, StepStatus, TaskStatus
from apps.approvals.services import process_define, task_decide
from apps.audit.models import AuditEvent
from apps.audit.verify import verify_chain
from apps.seals.models import SealApplication, SealStatus
from tenants.services import tenant_create
from tests.apps.approvals.test_services import _submit
from tests.factories import staff_make

SIGNERS = 4


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
        yield


def _decide(schema: str, user, task_id: int, barrier: threading.Barrier, errors: list) -> None:
    try:
        with schema_context(schema):
            barrier.wait(timeout=30)
            task_decide(actor=user, task_id=task_id, decision="approve")
    except Exception as error:  # reported to the main thread
        errors.append(error)
    finally:
        connection.close()


def test_all_signers_at_once_complete_the_step_exactly_once(committed):
    with schema_context(get_public_schema_name()):
        county = tenant_create(actor=None, slug=f"ap-{uuid.uuid4().hex[:8]}", name="并发县",
                               kind="county")
    applicant = staff_make(county, posts=("handler",)).user
    signers = [staff_make(county, posts=("leader",)).user for _ in range(SIGNERS)]
    with schema_context(county.schema_name):
        process_define(actor=None, document_type="seal_use", name="会签", steps=[
            {"name": "领导会签", "post_code": "leader", "mode": "all"},
        ])
        application = _submit(applicant)
        tasks = {t.assignee_id: t.pk for t in
                 Approval.objects.get(pk=application.approval_id).steps.get().tasks.all()}
    barrier, errors = threading.Barrier(SIGNERS), []
    threads = [threading.Thread(target=_decide, args=(county.schema_name, user, tasks[user.pk],
                                                      barrier, errors)) for user in signers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with schema_context(county.schema_name):
        approval = Approval.objects.get(pk=application.approval_id)
        step = approval.steps.get()
        statuses = sorted(step.tasks.values_list("status", flat=True))
        finished = AuditEvent.objects.filter(action="approval.approved").count()
        document = SealApplication.objects.get(pk=application.pk)
    report = verify_chain(tenant=county)

    assert errors == []
    assert statuses == [TaskStatus.APPROVED] * SIGNERS
    assert step.status == StepStatus.APPROVED
    assert finished == 1
    assert document.status == SealStatus.APPROVED
    assert report.ok
