"""Notifications of the tenant: the in-app rows (站内通知), what each external channel delivered,
the 浙政钉 to-dos kept in step with approval tasks, and the tenant's 浙政钉 configuration."""

from django.db import models

from county_platform.db import user_ref


class Notification(models.Model):
    recipient = user_ref()
    kind = models.SlugField("类型", max_length=48)
    title = models.CharField("标题", max_length=200)
    body = models.CharField("内容", max_length=1000, blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    # The outbox message that made it: delivering that message twice makes one row.
    source_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    DINGTALK_MESSAGE = "dingtalk_message", "浙政钉工作通知"
    DINGTALK_TODO = "dingtalk_todo", "浙政钉待办"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", "已送达"
    SKIPPED = "skipped", "无需发送"


class NotificationDelivery(models.Model):
    """One notification delivered by one external channel, written only after a definite
    answer: a retried delivery that finds its row sends nothing again."""

    source_key = models.CharField("来源消息", max_length=200)
    channel = models.CharField("渠道", max_length=24, choices=Channel.choices)
    status = models.CharField("状态", max_length=12, choices=DeliveryStatus.choices)
    external_id = models.CharField("外部编号", max_length=128, blank=True)
    detail = models.CharField("说明", max_length=300, blank=True)
    delivered_at = models.DateTimeField("送达时间", auto_now_add=True)

    class Meta:
        verbose_name = "通知送达记录"
        verbose_name_plural = "通知送达记录"
        ordering = ["-delivered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_key", "channel"],
                                    name="one_delivery_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.source_key} {self.channel} {self.status}"


class TodoStatus(models.TextChoices):
    OPEN = "open", "待办"
    FINISHED = "finished", "已办结"
    CANCELLED = "cancelled", "已取消"


class DingTalkTodo(models.Model):
    """A to-do on the 浙政钉 platform, keyed by the bizTaskId derived from an approval task."""

    biz_task_id = models.CharField(max_length=128, unique=True)
    approval_task_id = models.BigIntegerField("审批待办")
    task_uuid = models.CharField("平台待办编号", max_length=128)
    assignee_account = models.CharField("承办人浙政钉账号", max_length=64)
    status = models.CharField(max_length=12, choices=TodoStatus.choices, default=TodoStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "浙政钉待办"
        verbose_name_plural = "浙政钉待办"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.biz_task_id} {self.status}"


class DingTalkConfig(models.Model):
    """The tenant's 浙政钉 open-platform application: one row (pk=1) per tenant schema.

    app_secret is write-only to the API: it is read by the adapter and nowhere else."""

    enabled = models.BooleanField("启用", default=False)
    api_base_url = models.URLField("开放平台地址", blank=True,
                                   help_text="例如 https://openplatform-pro.ding.zj.gov.cn")
    app_key = models.CharField("AppKey", max_length=128, blank=True)
    app_secret = models.CharField("AppSecret", max_length=256, blank=True)
    tenant_id = models.CharField("租户ID（tenantId）", max_length=64, blank=True)
    agent_id = models.CharField("应用ID（agentId）", max_length=64, blank=True)
    # The egress address registered with the platform (X-Hmac-Auth-IP).
    client_ip = models.CharField("出口IP", max_length=45, blank=True, default="127.0.0.1")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "浙政钉配置"
        verbose_name_plural = "浙政钉配置"

    def __str__(self) -> str:
        return f"浙政钉 {self.app_key or '-'}"

    @property
    def complete(self) -> bool:
        return all([self.api_base_url, self.app_key, self.app_secret, self.tenant_id])
