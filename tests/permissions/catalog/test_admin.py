"""The operator's admin edits county templates through the same validating, auditing services."""

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from permissions.catalog import services
from permissions.catalog.models import (
    CountyParameter,
    CountyPost,
    CountyRoleStep,
    CountySodRule,
    TemplateVersion,
)
from tenants.models import Tenant
from tests.factories import user_make

pytestmark = pytest.mark.django_db

ADMIN = "/admin/catalog"


@pytest.fixture
def operator():
    user = user_make(is_staff=True, is_superuser=True)
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(user)
    client.user = user
    return client


def county_events(county: Tenant) -> list[tuple[str, str]]:
    with schema_context(county.schema_name):
        return list(AuditEvent.objects.order_by("seq").values_list("action", "actor_username"))


def pair(county: Tenant, **fields) -> dict:
    return {"county": county.pk, "code": "sod_admin_pair", "post_a": "handler",
            "post_b": "seal_keeper", "scope": "post", "article": "县“6+N”管理办法", **fields}


def test_the_county_choice_leaves_out_the_public_tenant(operator, county):
    page = operator.get(f"{ADMIN}/countysodrule/add/").content.decode()

    assert f'value="{county.pk}"' in page
    public = Tenant.objects.get(schema_name="public")
    assert f'value="{public.pk}"' not in page


@pytest.mark.parametrize(("fields", "message"), [
    ({"post_b": "handler"}, "不相容岗位必须是两个不同的岗位"),
    ({"post_b": "nobody"}, "县级模板中没有岗位 nobody"),
    ({"code": "sod_cashier_accountant"}, "规则编码 sod_cashier_accountant 已存在"),
    ({"post_a": "accountant", "post_b": "cashier"}, "已由规则 sod_cashier_accountant"),
])
def test_a_bad_pair_is_refused_in_the_form(operator, county, fields, message):
    rules, events = CountySodRule.objects.count(), county_events(county)

    response = operator.post(f"{ADMIN}/countysodrule/add/", pair(county, **fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (CountySodRule.objects.count(), county_events(county)) == (rules, events)


def test_an_added_pair_goes_through_the_service_and_is_audited(operator, county):
    response = operator.post(f"{ADMIN}/countysodrule/add/", pair(county))

    assert response.status_code == 302
    assert CountySodRule.objects.filter(county=county, code="sod_admin_pair").exists()
    assert county_events(county)[-1] == ("duty_template.sod_created", operator.user.username)


def test_deleting_a_pair_in_the_admin_is_audited(operator, county):
    rule = CountySodRule.objects.get(county=county, code="sod_seal_keep_approve")

    response = operator.post(f"{ADMIN}/countysodrule/{rule.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not CountySodRule.objects.filter(pk=rule.pk).exists()
    assert county_events(county)[-1][0] == "duty_template.sod_deleted"


def test_bulk_deleting_steps_deletes_each_through_the_service(operator, county):
    steps = list(CountyRoleStep.objects.filter(county=county, activity="seal")
                 .values_list("pk", flat=True))
    events = len(county_events(county))

    response = operator.post(f"{ADMIN}/countyrolestep/", {
        "action": "delete_selected", "_selected_action": steps, "post": "yes"})

    assert response.status_code == 302
    assert not CountyRoleStep.objects.filter(pk__in=steps).exists()
    assert [a for a, _ in county_events(county)[events:]] == ["duty_template.step_deleted"] * 2


def test_a_step_naming_an_unknown_post_is_refused(operator, county):
    step = CountyRoleStep.objects.get(county=county, activity="seal", step="custody")

    response = operator.post(f"{ADMIN}/countyrolestep/{step.pk}/change/", {
        "activity": "seal", "step": "custody", "step_name": "印章保管", "post_code": "nobody",
        "order": 10})

    assert response.status_code == 200
    assert "县级模板中没有岗位 nobody" in response.content.decode()
    assert CountyRoleStep.objects.get(pk=step.pk).post_code == "seal_keeper"


def test_a_post_change_records_only_what_changed(operator, county):
    post = CountyPost.objects.get(county=county, code="cashier")

    response = operator.post(f"{ADMIN}/countypost/{post.pk}/change/", {
        "name": "出纳", "is_key": "on", "max_tenure_months": 36, "holds_money": "on"})

    assert response.status_code == 302
    assert CountyPost.objects.get(pk=post.pk).max_tenure_months == 36
    with schema_context(county.schema_name):
        event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.before["max_tenure_months"], event.after["max_tenure_months"]) \
        == ("duty_template.post_changed", 60, 36)


def test_a_key_post_without_tenure_is_refused(operator, county):
    post = CountyPost.objects.get(county=county, code="cashier")

    response = operator.post(f"{ADMIN}/countypost/{post.pk}/change/", {
        "name": "出纳", "is_key": "on", "max_tenure_months": "", "holds_money": "on"})

    assert response.status_code == 200
    assert "关键岗位必须设定最长任期" in response.content.decode()
    assert CountyPost.objects.get(pk=post.pk).max_tenure_months == 60


@pytest.mark.parametrize(("value", "status", "stored"), [(3, 200, 90), (30, 302, 30)])
def test_a_parameter_is_kept_within_its_bounds(operator, county, value, status, stored):
    parameter = CountyParameter.objects.get(county=county, code="rotation_remind_days")

    response = operator.post(f"{ADMIN}/countyparameter/{parameter.pk}/change/",
                             {"value": value})

    assert response.status_code == status
    assert CountyParameter.objects.get(pk=parameter.pk).value == stored


def test_adding_a_version_publishes_the_current_template(
    operator, county, django_capture_on_commit_callbacks
):
    before = services.version_latest(county=county).number

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = operator.post(f"{ADMIN}/templateversion/add/",
                                 {"county": county.pk, "note": "后台发布"})

    assert response.status_code == 302
    version = TemplateVersion.objects.get(county=county, number=before + 1)
    assert (version.note, version.published_by_id) == ("后台发布", operator.user.pk)
    assert len(callbacks) == 1  # the push to the tenants, after commit
    assert county_events(county)[-1] == ("duty_template.published", operator.user.username)
