"""The default API permission: an authenticated member of the host's tenant."""

import logging

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from permissions.access import membership_for

security_log = logging.getLogger("neikong.security")


class NotAMember(exceptions.PermissionDenied):
    default_code = "not_a_member"
    default_detail = "您不是本单位的工作人员，无权访问。"


class IsTenantMember(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not membership_for(request).is_member:
            security_log.warning(
                "not_a_member user=%s tenant=%s path=%s",
                request.user.pk,
                getattr(getattr(request, "tenant", None), "schema_name", None),
                request.path,
            )
            raise NotAMember()
        return True


class HoldsPost(IsTenantMember):
    """A member who holds one of `view.required_posts` today."""

    def has_permission(self, request, view) -> bool:
        super().has_permission(request, view)
        required = set(getattr(view, "required_posts", ()))
        if required and not required & set(membership_for(request).posts):
            raise exceptions.PermissionDenied(
                detail="您的岗位无权执行此操作。", code="permission_denied"
            )
        return True


class OnCountyHost(IsTenantMember):
    """Endpoints of the county tenant only; on a township's host they do not exist."""

    def has_permission(self, request, view) -> bool:
        if not getattr(getattr(request, "tenant", None), "is_county", False):
            raise exceptions.NotFound()
        return super().has_permission(request, view)
