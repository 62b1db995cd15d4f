"""API routes (included under /api/v1/county/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.county import apis

urlpatterns = [
    path("stats/", apis.StatsListApi.as_view(), name="county-stats"),
    path("stats/<slug:slug>/", apis.StatsTownshipApi.as_view(), name="county-stats-township"),
]
