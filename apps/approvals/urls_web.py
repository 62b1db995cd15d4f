"""Approval pages (included under /approvals/ by county_platform/urls.py)."""

from django.urls import path

from apps.approvals import views

urlpatterns = [
    path("tasks/", views.TasksView.as_view(), name="tasks"),
    path("tasks/<int:task_id>/", views.TaskView.as_view(), name="task"),
    path("<int:approval_id>/", views.PaperView.as_view(), name="approval"),
    path("<int:approval_id>/print/", views.PrintView.as_view(), name="print"),
]
