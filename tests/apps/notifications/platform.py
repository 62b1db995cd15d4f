"""A stand-in for the 浙政钉 open platform on 127.0.0.1, for tests: it checks every request's
signature as the platform documents it, keeps work notifications and to-dos, and answers
in the platform's shapes. Written independently of apps/notifications/dingtalk.py, so that
the client's signing is checked against the documentation, not against itself.

Signing (the platform's documentation): bytesToSign is the method, the X-Hmac-Auth-Timestamp,
the X-Hmac-Auth-Nonce, the URI and the request's parameters as `key=value` sorted and joined by
`&` (neither URL-encoded), joined by newlines; the signature is Base64(HmacSHA256(secret,
UTF-8 bytes of bytesToSign))."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

MAX_SKEW = timedelta(minutes=5)
REQUIRED_HEADERS = ("X-Hmac-Auth-Timestamp", "X-Hmac-Auth-Nonce", "X-Hmac-Auth-Version",
                    "X-Hmac-Auth-IP", "X-Hmac-Auth-MAC", "X-Hmac-Auth-Signature", "apiKey")
REQUIRED_PARAMS = {
    "/message/workNotification": ("tenantId", "receiverIds", "msg", "bizMsgId"),
    "/tc/v2/openapi/task/create.json": ("tenantId", "bizTaskId", "subject", "creatorId",
                                        "assigneeId", "url", "mobileUrl"),
    "/tc/openapi/task/finish.json": ("taskUuid", "userId"),
    "/tc/openapi/task/cancel.json": ("taskUuid", "userId"),
}


def refusal(code: str, message: str) -> dict:
    return {"success": False, "errorCode": code, "errorMsg": message, "errorLevel": "error"}


def answer(data: dict) -> dict:
    return {"success": True, "content": {"success": True, "responseCode": "0",
                                         "responseMessage": "OK", "data": data}}


def expected_signature(secret: str, method: str, headers, uri: str,
                       pairs: list[tuple[str, str]]) -> str:
    lines = [method, headers["X-Hmac-Auth-Timestamp"], headers["X-Hmac-Auth-Nonce"], uri]
    if pairs:
        lines.append("&".join(sorted(f"{key}={value}" for key, value in pairs)))
    digest = hmac.new(secret.encode("utf-8"), "\n".join(lines).encode("utf-8"),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass
class Request:
    uri: str
    headers: dict
    params: dict
    accepted: bool = False


@dataclass
class FakePlatform:
    app_key: str
    app_secret: str
    tenant_id: str
    requests: list[Request] = field(default_factory=list)
    todos: dict[str, dict] = field(default_factory=dict)  # by bizTaskId
    create_calls: Counter = field(default_factory=Counter)  # by bizTaskId
    messages: dict[str, dict] = field(default_factory=dict)  # by bizMsgId
    # Injected faults, consumed in order per URI: "5xx", "error", "inner_error", "slow".
    faults: dict[str, list[str]] = field(default_factory=dict)
    slow_seconds: float = 1.5
    nonces: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, uri: str, *faults: str) -> None:
        self.faults.setdefault(uri, []).extend(faults)

    def handle(self, uri: str, headers, pairs: list[tuple[str, str]]) -> tuple[int, dict | str]:
        params = dict(pairs)
        request = Request(uri, dict(headers.items()), params)
        with self.lock:
            self.requests.append(request)
            problem = self._check(uri, headers, pairs)
            if problem is not None:
                return 200, problem
            request.accepted = True
            fault = self.faults.get(uri, []).pop(0) if self.faults.get(uri) else None
            if fault == "5xx":
                return 502, "<html><body>502 Bad Gateway</body></html>"
            if fault == "error":
                return 200, refusal("TC_SERVICE_ERROR", "待办服务暂时不可用")
            if fault == "inner_error":
                return 200, {"success": True, "content": {
                    "success": False, "responseCode": "500", "responseMessage": "系统繁忙"}}
            result = self._act(uri, params)
        if fault == "slow":  # acted, but answers after the client has given up
            time.sleep(self.slow_seconds)
        return 200, result

    def _check(self, uri: str, headers, pairs) -> dict | None:
        return self._check_headers(headers) or self._check_signature(uri, headers, pairs) \
            or self._check_params(uri, dict(pairs))

    def _check_headers(self, headers) -> dict | None:
        missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
        if missing:
            return refusal("MissingHeader", f"缺少请求头 {missing}")
        if headers["X-Hmac-Auth-Version"] != "1.0":
            return refusal("InvalidVersion", "签名版本错误")
        if headers["apiKey"] != self.app_key:
            return refusal("InvalidApiKey", "apiKey 不存在")
        try:
            stamp = datetime.fromisoformat(headers["X-Hmac-Auth-Timestamp"])
        except ValueError:
            return refusal("InvalidTimestamp", "时间戳格式错误")
        if stamp.tzinfo is None or abs(datetime.now(stamp.tzinfo) - stamp) > MAX_SKEW:
            return refusal("InvalidTimestamp", "时间戳已过期")
        if headers["X-Hmac-Auth-Nonce"] in self.nonces:
            return refusal("ReplayedNonce", "请求重放")
        self.nonces.add(headers["X-Hmac-Auth-Nonce"])
        return None

    def _check_signature(self, uri: str, headers, pairs) -> dict | None:
        wanted = expected_signature(self.app_secret, "POST", headers, uri, pairs)
        if not hmac.compare_digest(wanted, headers["X-Hmac-Auth-Signature"]):
            return refusal("InvalidSignature", "签名校验失败")
        return None

    def _check_params(self, uri: str, params: dict) -> dict | None:
        if uri not in REQUIRED_PARAMS:
            return refusal("ApiNotFound", f"接口不存在 {uri}")
        absent = [name for name in REQUIRED_PARAMS[uri] if not params.get(name)]
        if absent:
            return refusal("MissingParameter", f"缺少参数 {absent}")
        if "tenantId" in REQUIRED_PARAMS[uri] and params["tenantId"] != self.tenant_id:
            return refusal("InvalidTenant", "租户不存在")
        return None

    def _act(self, uri: str, params: dict) -> dict:
        if uri == "/message/workNotification":
            json.loads(params["msg"])  # must be JSON
            self.messages.setdefault(params["bizMsgId"], params)
            return answer({"msgId": f"msg-{params['bizMsgId']}"})
        if uri == "/tc/v2/openapi/task/create.json":
            biz = params["bizTaskId"]
            self.create_calls[biz] += 1
            todo = self.todos.setdefault(biz, {**params, "taskUuid": uuid.uuid4().hex,
                                               "status": "open"})
            return answer({"taskUuid": todo["taskUuid"], "bizTaskId": biz})
        todo = next((t for t in self.todos.values() if t["taskUuid"] == params["taskUuid"]), None)
        if todo is None or todo["assigneeId"] != params["userId"]:
            return refusal("TASK_NOT_FOUND", "待办不存在")
        todo["status"] = "finished" if uri.endswith("finish.json") else "cancelled"
        return answer({"result": True})

    def accepted(self, uri: str) -> list[Request]:
        return [r for r in self.requests if r.uri == uri and r.accepted]


def _handler(platform: FakePlatform):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            pairs = parse_qsl(body, keep_blank_values=True)
            status, result = platform.handle(self.path.split("?")[0], self.headers, pairs)
            raw = result.encode() if isinstance(result, str) else json.dumps(result).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args):
            pass

    return Handler


class Server:
    """The fake platform served by a thread on 127.0.0.1 at a random free port."""

    def __init__(self, platform: FakePlatform) -> None:
        self.platform = platform
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(platform))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
