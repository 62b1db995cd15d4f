"""The county's page of every township's alerts: county_admin and inspectors read it with its
filters; county_admin closes and reopens with an opinion; nothing of it on a township host."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.controls.services import alert_rectify
from apps.county.models import CountyAlert
from tenants.inspectors import inspector_grant_create
from tests.apps.controls.helpers import alert_in, evidence_upload, people, reload
from tests.conftest import web_client
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db
URL = "/county/alerts/"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def county_admin(county):
    return staff_make(county, posts=("county_admin",)).user


def signed_in(tenant, user):
    client = web_client(tenant)
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


def mirror(tenant, alert) -> CountyAlert:
    return CountyAlert.objects.get(tenant=tenant, alert_id=alert.pk)


def test_the_county_sees_every_township_and_filters(county, town_a, town_b, county_admin):
    alert_in(town_a, "a1")
    alert_in(town_b, "b1", severity="remind")
    client = signed_in(county, county_admin)

    everything = client.get(URL).content.decode()
    only_b = client.get(f"{URL}?tenant=town-b").content.decode()
    reminders = client.get(f"{URL}?severity=remind").content.decode()

    assert "预警 a1" in everything and "预警 b1" in everything
    assert "甲镇" in everything and "乙乡" in everything
    assert "预警 b1" in only_b and "预警 a1" not in only_b
    assert "预警 b1" in reminders and "预警 a1" not in reminders


def test_county_admin_closes_then_reopens(county, town_a, county_admin):
    alert = alert_in(town_a)
    row = mirror(town_a, alert)
    client = signed_in(county, county_admin)

    closed = client.post(URL, {"id": row.pk, "action": "close", "note": "整改到位，同意关闭"})
    after_close = reload(town_a, alert.pk)
    reopened = client.post(URL, {"id": row.pk, "action": "reopen", "note": "请重新整改"})

    assert (closed.status_code, closed["Location"]) == (302, URL)
    assert (after_close.status, after_close.county_note) == ("closed", "整改到位，同意关闭")
    assert reopened.status_code == 302
    after = reload(town_a, alert.pk)
    assert (after.status, after.reopened_count) == ("open", 1)
    assert mirror(town_a, alert).status == "open"


def test_closing_without_an_opinion_is_shown_and_changes_nothing(county, town_a, county_admin):
    row = mirror(town_a, alert_in(town_a))

    response = signed_in(county, county_admin).post(URL, {"id": row.pk, "action": "close",
                                                          "note": ""})

    assert response.status_code == 400
    assert 'data-error="note_required"' in response.content.decode()
    assert reload(town_a, row.alert_id).status == "open"


def test_reopening_an_open_alert_is_409(county, town_a, county_admin):
    row = mirror(town_a, alert_in(town_a))

    response = signed_in(county, county_admin).post(URL, {"id": row.pk, "action": "reopen",
                                                          "note": "重新打开"})

    assert response.status_code == 409
    assert reload(town_a, row.alert_id).reopened_count == 0


def test_an_inspector_reads_without_forms_and_cannot_post(county, town_a, county_admin):
    row = mirror(town_a, alert_in(town_a))
    reader = user_make()
    inspector_grant_create(actor=county_admin, county=county, username=reader.username,
                           tenant_slugs=None, valid_from=timezone.localdate(),
                           valid_to=timezone.localdate() + timedelta(days=7), reason="检查")
    client = signed_in(county, reader)

    page = client.get(URL)
    post = client.post(URL, {"id": row.pk, "action": "close", "note": "关闭"})

    assert page.status_code == 200
    assert "预警 k1" in page.content.decode()
    assert 'name="action"' not in page.content.decode()
    assert post.status_code == 403
    assert reload(town_a, row.alert_id).status == "open"


def test_others_are_refused_and_township_hosts_have_no_such_page(county, town_a):
    clerk = signed_in(county, staff_make(county).user)
    township_admin = signed_in(town_a, staff_make(town_a, posts=("tenant_admin",)).user)

    assert clerk.get(URL).status_code == 403
    assert township_admin.get(URL).status_code == 404
    assert web_client(county).get(URL).status_code == 302  # anonymous: to the login page


def test_one_alert_page_shows_the_rectification_and_closes_it(county, town_a, county_admin,
                                                              media_root):
    staff = people(town_a, county)
    alert = alert_in(town_a)
    evidence_upload(town_a, staff["accountant"], alert.pk, name="退款凭证.pdf")
    with schema_context(town_a.schema_name):
        alert_rectify(actor=staff["accountant"], alert_id=alert.pk, note="已退回多付款项")
    row = mirror(town_a, alert)
    client = signed_in(county, county_admin)

    page = client.get(f"{URL}{row.pk}/").content.decode()
    closed = client.post(f"{URL}{row.pk}/", {"id": row.pk, "action": "close",
                                             "note": "整改到位"})

    assert "已退回多付款项" in page and "退款凭证.pdf" in page
    assert 'value="close"' in page and 'value="reopen"' in page
    assert (closed.status_code, closed["Location"]) == (302, f"{URL}{row.pk}/")
    assert reload(town_a, alert.pk).status == "closed"


def test_an_unknown_alert_page_is_404(county, county_admin):
    assert signed_in(county, county_admin).get(f"{URL}987654/").status_code == 404
