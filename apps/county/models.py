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
