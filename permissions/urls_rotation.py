"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from permissions.apis_rotation import (
    RotationDueApi,
    RotationPlanDoneApi,
    RotationPlansApi,
    SpecialAuditsApi,
)

urlpatterns: list = [
    path("rotation/due/", RotationDueApi.as_view(), name="rotation-due"),
    path("rotation/plans/", RotationPlansApi.as_view(), name="rotation-plans"),
    path("rotation/plans/<int:pk>/done/", RotationPlanDoneApi.as_view(), name="rotation-plan-done"),
    path(
        "rotation/special-audits/", SpecialAuditsApi.as_view(), name="rotation-special-audits"
    ),
]
