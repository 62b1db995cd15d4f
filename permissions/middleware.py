"""Refuse every page of a tenant to a logged-in user who is not its staff."""

import logging

from django.http import JsonResponse
from django.shortcuts import render

from permissions.access import membership_for

security_log = logging.getLogger("neikong.security")

# Paths anyone may reach on a tenant host; the API checks membership in its permission class.
_OPEN_PREFIXES = ("/login/", "/logout/", "/static/", "/api/")


class MembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._refused(request):
            security_log.warning(
                "not_a_member user=%s tenant=%s path=%s",
                request.user.pk,
                request.tenant.schema_name,
                request.path,
            )
            return not_a_member_response(request)
        return self.get_response(request)

    @staticmethod
    def _refused(request) -> bool:
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name == "public":
            return False
        if not request.user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return False
        return not membership_for(request).is_member


def not_a_member_response(request):
    if request.path.startswith("/api/"):
        detail = "您不是本单位的工作人员，无权访问。"
        return JsonResponse({"code": "not_a_member", "detail": detail}, status=403)
    return render(request, "403_not_a_member.html", status=403)
