"""The county's view of its townships (public schema): a mirror of every tenant's alerts, kept
in the same transaction as the alert itself, so that the county and inspectors list them
without visiting 1,400 schemas."""

from django.db import models


class CountyAlert(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    alert_id = models.BigIntegerField()
    rule = models.SlugField("规则", max_length=64)
    severity = models.CharField("级别", max_length=8)
    status = models.CharField("状态", max_length=16)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    message = models.CharField("内容", max_length=500)
    responsible_post = models.SlugField("责任岗位", max_length=32, blank=True)
    standing = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "乡镇预警（汇总）"
        verbose_name_plural = "乡镇预警（汇总）"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "alert_id"], name="county_alert_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["tenant", "status"]),
            models.Index(fields=["rule"]),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.alert_id} {self.rule}"


MONEY = {"max_digits": 16, "decimal_places": 2}


class TenantStats(models.Model):
    """One township's figures for one budget year, computed inside its schema and kept here, so
    that the county dashboard reads one table instead of visiting every schema per request.

    Money is yuan; `sangong_*` are 三公经费 paid (executed), as on the budget execution page;
    approval times are wall-clock seconds of steps decided in the year."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField("年度")
    budget_amount = models.DecimalField("批复金额", default=0, **MONEY)
    executed = models.DecimalField("已支付", default=0, **MONEY)
    committed = models.DecimalField("已冻结", default=0, **MONEY)
    execution_rate = models.DecimalField("执行率（%）", max_digits=7, decimal_places=2, default=0)
    sangong_total = models.DecimalField("三公经费（今年已支付）", default=0, **MONEY)
    sangong_last_year = models.DecimalField("三公经费（上年已支付）", default=0, **MONEY)
    approval_median_seconds = models.FloatField("审批环节用时中位数（秒）", null=True)
    approval_p90_seconds = models.FloatField("审批环节用时P90（秒）", null=True)
    approval_steps = models.JSONField("各岗位审批用时", default=dict)
    alerts = models.JSONField("预警（级别×状态）", default=dict)
    alerts_open = models.PositiveIntegerField("未关闭预警", default=0)
    rotations_overdue = models.PositiveIntegerField("逾期未轮岗", default=0)
    payments_count = models.PositiveIntegerField("支付笔数", default=0)
    refreshed_at = models.DateTimeField("刷新时间")

    class Meta:
        verbose_name = "乡镇统计快照"
        verbose_name_plural = "乡镇统计快照"
        ordering = ["tenant_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "year"], name="county_tenant_stats_unique"),
        ]
        indexes = [models.Index(fields=["year", "tenant"])]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.year}"
