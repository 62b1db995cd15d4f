"""The 浙政钉 (Zhejiang government DingTalk) open-platform client: request signing, work
notifications and to-dos.

Every request is a form-encoded POST signed with HMAC-SHA256 (docs/notifications.md):

    bytesToSign = METHOD \\n Timestamp \\n Nonce \\n URI \\n k1=v1&k2=v2…

the parameters sorted, neither key nor value URL-encoded; the signature is the Base64 of the
HMAC-SHA256 of those UTF-8 bytes under the app secret. Any answer other than a definite success
raises DingTalkError; a timeout or a dropped connection raises DingTalkUnavailable, because the
platform may have acted on the request all the same.
"""

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

from apps.notifications.models import DingTalkConfig

SIGNATURE_VERSION = "1.0"
TIMEOUT_SECONDS = 10.0
BEIJING = timezone(timedelta(hours=8))

WORK_NOTIFICATION = "/message/workNotification"
TODO_CREATE = "/tc/v2/openapi/task/create.json"
TODO_FINISH = "/tc/openapi/task/finish.json"
TODO_CANCEL = "/tc/openapi/task/cancel.json"

Params = Mapping[str, str | int | bool | list[str]]


class DingTalkError(Exception):
    """The platform refused the request (success: false, an HTTP error, an unreadable answer)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"浙政钉 {code}: {message}")
        self.code = code
        self.message = message


class DingTalkUnavailable(DingTalkError):
    """No answer (timeout, connection refused or reset): the request may or may not have acted."""


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def param_pairs(params: Params) -> list[tuple[str, str]]:
    """The parameters as (key, value) text pairs, a list value giving one pair per item."""
    pairs = []
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((key, _text(item)) for item in values)
    return pairs


def canonical_params(params: Params) -> str:
    """`k=v` pairs sorted and joined by `&`, not URL-encoded (as the platform signs them)."""
    return "&".join(sorted(f"{key}={value}" for key, value in param_pairs(params)))


def bytes_to_sign(*, method: str, timestamp: str, nonce: str, uri: str, params: Params) -> str:
    parts = [method.upper(), timestamp, nonce, uri]
    if params:
        parts.append(canonical_params(params))
    return "\n".join(parts)


def signature(*, secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def timestamp_now() -> str:
    """ISO 8601 in Beijing time with milliseconds, e.g. 2026-11-27T19:30:00.123+08:00."""
    return datetime.now(BEIJING).isoformat(timespec="milliseconds")


def nonce_new() -> str:
    """13-digit milliseconds followed by 4 random digits, as the platform suggests."""
    return f"{time.time_ns() // 1_000_000}{secrets.randbelow(10_000):04d}"


def mac_address() -> str:
    node = f"{uuid.getnode():012x}"
    return ":".join(node[i:i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True)
class Credentials:
    base_url: str
    app_key: str
    app_secret: str
    tenant_id: str
    client_ip: str = "127.0.0.1"

    @classmethod
    def of(cls, config: DingTalkConfig) -> "Credentials":
        return cls(base_url=config.api_base_url.rstrip("/"), app_key=config.app_key,
                   app_secret=config.app_secret, tenant_id=config.tenant_id,
                   client_ip=config.client_ip or "127.0.0.1")

    def __repr__(self) -> str:  # never print the secret (tracebacks, logs, last_error)
        return f"Credentials(base_url={self.base_url!r}, app_key={self.app_key!r})"


def signed_headers(credentials: Credentials, *, method: str, uri: str,
                   params: Params) -> dict[str, str]:
    timestamp, nonce = timestamp_now(), nonce_new()
    text = bytes_to_sign(method=method, timestamp=timestamp, nonce=nonce, uri=uri, params=params)
    return {
        "X-Hmac-Auth-Timestamp": timestamp,
        "X-Hmac-Auth-Nonce": nonce,
        "X-Hmac-Auth-Version": SIGNATURE_VERSION,
        "X-Hmac-Auth-IP": credentials.client_ip,
        "X-Hmac-Auth-MAC": mac_address(),
        "apiKey": credentials.app_key,
        "X-Hmac-Auth-Signature": signature(secret=credentials.app_secret, text=text),
    }


class DingTalkClient:
    def __init__(self, credentials: Credentials, *, timeout: float | None = None) -> None:
        self.credentials = credentials
        self.timeout = TIMEOUT_SECONDS if timeout is None else timeout

    def call(self, uri: str, params: Params) -> Any:
        """POST `params` to `uri`, signed; the answer's content.data, or DingTalkError."""
        headers = signed_headers(self.credentials, method="POST", uri=uri, params=params)
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        body = urlencode(param_pairs(params)).encode()
        try:
            status, raw = self._post(uri, body, headers)
        except (OSError, http.client.HTTPException) as error:  # timeout, refused, reset
            raise DingTalkUnavailable("unavailable", f"{uri}: {error!r}") from None
        if status >= 300:
            raise _http_error(status, raw)
        return _content_data(raw, uri)

    def _post(self, uri: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """http.client, not urllib: it sends the header names exactly as the platform spells
        them (urllib would send "Apikey"), and never through an environment proxy."""
        base = urlsplit(self.credentials.base_url)
        kind = http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection
        connection = kind(base.netloc, timeout=self.timeout)
        try:
            connection.request("POST", base.path.rstrip("/") + uri, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def work_notification(self, *, receiver_ids: list[str], msg: dict, biz_msg_id: str) -> Any:
        return self.call(WORK_NOTIFICATION, {
            "tenantId": self.credentials.tenant_id, "receiverIds": ",".join(receiver_ids),
            "bizMsgId": biz_msg_id, "msg": json.dumps(msg, ensure_ascii=False),
        })

    def todo_create(self, *, biz_task_id: str, subject: str, assignee_id: str, url: str,
                    mobile_url: str, due_at: datetime | None = None) -> str:
        """Create the to-do; the platform keeps one per bizTaskId. Returns its taskUuid."""
        params: dict[str, Any] = {
            "tenantId": self.credentials.tenant_id, "bizTaskId": biz_task_id,
            "subject": subject, "creatorId": assignee_id, "assigneeId": assignee_id,
            "url": url, "mobileUrl": mobile_url, "isSendDynamicCard": False,
        }
        if due_at is not None:
            params["dueTime"] = int(due_at.timestamp() * 1000)
        data = self.call(TODO_CREATE, params)
        task_uuid = (data or {}).get("taskUuid") if isinstance(data, dict) else None
        if not task_uuid:
            raise DingTalkError("no_task_uuid", f"{TODO_CREATE} answered without a taskUuid")
        return str(task_uuid)

    def todo_finish(self, *, task_uuid: str, user_id: str) -> Any:
        return self.call(TODO_FINISH, {"taskUuid": task_uuid, "userId": user_id})

    def todo_cancel(self, *, task_uuid: str, user_id: str) -> Any:
        return self.call(TODO_CANCEL, {"taskUuid": task_uuid, "userId": user_id})


def _http_error(status: int, raw: bytes) -> DingTalkError:
    try:
        answer = json.loads(raw)
        code = str(answer.get("errorCode") or answer.get("Code") or status)
        message = str(answer.get("errorMsg") or answer.get("Message") or "")
    except (ValueError, AttributeError):
        code, message = str(status), raw[:200].decode(errors="replace")
    if status >= 500:  # a gateway may fail after the service acted: outcome unknown
        return DingTalkUnavailable(code, f"HTTP {status}: {message}")
    return DingTalkError(code, f"HTTP {status}: {message}")


def _content_data(raw: bytes, uri: str) -> Any:
    """The platform answers {success, content: {success, data, responseCode, …}} or
    {success: false, errorCode, errorMsg}; anything but success at both levels is an error."""
    try:
        answer = json.loads(raw)
    except ValueError:
        raise DingTalkError("unreadable", f"{uri}: not JSON: {raw[:200]!r}") from None
    if not isinstance(answer, dict) or answer.get("success") is not True:
        answer = answer if isinstance(answer, dict) else {}
        raise DingTalkError(str(answer.get("errorCode") or answer.get("Code") or "failed"),
                            str(answer.get("errorMsg") or answer.get("Message") or uri))
    content = answer.get("content")
    if isinstance(content, dict) and content.get("success") is False:
        raise DingTalkError(str(content.get("responseCode") or "failed"),
                            str(content.get("responseMessage") or uri))
    return content.get("data") if isinstance(content, dict) else content
