"""The outbox: messages written in the transaction of a change, delivered after it commits."""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField("主题", max_length=64)
    payload = models.JSONField("内容", default=dict, encoder=DjangoJSONEncoder)
    idempotency_key = models.CharField("幂等键", max_length=200, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True, default="")
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now)

    class Meta:
        verbose_name = "待发消息"
        verbose_name_plural = "待发消息"
        indexes = [
            # The sweep reads only undelivered rows by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_due_idx",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.idempotency_key}"
