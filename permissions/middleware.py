"""Pages of a tenant: refuse non-members, keep inspectors read-only, log every inspector request.

The API makes the same membership decision in its permission class (county_platform.api
.permissions); the access log is written here for pages and API alike, after the response."""

import logging

from django.http import JsonResponse
from django.shortcuts import render
from django_tenants.utils import schema_context

from permissions.access import membership_for, membership_resolve
from tenants.inspectors import inspector_access_record, inspector_grant_latest

security_log = logging.getLogger("neikong.security")

# Paths anyone may reach on a tenant host; the API checks membership in its permission class.
_OPEN_PREFIXES = ("/login/", "/logout/", "/static/", "/api/")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class MembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The user before the view runs: logging out replaces it with an anonymous one.
        before = _authenticated_user(request)
        response = None
        try:
            response = _refusal(request) or self.get_response(request)
        finally:
            _log_inspector_access(request, before, response)
        return response


def _on_tenant_host(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.schema_name != "public"


def _authenticated_user(request):
    user = getattr(request, "user", None)
    if _on_tenant_host(request) and user is not None and user.is_authenticated:
        return user
    return None


def _refusal(request):
    """The 403 page for this request, or None to let it through."""
    if _authenticated_user(request) is None or request.path.startswith(_OPEN_PREFIXES):
        return None
    membership = membership_for(request)
    if not membership.is_member:
        _log_refusal("not_a_member", request)
        return not_a_member_response(request)
    if membership.read_only and request.method not in _SAFE_METHODS:
        _log_refusal("read_only", request)
        return render(request, "403.html", status=403)
    return None


def _log_refusal(code: str, request) -> None:
    security_log.warning(
        "%s user=%s tenant=%s method=%s path=%s",
        code,
        request.user.pk,
        request.tenant.schema_name,
        request.method,
        request.path,
    )


def not_a_member_response(request):
    if request.path.startswith("/api/"):
        detail = "您不是本单位的工作人员，无权访问。"
        return JsonResponse({"code": "not_a_member", "detail": detail}, status=403)
    return render(request, "403_not_a_member.html", status=403)


def _log_inspector_access(request, before, response) -> None:
    """Record the request if an inspector made it (allowed or refused); never raises."""
    try:
        user = _authenticated_user(request) or before  # DRF may have set a token user
        if user is None:
            return
        grant = _inspection_grant(request, user)
        if grant is None:
            return
        inspector_access_record(
            grant=grant,
            user=user,
            tenant=request.tenant,
            method=request.method,
            path=request.get_full_path(),
            status_code=getattr(response, "status_code", 500),
        )
    except Exception:  # the log must not turn an answer into a 500; say loudly that it failed
        security_log.exception(
            "inspector_access_not_logged user=%s path=%s", getattr(before, "pk", None),
            getattr(request, "path", ""),
        )


def _inspection_grant(request, user):
    """The grant the request ran under; for a refused non-member, their latest grant here
    (expired or revoked), so that attempts after a grant ended are on the record too."""
    tenant = request.tenant
    with schema_context(tenant.schema_name):
        if user.pk == getattr(request.user, "pk", None):
            membership = membership_for(request)
        else:
            membership = membership_resolve(user=user, tenant=tenant)
        if membership.is_inspector:
            return membership.inspector_grant
        if membership.is_member:
            return None
        return inspector_grant_latest(user=user, tenant=tenant)
