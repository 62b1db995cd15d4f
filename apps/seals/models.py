"""Seal-use applications (用印申请): every use of an official seal is approved and registered."""

from django.db import models

from county_platform.db import user_ref


class SealKind(models.TextChoices):
    OFFICIAL = "official", "单位公章"
    FINANCE = "finance", "财务专用章"
    CONTRACT = "contract", "合同专用章"
    LEGAL_REP = "legal_rep", "法定代表人章"


class SealStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_APPROVAL = "in_approval", "审批中"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class SealApplication(models.Model):
    applicant = user_ref()
    department = models.ForeignKey("permissions.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    seal_kind = models.CharField("印章", max_length=16, choices=SealKind.choices)
    document_title = models.CharField("用印文件", max_length=200)
    purpose = models.CharField("用途", max_length=500)
    copies = models.PositiveIntegerField("份数", default=1)
    status = models.CharField("状态", max_length=16, choices=SealStatus.choices,
                              default=SealStatus.DRAFT)
    approval = models.ForeignKey("approvals.Approval", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "用印申请"
        verbose_name_plural = "用印申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(copies__gte=1), name="seal_copies_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_seal_kind_display()}：{self.document_title}"
