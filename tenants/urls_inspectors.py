"""Inspector grants and access log (included under /api/v1/county/)."""

from django.urls import path

from tenants.apis_inspectors import InspectorAccessApi, InspectorGrantRevokeApi, InspectorGrantsApi

urlpatterns = [
    path("inspector-grants/", InspectorGrantsApi.as_view(), name="inspector-grants"),
    path(
        "inspector-grants/<int:pk>/revoke/",
        InspectorGrantRevokeApi.as_view(),
        name="inspector-grant-revoke",
    ),
    path("inspector-access/", InspectorAccessApi.as_view(), name="inspector-access"),
]
