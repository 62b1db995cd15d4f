"""URLs on a tenant's host (county, town, township or subdistrict)."""

from django.urls import include, path

from county_platform import web

urlpatterns = [
    path("api/v1/", include(("county_platform.api.urls", "api"))),
    path("approvals/", include(("apps.approvals.urls_web", "approvals"))),
    path("seals/", include(("apps.seals.urls_web", "seals"))),
    path("notifications/", include(("apps.notifications.urls_web", "notifications"))),
    path("spending/", include(("apps.expenditure.urls_web", "spending"))),
    path("budget/", include(("apps.budget.urls_web", "budget"))),
    path("alerts/", include(("apps.controls.urls_web", "alerts"))),
    path("county/", include(("apps.county.urls_web", "county"))),
    path("", include((web.urlpatterns, "web"))),
]
