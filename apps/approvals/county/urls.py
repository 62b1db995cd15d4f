"""The county's process-template routes (included under /api/v1/county/)."""

from django.urls import path

from apps.approvals.county import apis

urlpatterns = [
    path("process-templates/", apis.CountyProcessesApi.as_view(),
         name="county-process-templates"),
    path("process-templates/versions/", apis.CountyProcessVersionsApi.as_view(),
         name="county-process-template-versions"),
    path("process-templates/publish/", apis.CountyProcessPublishApi.as_view(),
         name="county-process-template-publish"),
    path("process-templates/<slug:document_type>/", apis.CountyProcessDetailApi.as_view(),
         name="county-process-template"),
]
