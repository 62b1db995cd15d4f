"""Public-schema county process templates (copied into every tenant of the county).

A county edits its templates freely; a published version freezes all of them as one snapshot
that is pushed to every tenant. Steps marked `required` are the county's minimums: a tenant's
copy keeps them and may only tighten them."""

from django.conf import settings
from django.db import models


class StepMode(models.TextChoices):
    ANY = "any", "或签"
    ALL = "all", "会签"


class CountyProcess(models.Model):
    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    document_type = models.SlugField("单据类型", max_length=48)
    name = models.CharField("流程名称", max_length=64)

    class Meta:
        verbose_name = "县级审批流程模板"
        verbose_name_plural = "县级审批流程模板"
        ordering = ["county", "document_type"]
        constraints = [
            models.UniqueConstraint(fields=["county", "document_type"],
                                    name="county_process_document_type")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.document_type}）"


class CountyProcessStep(models.Model):
    process = models.ForeignKey(CountyProcess, on_delete=models.CASCADE, related_name="steps")
    # Stable within the process: how a new version finds the tenant's copy of the step.
    code = models.SlugField("环节编码", max_length=32)
    order = models.PositiveIntegerField("顺序")
    name = models.CharField("环节名称", max_length=64)
    post_code = models.SlugField("岗位", max_length=32)
    same_department = models.BooleanField("限申请人所在部门", default=False)
    mode = models.CharField("会签/或签", max_length=8, choices=StepMode.choices,
                            default=StepMode.ANY)
    condition = models.JSONField("适用条件", default=dict, blank=True)
    sla_hours = models.PositiveIntegerField("时限（工作小时）", default=16)
    required = models.BooleanField("县级必经环节", default=True)

    class Meta:
        verbose_name = "县级审批环节"
        verbose_name_plural = "县级审批环节"
        ordering = ["process", "order"]
        constraints = [
            models.UniqueConstraint(fields=["process", "code"], name="county_process_step_code"),
            models.UniqueConstraint(fields=["process", "order"],
                                    name="county_process_step_order"),
            models.CheckConstraint(condition=models.Q(sla_hours__gte=1),
                                   name="county_process_step_sla_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ProcessTemplateVersion(models.Model):
    """A published snapshot of every process template of a county."""

    county = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField("版本号")
    snapshot = models.JSONField("模板内容")
    note = models.CharField("说明", max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "审批流程模板版本"
        verbose_name_plural = "审批流程模板版本"
        ordering = ["county", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"],
                                    name="process_template_version_number")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class ProcessTemplateState(models.Model):
    """Which version a tenant's copy is at. Kept in the public schema, next to the versions,
    so that the county sees the roll-out without reading any tenant's schema; written in the
    same transaction as the tenant's copy (public is on every tenant's search_path)."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField("已应用版本", default=0)
    applied_at = models.DateTimeField("应用时间", null=True)

    class Meta:
        verbose_name = "审批流程模板应用状态"
        verbose_name_plural = "审批流程模板应用状态"

    def __str__(self) -> str:
        return f"{self.tenant_id}: v{self.number}"
