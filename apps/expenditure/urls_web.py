"""Spending-request pages (included under /spending/ by county_platform/urls.py)."""

from django.urls import path

from apps.expenditure import views

urlpatterns = [
    path("", views.RequestsView.as_view(), name="list"),
    path("new/", views.NewRequestView.as_view(), name="new"),
    path("payments/", views.PaymentsView.as_view(), name="payments"),
    path("<int:request_id>/", views.RequestView.as_view(), name="detail"),
    path("<int:request_id>/edit/", views.EditRequestView.as_view(), name="edit"),
    path("<int:request_id>/attachments/", views.AttachView.as_view(), name="attach"),
    path("<int:request_id>/attachments/<int:attachment_id>/delete/", views.DetachView.as_view(),
         name="detach"),
    path("<int:request_id>/submit/", views.SubmitView.as_view(), name="submit"),
    path("<int:request_id>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:request_id>/pay/", views.PayView.as_view(), name="pay"),
]
