from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from apps.notifications import handlers  # noqa: F401  (registers outbox topics)
