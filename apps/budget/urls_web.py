"""Budget pages (included under /budget/ by county_platform/urls.py)."""

from django.urls import path

from apps.budget import views

urlpatterns = [
    path("", views.ExecutionView.as_view(), name="execution"),
]
