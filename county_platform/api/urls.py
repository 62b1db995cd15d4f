"""/api/v1/ on a tenant's host."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.audit.apis import AuditHeadApi
from county_platform.api.errors import api_not_found
from tenants.apis import CountyTenantsApi, MeApi, TokenApi

urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("me/", MeApi.as_view(), name="me"),
    path("audit/head/", AuditHeadApi.as_view(), name="audit-head"),
    path("county/tenants/", CountyTenantsApi.as_view(), name="county-tenants"),
    path("", include("permissions.urls")),
    path("", include("permissions.urls_template")),
    path("", include("permissions.urls_rotation")),
    path("", include("apps.controls.urls")),
    path("", include("apps.approvals.urls")),
    path("", include("apps.approvals.urls_definitions")),
    path("", include("apps.attachments.urls")),
    path("", include("apps.seals.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.budget.urls")),
    path("", include("apps.expenditure.urls")),
    path("county/", include("permissions.catalog.urls")),
    path("county/", include("apps.approvals.county.urls")),
    path("county/", include("tenants.urls_inspectors")),
    path("county/", include("apps.controls.library.urls")),
    path("county/", include("apps.county.urls_alerts")),
    path("county/", include("apps.county.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", api_not_found, name="not-found"),
]
