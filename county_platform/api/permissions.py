"""The default API permission: an authenticated member of the host's tenant.

Inspectors are members with a read-only membership: this class, which every endpoint inherits
through TenantAPIView, is the one place that refuses them every unsafe method."""

import logging

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from permissions.access import membership_for

security_log = logging.getLogger("neikong.security")


class NotAMember(exceptions.PermissionDenied):
    default_code = "not_a_member"
    default_detail = "您不是本单位的工作人员，无权访问。"


class ReadOnly(exceptions.PermissionDenied):
    default_code = "read_only"
    default_detail = "检查人员只能查阅，不能修改任何数据。"


class IsTenantMember(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        membership = membership_for(request)
        if not membership.is_member:
            _log_refusal("not_a_member", request)
            raise NotAMember()
        if membership.read_only and request.method not in SAFE_METHODS:
            _log_refusal("read_only", request)
            raise ReadOnly()
        return True


def _log_refusal(code: str, request) -> None:
    security_log.warning(
        "%s user=%s tenant=%s method=%s path=%s",
        code,
        request.user.pk,
        getattr(getattr(request, "tenant", None), "schema_name", None),
        request.method,
        request.path,
    )


def _inspector_reading(request, view) -> bool:
    """An inspector's safe request passes post checks, unless the view opts out
    (`inspectors_may_read = False`, e.g. the inspectors' own access log)."""
    return (
        request.method in SAFE_METHODS
        and membership_for(request).is_inspector
        and getattr(view, "inspectors_may_read", True)
    )


class HoldsPost(IsTenantMember):
    """A member who holds one of `view.required_posts` today; inspectors may read."""

    def has_permission(self, request, view) -> bool:
        super().has_permission(request, view)
        if _inspector_reading(request, view):
            return True
        required = set(getattr(view, "required_posts", ()))
        if required and not required & set(membership_for(request).posts):
            raise exceptions.PermissionDenied(
                detail="您的岗位无权执行此操作。", code="permission_denied"
            )
        return True


class HoldsPostToWrite(HoldsPost):
    """Any member reads; writing (an unsafe method) needs one of `view.required_posts`."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return IsTenantMember.has_permission(self, request, view)
        return super().has_permission(request, view)


class OnCountyHost(IsTenantMember):
    """Endpoints of the county tenant only; on a township's host they do not exist."""

    def has_permission(self, request, view) -> bool:
        if not getattr(getattr(request, "tenant", None), "is_county", False):
            raise exceptions.NotFound()
        return super().has_permission(request, view)
