"""Seal-use pages (included under /seals/ by county_platform/urls.py)."""

from django.urls import path

from apps.seals import views

urlpatterns = [
    path("", views.ApplicationsView.as_view(), name="list"),
    path("new/", views.NewApplicationView.as_view(), name="new"),
    path("<int:application_id>/", views.ApplicationView.as_view(), name="detail"),
    path("<int:application_id>/submit/", views.SubmitView.as_view(), name="submit"),
    path("<int:application_id>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
]
