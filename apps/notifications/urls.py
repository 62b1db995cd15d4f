"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.notifications.apis import (
    DingTalkConfigApi,
    NotificationReadApi,
    NotificationsApi,
    NotificationsReadAllApi,
    UnreadCountApi,
)

urlpatterns = [
    path("notifications/", NotificationsApi.as_view(), name="notifications"),
    path("notifications/unread-count/", UnreadCountApi.as_view(),
         name="notifications-unread-count"),
    path("notifications/read-all/", NotificationsReadAllApi.as_view(),
         name="notifications-read-all"),
    path("notifications/<int:pk>/read/", NotificationReadApi.as_view(), name="notification-read"),
    path("notifications/dingtalk-config/", DingTalkConfigApi.as_view(),
         name="notifications-dingtalk-config"),
]
