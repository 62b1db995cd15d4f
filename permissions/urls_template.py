"""A tenant's duty-template routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from permissions import apis_template as apis

urlpatterns = [
    path("sod-rules/", apis.SodRulesApi.as_view(), name="sod-rules"),
    path("sod-rules/<slug:code>/", apis.SodRuleDetailApi.as_view(), name="sod-rule"),
    path("role-matrix/", apis.RoleMatrixApi.as_view(), name="role-matrix"),
    path("posts/<slug:code>/", apis.PostTightenApi.as_view(), name="post-tighten"),
]
