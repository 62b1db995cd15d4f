"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.controls.apis import AlertsApi

urlpatterns = [
    path("alerts/", AlertsApi.as_view(), name="alerts"),
]
