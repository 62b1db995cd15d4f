"""API routes (included under /api/v1/county/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.controls.library import apis

urlpatterns = [
    path("rules/", apis.CountyRulesApi.as_view(), name="county-rules"),
    path("rules/<slug:code>/", apis.CountyRuleApi.as_view(), name="county-rule"),
]
