"""Risk alerts (预警) of the tenant: raised by rules and duty checks, visible to the county."""

from django.db import models

from county_platform.db import user_ref


class Severity(models.TextChoices):
    REMIND = "remind", "提醒"
    WARN = "warn", "预警"
    BLOCK = "block", "阻断"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ACKNOWLEDGED = "acknowledged", "已确认"
    RECTIFIED = "rectified", "已整改"
    CLOSED = "closed", "已关闭"


class Alert(models.Model):
    rule = models.SlugField("规则", max_length=64)
    severity = models.CharField("级别", max_length=8, choices=Severity.choices)
    status = models.CharField(
        "状态", max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    message = models.CharField("内容", max_length=500)
    responsible_post = models.SlugField("责任岗位", max_length=32, blank=True)
    # One live alert per situation: raising the same key again returns the open alert.
    dedupe_key = models.CharField(max_length=200)
    standing = models.BooleanField("持续性预警", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = user_ref(null=True, verbose_name="确认人")
    rectified_at = models.DateTimeField("整改时间", null=True, blank=True)
    rectified_by = user_ref(null=True, verbose_name="整改人")
    rectification_note = models.CharField("整改说明", max_length=1000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = user_ref(null=True, verbose_name="关闭人")
    county_note = models.CharField("县级意见", max_length=1000, blank=True)
    reopened_count = models.PositiveIntegerField("重新打开次数", default=0)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(status="closed"),
                name="alert_one_live_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class RuleTuning(models.Model):
    """A township's own setting of one county rule: parameters inside the county's bounds, and
    switched off only where the rule is not a block rule."""

    code = models.SlugField("规则编码", max_length=64, unique=True)
    parameters = models.JSONField("参数", default=dict, blank=True)
    enabled = models.BooleanField("启用", default=True)
    updated_by = user_ref(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "规则参数（本单位）"
        verbose_name_plural = "规则参数（本单位）"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
