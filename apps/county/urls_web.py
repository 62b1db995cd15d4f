"""Web pages of the county view (included under /county/ by county_platform/urls.py)."""

from django.urls import path

from apps.county import alerts_views, views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("townships/<slug:slug>/", views.TownshipView.as_view(), name="township"),
    path("alerts/", alerts_views.CountyAlertsView.as_view(), name="alerts"),
    path("alerts/<int:pk>/", alerts_views.CountyAlertView.as_view(), name="alert"),
]
