"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.approvals import apis

urlpatterns = [
    path("approvals/tasks/", apis.TaskListApi.as_view(), name="approval-tasks"),
    path("approvals/tasks/counts/", apis.TaskCountsApi.as_view(), name="approval-task-counts"),
    path("approvals/tasks/<int:pk>/approve/", apis.TaskDecideApi.as_view(decision="approve"),
         name="approval-task-approve"),
    path("approvals/tasks/<int:pk>/reject/", apis.TaskDecideApi.as_view(decision="reject"),
         name="approval-task-reject"),
    path("approvals/tasks/<int:pk>/return/", apis.TaskDecideApi.as_view(decision="return"),
         name="approval-task-return"),
    path("approvals/tasks/<int:pk>/delegate/", apis.TaskDelegateApi.as_view(),
         name="approval-task-delegate"),
    path("approvals/tasks/<int:pk>/add-signer/", apis.TaskAddSignerApi.as_view(),
         name="approval-task-add-signer"),
    path("approvals/stats/steps/", apis.StepStatsApi.as_view(), name="approval-stats-steps"),
    path("approvals/stats/tenant/", apis.TenantStatsApi.as_view(), name="approval-stats-tenant"),
    path("approvals/<int:pk>/", apis.ApprovalDetailApi.as_view(), name="approval"),
    path("approvals/<int:pk>/comments/", apis.ApprovalCommentsApi.as_view(),
         name="approval-comments"),
]
