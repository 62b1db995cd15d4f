"""The tenant's append-only audit trail: one hash-chained row per state change."""

from django.db import models


class AuditEvent(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    actor_id = models.BigIntegerField("操作人ID", null=True)
    actor_username = models.CharField("操作人", max_length=150, blank=True)
    post = models.CharField("岗位", max_length=32, blank=True)
    action = models.CharField("操作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    before = models.JSONField("变更前", null=True)
    after = models.JSONField("变更后", null=True)
    prev_hash = models.CharField("前一哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"
