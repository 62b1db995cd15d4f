"""Alert pages (included under /alerts/ by county_platform/urls.py)."""

from django.urls import path

from apps.controls import views

urlpatterns = [
    path("", views.AlertsView.as_view(), name="list"),
    path("<int:alert_id>/", views.AlertView.as_view(), name="detail"),
    path("<int:alert_id>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("<int:alert_id>/rectify/", views.RectifyView.as_view(), name="rectify"),
]
