"""In-app notification pages (included under /notifications/ by county_platform/urls.py)."""

from django.urls import path

from apps.notifications import views

urlpatterns = [
    path("", views.NotificationsView.as_view(), name="list"),
    path("<int:notification_id>/open/", views.OpenView.as_view(), name="open"),
    path("read-all/", views.ReadAllView.as_view(), name="read-all"),
]
