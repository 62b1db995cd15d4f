"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from permissions import apis

urlpatterns = [
    path("departments/", apis.DepartmentsApi.as_view(), name="departments"),
    path("me/departments/", apis.MyDepartmentsApi.as_view(), name="me-departments"),
    path("staff/", apis.StaffApi.as_view(), name="staff"),
    path("posts/", apis.PostsApi.as_view(), name="posts"),
    path("post-assignments/", apis.AssignmentsApi.as_view(), name="post-assignments"),
    path("post-assignments/simulate/", apis.AssignmentSimulateApi.as_view(),
         name="post-assignments-simulate"),
    path("post-assignments/<int:pk>/end/", apis.AssignmentEndApi.as_view(),
         name="post-assignments-end"),
    path("sod-exceptions/", apis.SodExceptionsApi.as_view(), name="sod-exceptions"),
    path("county/sod-exceptions/", apis.CountyExceptionsApi.as_view(),
         name="county-sod-exceptions"),
    path("county/sod-exceptions/<int:pk>/approve/", apis.CountyExceptionApproveApi.as_view(),
         name="county-sod-exceptions-approve"),
    path("county/sod-exceptions/<int:pk>/reject/", apis.CountyExceptionRejectApi.as_view(),
         name="county-sod-exceptions-reject"),
]
