"""The tenant's process-definition routes (included under /api/v1/)."""

from django.urls import path

from apps.approvals import apis_definitions as apis

urlpatterns = [
    path("processes/", apis.ProcessesApi.as_view(), name="processes"),
    path("processes/<slug:document_type>/", apis.ProcessDetailApi.as_view(), name="process"),
]
