"""The alert life cycle: open → acknowledged → rectified (with evidence) → closed by the
county, and reopened; who may do each step, the state each step needs, the audit trail and the
county's mirror."""

import pytest
from django_tenants.utils import schema_context

from apps.attachments.models import Attachment
from apps.audit.models import AuditEvent
from apps.controls.services import (
    alert_acknowledge,
    alert_close,
    alert_rectify,
    alert_reopen,
)
from county_platform.errors import DomainError
from tests.apps.controls.helpers import (
    alert_in,
    evidence_upload,
    mirror_of,
    people,
    reload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(town_a, county):
    return people(town_a, county)


def events(tenant, action: str, alert_id: int) -> list[AuditEvent]:
    with schema_context(tenant.schema_name):
        return list(AuditEvent.objects.filter(action=action, object_id=str(alert_id)))


def refused(tenant, service, **kwargs) -> DomainError:
    with schema_context(tenant.schema_name), pytest.raises(DomainError) as caught:
        service(**kwargs)
    return caught.value


def test_the_responsible_post_acknowledges(town_a, staff):
    alert = alert_in(town_a)

    with schema_context(town_a.schema_name):
        alert_acknowledge(actor=staff["accountant"], alert_id=alert.pk, note="已看到，马上核实")

    after = reload(town_a, alert.pk)
    assert (after.status, after.acknowledged_by_id) == ("acknowledged", staff["accountant"].pk)
    assert after.acknowledged_at is not None
    assert mirror_of(town_a, alert.pk).status == "acknowledged"
    [event] = events(town_a, "alert.acknowledged", alert.pk)
    assert (event.actor_id, event.post) == (staff["accountant"].pk, "accountant")
    assert event.after["note"] == "已看到，马上核实"


def test_someone_else_is_refused_403_and_nothing_changes(town_a, staff):
    alert = alert_in(town_a)

    error = refused(town_a, alert_acknowledge, actor=staff["cashier"], alert_id=alert.pk)
    error_rectify = refused(town_a, alert_rectify, actor=staff["cashier"], alert_id=alert.pk,
                            note="已整改")

    assert (error.status, error.code) == (403, "permission_denied")
    assert (error_rectify.status, error_rectify.code) == (403, "permission_denied")
    assert reload(town_a, alert.pk).status == "open"
    assert mirror_of(town_a, alert.pk).status == "open"
    assert events(town_a, "alert.acknowledged", alert.pk) == []
    assert events(town_a, "alert.rectified", alert.pk) == []


def test_without_a_responsible_post_only_the_tenant_admin_handles_it(town_a, staff):
    alert = alert_in(town_a, post="")

    error = refused(town_a, alert_acknowledge, actor=staff["accountant"], alert_id=alert.pk)
    with schema_context(town_a.schema_name):
        alert_acknowledge(actor=staff["admin"], alert_id=alert.pk)

    assert error.code == "permission_denied"
    assert reload(town_a, alert.pk).acknowledged_by_id == staff["admin"].pk


def test_the_tenant_admin_may_rectify_an_alert_of_any_post(town_a, staff):
    alert = alert_in(town_a)

    with schema_context(town_a.schema_name):
        alert_rectify(actor=staff["admin"], alert_id=alert.pk, note="已补齐审批手续")

    assert reload(town_a, alert.pk).status == "rectified"
    assert events(town_a, "alert.rectified", alert.pk)[0].post == "tenant_admin"


def test_rectifying_records_the_note_and_locks_the_evidence(town_a, staff, media_root):
    alert = alert_in(town_a)
    with schema_context(town_a.schema_name):
        alert_acknowledge(actor=staff["accountant"], alert_id=alert.pk)
    evidence = evidence_upload(town_a, staff["accountant"], alert.pk)

    with schema_context(town_a.schema_name):
        alert_rectify(actor=staff["accountant"], alert_id=alert.pk, note="已退回多付款项",
                      attachment_ids=[evidence])
        locked = Attachment.objects.get(pk=evidence).locked

    after = reload(town_a, alert.pk)
    assert (after.status, after.rectification_note) == ("rectified", "已退回多付款项")
    assert after.rectified_by_id == staff["accountant"].pk
    assert locked is True
    assert mirror_of(town_a, alert.pk).status == "rectified"
    [event] = events(town_a, "alert.rectified", alert.pk)
    assert event.after["attachments"] == [evidence]


def test_rectifying_needs_a_note(town_a, staff):
    alert = alert_in(town_a)

    error = refused(town_a, alert_rectify, actor=staff["accountant"], alert_id=alert.pk,
                    note="  ")

    assert (error.status, error.code) == (400, "note_required")
    assert reload(town_a, alert.pk).status == "open"


def test_evidence_of_another_alert_is_refused_and_stays_unlocked(town_a, staff,
                                                                  media_root):
    alert, other = alert_in(town_a, "k1"), alert_in(town_a, "k2")
    foreign = evidence_upload(town_a, staff["accountant"], other.pk)

    error = refused(town_a, alert_rectify, actor=staff["accountant"], alert_id=alert.pk,
                    note="已整改", attachment_ids=[foreign])

    assert (error.status, error.code) == (400, "invalid_attachments")
    assert error.extra["attachments"] == [foreign]
    with schema_context(town_a.schema_name):
        assert Attachment.objects.get(pk=foreign).locked is False
    assert reload(town_a, alert.pk).status == "open"


def test_the_county_closes_with_its_opinion(town_a, staff):
    alert = alert_in(town_a)
    with schema_context(town_a.schema_name):
        alert_rectify(actor=staff["accountant"], alert_id=alert.pk, note="已整改")
        alert_close(actor=staff["county_admin"], alert_id=alert.pk, note="整改到位，同意关闭")

    after = reload(town_a, alert.pk)
    assert (after.status, after.county_note) == ("closed", "整改到位，同意关闭")
    assert after.closed_by_id == staff["county_admin"].pk
    mirror = mirror_of(town_a, alert.pk)
    assert (mirror.status, mirror.closed_at) == ("closed", after.closed_at)
    [event] = events(town_a, "alert.closed", alert.pk)
    assert (event.actor_id, event.post) == (staff["county_admin"].pk, "county_admin")


@pytest.mark.parametrize("status", ["open", "acknowledged"])
def test_the_county_may_close_an_alert_not_yet_rectified(town_a, staff, status):
    alert = alert_in(town_a)
    with schema_context(town_a.schema_name):
        if status == "acknowledged":
            alert_acknowledge(actor=staff["accountant"], alert_id=alert.pk)
        alert_close(actor=staff["county_admin"], alert_id=alert.pk, note="误报，关闭")

    assert reload(town_a, alert.pk).status == "closed"


def test_only_the_county_admin_closes_or_reopens(town_a, staff):
    alert = alert_in(town_a)

    closing = refused(town_a, alert_close, actor=staff["admin"], alert_id=alert.pk, note="关")
    with schema_context(town_a.schema_name):
        alert_close(actor=staff["county_admin"], alert_id=alert.pk, note="关闭")
    reopening = refused(town_a, alert_reopen, actor=staff["admin"], alert_id=alert.pk,
                        note="再看看")

    assert (closing.status, closing.code) == (403, "permission_denied")
    assert (reopening.status, reopening.code) == (403, "permission_denied")
    assert reload(town_a, alert.pk).status == "closed"
    assert events(town_a, "alert.reopened", alert.pk) == []


def test_closing_needs_the_countys_opinion(town_a, staff):
    alert = alert_in(town_a)

    error = refused(town_a, alert_close, actor=staff["county_admin"], alert_id=alert.pk,
                    note="")

    assert error.code == "note_required"
    assert reload(town_a, alert.pk).status == "open"


@pytest.mark.parametrize("from_status", ["rectified", "closed"])
def test_the_county_reopens_a_rectified_or_closed_alert(town_a, staff, from_status):
    alert = alert_in(town_a)
    with schema_context(town_a.schema_name):
        alert_acknowledge(actor=staff["accountant"], alert_id=alert.pk)
        alert_rectify(actor=staff["accountant"], alert_id=alert.pk, note="已整改")
        if from_status == "closed":
            alert_close(actor=staff["county_admin"], alert_id=alert.pk, note="关闭")
        alert_reopen(actor=staff["county_admin"], alert_id=alert.pk, note="整改不到位，请重新整改")

    after = reload(town_a, alert.pk)
    assert (after.status, after.reopened_count) == ("open", 1)
    assert after.county_note == "整改不到位，请重新整改"
    assert (after.acknowledged_by_id, after.rectified_at, after.closed_at) == (None, None, None)
    assert mirror_of(town_a, alert.pk).status == "open"
    assert len(events(town_a, "alert.reopened", alert.pk)) == 1


def test_reopening_when_the_situation_has_a_new_live_alert_is_a_conflict(town_a, staff):
    old = alert_in(town_a, "same-key")
    with schema_context(town_a.schema_name):
        alert_close(actor=staff["county_admin"], alert_id=old.pk, note="关闭")
    new = alert_in(town_a, "same-key")

    error = refused(town_a, alert_reopen, actor=staff["county_admin"], alert_id=old.pk,
                    note="重新打开")

    assert new.pk != old.pk
    assert (error.status, error.code, error.extra["alert"]) == (409, "live_alert_exists", new.pk)
    assert reload(town_a, old.pk).status == "closed"


@pytest.mark.parametrize(("steps", "service", "role"), [
    (["acknowledge"], alert_acknowledge, "accountant"),
    (["rectify"], alert_acknowledge, "accountant"),
    (["rectify"], alert_rectify, "accountant"),
    (["close"], alert_acknowledge, "accountant"),
    (["close"], alert_rectify, "accountant"),
    (["close"], alert_close, "county_admin"),
    ([], alert_reopen, "county_admin"),
    (["acknowledge"], alert_reopen, "county_admin"),
])
def test_a_step_in_the_wrong_state_is_409_and_changes_nothing(town_a, staff, steps, service,
                                                               role):
    alert = alert_in(town_a)
    do = {"acknowledge": (alert_acknowledge, "accountant"), "rectify": (alert_rectify,
          "accountant"), "close": (alert_close, "county_admin")}
    with schema_context(town_a.schema_name):
        for step in steps:
            do[step][0](actor=staff[do[step][1]], alert_id=alert.pk, note="说明")
    before = reload(town_a, alert.pk)

    error = refused(town_a, service, actor=staff[role], alert_id=alert.pk, note="说明")

    assert (error.status, error.code) == (409, "invalid_state")
    after = reload(town_a, alert.pk)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)


def test_a_missing_alert_is_404(town_a, staff):
    error = refused(town_a, alert_acknowledge, actor=staff["accountant"], alert_id=987654)

    assert (error.status, error.code) == (404, "not_found")
