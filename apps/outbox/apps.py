"""The transactional outbox app."""

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "apps.outbox"
    label = "outbox"
    verbose_name = "消息发件箱"

    def ready(self) -> None:
        from apps.outbox import handlers  # noqa: F401  (registers the built-in topics)
