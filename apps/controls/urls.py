"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.controls import apis

urlpatterns = [
    path("alerts/", apis.AlertsApi.as_view(), name="alerts"),
    path("alerts/<int:pk>/", apis.AlertApi.as_view(), name="alert"),
    path("alerts/<int:pk>/acknowledge/", apis.AlertAcknowledgeApi.as_view(),
         name="alert-acknowledge"),
    path("alerts/<int:pk>/rectify/", apis.AlertRectifyApi.as_view(), name="alert-rectify"),
    path("rules/", apis.RulesApi.as_view(), name="rules"),
    path("rules/<slug:code>/", apis.RuleApi.as_view(), name="rule"),
]
