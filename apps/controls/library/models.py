"""The county's rule library (public schema): one row per registered rule and county, holding
what the county decides — enabled, and each parameter's value with the bounds inside which its
townships may tune it. What a rule is (title, area, article, trigger) comes from its code and
is copied here so that the library reads whole in the admin and the API."""

from django.conf import settings
from django.db import models


class CountyRule(models.Model):
    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField("规则编码", max_length=64)
    title = models.CharField("规则名称", max_length=200)
    area = models.SlugField("业务领域", max_length=32)
    article = models.CharField("依据条款", max_length=300)
    severity = models.CharField("级别", max_length=8)
    trigger = models.CharField("触发方式", max_length=48)
    # {"name": {"value": "1000.00", "min": "0", "max": "50000", "label": "…", "kind": "money"}}
    parameters = models.JSONField("参数", default=dict, blank=True)
    enabled = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "县级风险规则"
        verbose_name_plural = "县级风险规则库"
        ordering = ["county", "area", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="county_rule_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
