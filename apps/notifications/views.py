"""The in-app notifications page: the list, open one (marks it read), mark all read."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from apps.notifications.selectors import notifications_for
from apps.notifications.services import notification_mark_read, notifications_mark_all_read
from county_platform.errors import DomainError

PAGE_SIZE = 50


class NotificationsView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "notifications/list.html", {
            "notifications": notifications_for(user=request.user)[:PAGE_SIZE],
        })


class OpenView(LoginRequiredMixin, View):
    """Mark one read and follow its link (a path on this host only)."""

    def post(self, request, notification_id: int):
        try:
            row = notification_mark_read(user=request.user, notification_id=notification_id)
        except DomainError as error:
            raise Http404(error.detail) from error
        if row.link.startswith("/") and not row.link.startswith("//"):
            return redirect(row.link)
        return redirect("notifications:list")


class ReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        notifications_mark_all_read(user=request.user)
        return redirect("notifications:list")
