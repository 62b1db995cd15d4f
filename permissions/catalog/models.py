"""Public-schema models: each county's duty template (posts, role matrix, incompatible pairs,
parameters), its published versions, and exceptions to separation of duties it approved."""

from django.conf import settings
from django.db import models


class SodScope(models.TextChoices):
    POST = "post", "不得同时担任"
    DOCUMENT = "document", "同一业务不得兼任"


class CountyPost(models.Model):
    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField("岗位编码", max_length=32)
    name = models.CharField("岗位名称", max_length=32)
    is_key = models.BooleanField("关键岗位", default=False)
    max_tenure_months = models.PositiveIntegerField("最长任期（月）", null=True, blank=True)
    holds_money = models.BooleanField("涉及资金", default=False)

    class Meta:
        verbose_name = "县级岗位模板"
        verbose_name_plural = "县级岗位模板"
        ordering = ["county", "id"]
        constraints = [models.UniqueConstraint(fields=["county", "code"], name="county_post_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class CountyRoleStep(models.Model):
    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    activity = models.SlugField("经济活动", max_length=32)
    step = models.SlugField("环节", max_length=32)
    step_name = models.CharField("环节名称", max_length=32)
    post_code = models.SlugField("岗位", max_length=32)
    order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "县级职责矩阵"
        verbose_name_plural = "县级职责矩阵"
        ordering = ["county", "activity", "order"]
        constraints = [
            models.UniqueConstraint(fields=["county", "activity", "step"], name="county_role_step")
        ]

    def __str__(self) -> str:
        return f"{self.activity}.{self.step} → {self.post_code}"


class CountySodRule(models.Model):
    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField("规则编码", max_length=48)
    post_a = models.SlugField("岗位甲", max_length=32)
    post_b = models.SlugField("岗位乙", max_length=32)
    scope = models.CharField("范围", max_length=16, choices=SodScope.choices)
    article = models.CharField("依据", max_length=300)

    class Meta:
        verbose_name = "县级不相容岗位"
        verbose_name_plural = "县级不相容岗位"
        ordering = ["county", "id"]
        constraints = [models.UniqueConstraint(fields=["county", "code"], name="county_sod_code")]

    def __str__(self) -> str:
        return f"{self.post_a} × {self.post_b}"


class CountyParameter(models.Model):
    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField("参数编码", max_length=48)
    name = models.CharField("参数名称", max_length=64)
    value = models.IntegerField("取值")
    minimum = models.IntegerField("下限")
    maximum = models.IntegerField("上限")

    class Meta:
        verbose_name = "县级参数"
        verbose_name_plural = "县级参数"
        ordering = ["county", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="county_parameter_code"),
            models.CheckConstraint(
                condition=models.Q(value__gte=models.F("minimum"))
                & models.Q(value__lte=models.F("maximum")),
                name="county_parameter_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}={self.value}"


class TemplateVersion(models.Model):
    """A published snapshot of a county's duty template, pushed to every tenant."""

    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField("版本号")
    snapshot = models.JSONField("模板内容")
    note = models.CharField("说明", max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "模板版本"
        verbose_name_plural = "模板版本"
        ordering = ["county", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="template_version_number")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", "待县局审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    REVOKED = "revoked", "已撤销"


class SodException(models.Model):
    """A time-bounded exception to one incompatible pair for one person, approved by the
    county, with the substitute control that replaces the separation while it lasts."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rule_code = models.SlugField("规则编码", max_length=48)
    post_a = models.SlugField("岗位甲", max_length=32)
    post_b = models.SlugField("岗位乙", max_length=32)
    reason = models.CharField("原因", max_length=500)
    substitute_control = models.CharField("替代控制措施", max_length=500)
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("截止日期")
    status = models.CharField(
        "状态", max_length=16, choices=ExceptionStatus.choices, default=ExceptionStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "不相容岗位例外"
        verbose_name_plural = "不相容岗位例外"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="sod_exception_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.user_id}: {self.post_a} × {self.post_b}"
