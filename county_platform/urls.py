"""URLs on a tenant's host (county, town, township or subdistrict)."""

from django.urls import include, path

from county_platform import web

urlpatterns = [
    path("api/v1/", include(("county_platform.api.urls", "api"))),
    path("", include((web.urlpatterns, "web"))),
]
