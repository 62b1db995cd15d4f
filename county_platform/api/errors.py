"""One exception handler: every error is {code, detail, …}; bad input is never a 500."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from county_platform.errors import DomainError

_DEFAULT_DETAIL = {
    400: "请求格式有误。",
    401: "请先登录。",
    403: "无权执行此操作。",
    404: "未找到。",
    405: "不支持此请求方法。",
    406: "不支持请求的格式。",
    415: "不支持的内容类型。",
    429: "请求过于频繁，请稍后再试。",
}
_CODE_BY_CLASS = {
    exceptions.ParseError: "malformed",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.detail, **exc.extra}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _body(exc, response.status_code)
    return response


def _body(exc: exceptions.APIException, status_code: int) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        return {"code": "invalid", "detail": "输入有误，请检查后重试。", "errors": exc.detail}
    code = _CODE_BY_CLASS.get(type(exc))
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
    detail = str(exc.detail)
    if detail == str(type(exc).default_detail) and status_code in _DEFAULT_DETAIL:
        detail = _DEFAULT_DETAIL[status_code]
    return {"code": code, "detail": detail}


def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/v1/ answer in the API's error format, not an HTML page."""
    return JsonResponse({"code": "not_found", "detail": _DEFAULT_DETAIL[404]}, status=404)
