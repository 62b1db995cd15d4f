"""API routes (included under /api/v1/county/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.county import alerts_apis

urlpatterns = [
    path("alerts/", alerts_apis.CountyAlertsApi.as_view(), name="county-alerts"),
    path("alerts/<int:pk>/", alerts_apis.CountyAlertApi.as_view(), name="county-alert"),
    path("alerts/<int:pk>/attachments/<int:attachment_id>/",
         alerts_apis.CountyAlertEvidenceApi.as_view(), name="county-alert-evidence"),
    path("alerts/<int:pk>/close/", alerts_apis.CountyAlertCloseApi.as_view(),
         name="county-alert-close"),
    path("alerts/<int:pk>/reopen/", alerts_apis.CountyAlertReopenApi.as_view(),
         name="county-alert-reopen"),
]
