"""Admin of notifications: read-only views (changes go through the audited services); the
浙政钉 secret is never shown."""

from django.contrib import admin

from apps.notifications.models import (
    DingTalkConfig,
    DingTalkTodo,
    Notification,
    NotificationDelivery,
)


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(_ReadOnlyAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(_ReadOnlyAdmin):
    list_display = ("source_key", "channel", "status", "external_id", "delivered_at")
    list_filter = ("channel", "status")


@admin.register(DingTalkTodo)
class DingTalkTodoAdmin(_ReadOnlyAdmin):
    list_display = ("biz_task_id", "task_uuid", "assignee_account", "status", "created_at")
    list_filter = ("status",)


@admin.register(DingTalkConfig)
class DingTalkConfigAdmin(_ReadOnlyAdmin):
    """Changed through the audited API only; the secret is not among the fields shown."""

    list_display = ("app_key", "enabled", "tenant_id", "updated_at")
    fields = ("enabled", "api_base_url", "app_key", "tenant_id", "agent_id", "client_ip",
              "updated_at")
