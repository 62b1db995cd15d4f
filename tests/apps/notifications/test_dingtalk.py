"""The 浙政钉 client against the fake platform on 127.0.0.1: signing as documented, the
platform's payloads, and its error answers surfaced as failures."""

import base64
import hashlib
import hmac
import re
import socket

import pytest

from apps.notifications.dingtalk import (
    TODO_CREATE,
    WORK_NOTIFICATION,
    Credentials,
    DingTalkClient,
    DingTalkError,
    DingTalkUnavailable,
    bytes_to_sign,
    signature,
)
from tests.apps.notifications.conftest import APP_KEY, APP_SECRET, PLATFORM_TENANT


def client(server, *, secret: str = APP_SECRET, timeout: float = 5.0) -> DingTalkClient:
    credentials = Credentials(base_url=server.base_url, app_key=APP_KEY, app_secret=secret,
                              tenant_id=PLATFORM_TENANT)
    return DingTalkClient(credentials, timeout=timeout)


def create(server, biz: str = "neikong-t-1", **overrides):
    fields = {"biz_task_id": biz, "subject": "待办：部门负责人审核", "assignee_id": "acc-1",
              "url": "https://town-a.example.cn/approvals/tasks/1/",
              "mobile_url": "https://town-a.example.cn/approvals/tasks/1/"}
    return client(server, **overrides).todo_create(**fields)


def test_bytes_to_sign_is_method_timestamp_nonce_uri_and_sorted_raw_params():
    text = bytes_to_sign(method="post", timestamp="2026-11-27T19:30:00.123+08:00",
                         nonce="17645555555550042", uri="/message/workNotification",
                         params={"tenantId": "1", "msg": '{"a": "中 文&x=y"}',
                                 "bizMsgId": "k:1"})

    assert text == ("POST\n2026-11-27T19:30:00.123+08:00\n17645555555550042\n"
                    '/message/workNotification\nbizMsgId=k:1&msg={"a": "中 文&x=y"}&tenantId=1')
    expected = base64.b64encode(
        hmac.new(b"key", text.encode("utf-8"), hashlib.sha256).digest()).decode()
    assert signature(secret="key", text=text) == expected


def test_a_signed_request_carries_every_header_and_is_accepted(platform):
    task_uuid = create(platform)

    request = platform.platform.accepted(TODO_CREATE)[0]
    assert task_uuid == platform.platform.todos["neikong-t-1"]["taskUuid"]
    assert request.headers["X-Hmac-Auth-Version"] == "1.0"
    assert request.headers["apiKey"] == APP_KEY
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00",
                        request.headers["X-Hmac-Auth-Timestamp"])
    assert re.fullmatch(r"\d{17}", request.headers["X-Hmac-Auth-Nonce"])
    assert request.headers["X-Hmac-Auth-IP"] == "127.0.0.1"
    assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", request.headers["X-Hmac-Auth-MAC"])
    assert APP_SECRET not in str(request.headers) + str(request.params)


def test_the_todo_payload_is_what_the_platform_documents(platform):
    create(platform, biz="neikong-t-9")

    params = platform.platform.accepted(TODO_CREATE)[0].params
    assert params == {
        "tenantId": PLATFORM_TENANT, "bizTaskId": "neikong-t-9", "subject": "待办：部门负责人审核",
        "creatorId": "acc-1", "assigneeId": "acc-1", "isSendDynamicCard": "false",
        "url": "https://town-a.example.cn/approvals/tasks/1/",
        "mobileUrl": "https://town-a.example.cn/approvals/tasks/1/",
    }


def test_text_with_reserved_characters_is_signed_over_its_raw_form(platform):
    msg = {"msgtype": "text", "text": {"content": "请审批 a&b=c+d %20 100%"}}

    client(platform).work_notification(receiver_ids=["acc-1", "acc-2"], msg=msg,
                                       biz_msg_id="k&1=2")

    params = platform.platform.accepted(WORK_NOTIFICATION)[0].params
    assert params["receiverIds"] == "acc-1,acc-2"
    assert params["bizMsgId"] == "k&1=2"
    assert '"请审批 a&b=c+d %20 100%"' in params["msg"]


def test_a_wrong_secret_is_refused_with_the_platforms_error(platform):
    with pytest.raises(DingTalkError) as refused:
        create(platform, secret="not-the-secret")

    assert refused.value.code == "InvalidSignature"
    assert not isinstance(refused.value, DingTalkUnavailable)
    assert platform.platform.todos == {}


@pytest.mark.parametrize(("fault", "code", "unknown_outcome"), [
    ("error", "TC_SERVICE_ERROR", False),
    ("inner_error", "500", False),
    ("5xx", "502", True),
])
def test_error_answers_raise(platform, fault, code, unknown_outcome):
    platform.platform.fail_next(TODO_CREATE, fault)

    with pytest.raises(DingTalkError) as failed:
        create(platform)

    assert failed.value.code == code
    assert isinstance(failed.value, DingTalkUnavailable) is unknown_outcome


def test_a_timeout_raises_unavailable_though_the_platform_acted(platform):
    platform.platform.fail_next(TODO_CREATE, "slow")
    platform.platform.slow_seconds = 1.0

    with pytest.raises(DingTalkUnavailable):
        create(platform, timeout=0.3)

    assert platform.platform.create_calls["neikong-t-1"] == 1


def test_nobody_listening_raises_unavailable():
    with socket.socket() as probe:  # a port on 127.0.0.1 that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    credentials = Credentials(base_url=f"http://127.0.0.1:{port}", app_key=APP_KEY,
                              app_secret=APP_SECRET, tenant_id=PLATFORM_TENANT)

    with pytest.raises(DingTalkUnavailable):
        DingTalkClient(credentials, timeout=2).todo_finish(task_uuid="x", user_id="y")


def test_credentials_never_print_the_secret():
    credentials = Credentials(base_url="https://x", app_key="k", app_secret=APP_SECRET,
                              tenant_id="1")

    assert APP_SECRET not in repr(credentials) + str(credentials)
