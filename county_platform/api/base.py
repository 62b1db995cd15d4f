"""Base API views: scoping to the host's tenant is inherited and cannot be skipped."""

from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework.views import APIView

from permissions.access import Membership, membership_for


class TenantAPIView(APIView):
    """Every tenant endpoint derives from this. Its permission is fixed by the base class
    (authenticated member of the host's tenant); subclasses may add to it with
    `extra_permission_classes` but cannot replace it."""

    extra_permission_classes: tuple = ()

    def get_permissions(self):
        defaults = settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]
        base = [import_string(path)() for path in defaults]
        return base + [cls() for cls in self.extra_permission_classes]

    @property
    def membership(self) -> Membership:
        return membership_for(self.request)
