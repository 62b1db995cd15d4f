"""The operator's admin edits process templates through the same validating, auditing services."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from apps.approvals.county.models import CountyProcess, ProcessTemplateVersion
from apps.audit.models import AuditEvent
from tests.apps.approvals.county.helpers import county_steps, processes_ready
from tests.factories import user_make

pytestmark = pytest.mark.django_db
ADMIN = "/admin/approval_templates"


@pytest.fixture
def operator(county):
    processes_ready(county)
    user = user_make(is_staff=True, is_superuser=True)
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(user)
    client.user = user
    return client


def form(process: CountyProcess, **step_changes) -> dict:
    steps = list(process.steps.order_by("order"))
    data = {"name": process.name, "steps-TOTAL_FORMS": len(steps),
            "steps-INITIAL_FORMS": len(steps), "steps-MIN_NUM_FORMS": 0,
            "steps-MAX_NUM_FORMS": 1000}
    for i, step in enumerate(steps):
        row = {"id": step.pk, "process": process.pk, "order": step.order, "code": step.code,
               "name": step.name, "post_code": step.post_code, "mode": step.mode,
               "condition": json.dumps(step.condition), "sla_hours": step.sla_hours,
               "required": "on" if step.required else "", **step_changes}
        if step.same_department:
            row["same_department"] = "on"
        data.update({f"steps-{i}-{key}": value for key, value in row.items() if value != ""})
    return data


def test_steps_are_changed_through_the_service_and_audited(operator, county):
    process = CountyProcess.objects.get(county=county, document_type="seal_use")

    response = operator.post(f"{ADMIN}/countyprocess/{process.pk}/change/",
                             form(process, sla_hours=6))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert {s["sla_hours"] for s in county_steps(county, "seal_use")} == {6}
    with schema_context(county.schema_name):
        event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_username) == ("process_template.changed",
                                                    operator.user.username)


def test_an_unknown_post_is_refused_in_the_form(operator, county):
    process = CountyProcess.objects.get(county=county, document_type="seal_use")
    before = county_steps(county, "seal_use")

    response = operator.post(f"{ADMIN}/countyprocess/{process.pk}/change/",
                             form(process, post_code="nobody"))

    assert response.status_code == 200
    assert "县级模板中没有岗位 nobody" in response.content.decode()
    assert county_steps(county, "seal_use") == before


def test_adding_a_version_publishes(operator, county):
    before = ProcessTemplateVersion.objects.filter(county=county).count()

    response = operator.post(f"{ADMIN}/processtemplateversion/add/",
                             {"county": county.pk, "note": "后台发布"})

    assert response.status_code == 302
    latest = ProcessTemplateVersion.objects.filter(county=county).order_by("-number").first()
    assert ProcessTemplateVersion.objects.filter(county=county).count() == before + 1
    assert (latest.note, latest.published_by) == ("后台发布", operator.user)
