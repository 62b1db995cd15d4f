"""The in-app notification API (only the recipient sees or changes a row) and the 浙政钉
configuration API (tenant_admin; the secret is write-only and never audited)."""

import json

import pytest
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from apps.audit.models import AuditEvent
from apps.notifications.models import DingTalkConfig, Notification
from apps.notifications.selectors import dingtalk_config_get
from tests.apps.notifications.conftest import APP_SECRET, deliver_pending, notify, person
from tests.conftest import api_client

pytestmark = pytest.mark.django_db

CONFIG = "/api/v1/notifications/dingtalk-config/"
FULL = {"enabled": True, "api_base_url": "https://openplatform-pro.ding.zj.gov.cn",
        "app_key": "key-1", "app_secret": APP_SECRET, "tenant_id": "196729", "agent_id": "a-1"}


def client_of(tenant, user):
    return api_client(tenant, Token.objects.get_or_create(user=user)[0].key)


def notices(tenant, user, count: int, start: int = 1) -> list[Notification]:
    with schema_context(tenant.schema_name):
        for n in range(start, start + count):
            notify({"recipient_id": user.pk, "kind": "approval_approved",
                    "title": f"您的申请已通过 {n}", "link": f"/approvals/{n}/"}, f"k{user.pk}:{n}")
        deliver_pending()
        return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_the_list_is_the_callers_own_newest_first_and_filters_unread(town_a):
    me, other = person(town_a), person(town_a)
    mine = notices(town_a, me, 3)
    notices(town_a, other, 2, start=10)
    client = client_of(town_a, me)
    client.post(f"/api/v1/notifications/{mine[0].pk}/read/")

    page = client.get("/api/v1/notifications/").json()
    unread = client.get("/api/v1/notifications/?unread=true").json()
    read = client.get("/api/v1/notifications/?unread=false").json()

    assert set(page) == {"count", "next", "previous", "results"}
    assert [r["id"] for r in page["results"]] == [n.pk for n in reversed(mine)]
    assert set(page["results"][0]) >= {"id", "kind", "title", "body", "link", "created_at",
                                       "read_at", "is_read"}
    assert [r["id"] for r in unread["results"]] == [mine[2].pk, mine[1].pk]
    assert [(r["id"], r["is_read"]) for r in read["results"]] == [(mine[0].pk, True)]


def test_unread_count_and_read_all_touch_only_the_callers_rows(town_a):
    me, other = person(town_a), person(town_a)
    notices(town_a, me, 2)
    notices(town_a, other, 3, start=10)
    client = client_of(town_a, me)

    before = client.get("/api/v1/notifications/unread-count/").json()
    marked = client.post("/api/v1/notifications/read-all/").json()
    after = client.get("/api/v1/notifications/unread-count/").json()

    with schema_context(town_a.schema_name):
        others_unread = Notification.objects.filter(recipient=other, read_at=None).count()
    assert (before, marked, after) == ({"count": 2}, {"count": 2}, {"count": 0})
    assert others_unread == 3


def test_marking_read_is_for_the_recipient_only(town_a):
    me, other = person(town_a), person(town_a)
    theirs = notices(town_a, other, 1)[0]
    mine = notices(town_a, me, 1, start=5)[0]
    client = client_of(town_a, me)

    refused = client.post(f"/api/v1/notifications/{theirs.pk}/read/")
    missing = client.post("/api/v1/notifications/987654/read/")
    accepted = client.post(f"/api/v1/notifications/{mine.pk}/read/")

    with schema_context(town_a.schema_name):
        theirs.refresh_from_db()
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert refused.json() == missing.json()
    assert theirs.read_at is None
    assert accepted.status_code == 200
    assert accepted.json()["is_read"] is True


def test_another_tenants_member_sees_nothing(town_a, town_b):
    me = person(town_a)
    notices(town_a, me, 1)
    stranger = person(town_b)

    response = client_of(town_b, stranger).get("/api/v1/notifications/").json()

    assert response["count"] == 0


def test_anonymous_and_bad_filters(town_a):
    me = person(town_a)

    anonymous = api_client(town_a).get("/api/v1/notifications/unread-count/")
    bad = client_of(town_a, me).get("/api/v1/notifications/?unread=maybe")

    assert anonymous.status_code == 401
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")


def test_only_a_tenant_admin_reads_or_writes_the_dingtalk_config(town_a):
    member = person(town_a)
    client = client_of(town_a, member)

    read = client.get(CONFIG)
    write = client.put(CONFIG, FULL, format="json")

    with schema_context(town_a.schema_name):
        saved = DingTalkConfig.objects.exists()
    assert (read.status_code, read.json()["code"]) == (403, "permission_denied")
    assert (write.status_code, write.json()["code"]) == (403, "permission_denied")
    assert saved is False


def test_the_secret_is_write_only_and_never_in_an_answer_or_the_audit(town_a):
    admin = person(town_a, posts=("tenant_admin",))
    client = client_of(town_a, admin)

    empty = client.get(CONFIG).json()
    saved = client.put(CONFIG, FULL, format="json")
    renamed = client.put(CONFIG, {"app_key": "key-2"}, format="json")
    shown = client.get(CONFIG)

    with schema_context(town_a.schema_name):
        stored = dingtalk_config_get()
        events = list(AuditEvent.objects.filter(action="notifications.dingtalk_config_updated")
                      .order_by("seq").values("actor_id", "before", "after"))
    assert empty["app_secret_set"] is False
    assert saved.status_code == 200
    assert shown.json() == {**{k: v for k, v in FULL.items() if k != "app_secret"},
                            "app_key": "key-2", "app_secret_set": True, "client_ip": "127.0.0.1",
                            "updated_at": shown.json()["updated_at"]}
    for response in (saved, renamed, shown):
        assert APP_SECRET not in response.content.decode()
        assert "app_secret" not in response.json()
    assert (stored.app_key, stored.app_secret) == ("key-2", APP_SECRET)
    assert [e["after"]["app_secret_changed"] for e in events] == [True, False]
    assert {e["actor_id"] for e in events} == {admin.pk}
    assert APP_SECRET not in json.dumps(events, ensure_ascii=False)


def test_enabling_an_incomplete_config_is_refused(town_a):
    admin = person(town_a, posts=("tenant_admin",))

    response = client_of(town_a, admin).put(CONFIG, {"enabled": True, "app_key": "k"},
                                            format="json")

    with schema_context(town_a.schema_name):
        saved = DingTalkConfig.objects.exists()
    assert (response.status_code, response.json()["code"]) == (400, "incomplete_config")
    assert saved is False


def test_a_bad_base_url_is_a_400(town_a):
    admin = person(town_a, posts=("tenant_admin",))

    response = client_of(town_a, admin).put(CONFIG, {"api_base_url": "not a url"},
                                            format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
