"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.expenditure import apis

urlpatterns = [
    path("spending-requests/", apis.SpendingRequestsApi.as_view(), name="spending-requests"),
    path("spending-requests/<int:pk>/", apis.SpendingRequestDetailApi.as_view(),
         name="spending-request"),
    path("spending-requests/<int:pk>/submit/", apis.SpendingRequestSubmitApi.as_view(),
         name="spending-request-submit"),
    path("spending-requests/<int:pk>/withdraw/", apis.SpendingRequestWithdrawApi.as_view(),
         name="spending-request-withdraw"),
    path("payments/", apis.PaymentsApi.as_view(), name="payments"),
]
