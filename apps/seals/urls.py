"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.seals import apis

urlpatterns = [
    path("seal-applications/", apis.SealApplicationsApi.as_view(), name="seal-applications"),
    path("seal-applications/<int:pk>/", apis.SealApplicationDetailApi.as_view(),
         name="seal-application"),
    path("seal-applications/<int:pk>/submit/", apis.SealApplicationSubmitApi.as_view(),
         name="seal-application-submit"),
    path("seal-applications/<int:pk>/withdraw/", apis.SealApplicationWithdrawApi.as_view(),
         name="seal-application-withdraw"),
]
