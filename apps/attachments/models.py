"""Attachments: content-addressed, type-sniffed, size-limited files per tenant.

The file lives at MEDIA_ROOT/<schema>/<sha[:2]>/<sha>, a path made by the server only; rows
that share bytes share the file. A row is locked when its document is submitted: from then on
it can be neither deleted nor replaced."""

from django.db import models

from county_platform.db import user_ref


class AttachmentKind(models.TextChoices):
    MINUTES = "minutes", "会议纪要（集体决策记录）"
    INVOICE = "invoice", "发票"
    SCAN = "scan", "扫描件"
    CONTRACT = "contract", "合同"
    OTHER = "other", "其他"


class Attachment(models.Model):
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("文件类型", max_length=100)
    kind = models.CharField("附件类别", max_length=16, choices=AttachmentKind.choices,
                            default=AttachmentKind.OTHER)
    original_name = models.CharField("原文件名", max_length=200)
    uploaded_by = user_ref(verbose_name="上传人")
    # The document it belongs to: its document type code and id, as in approvals.
    object_type = models.CharField("关联单据类型", max_length=48, blank=True)
    object_id = models.CharField("关联单据", max_length=64, blank=True)
    locked = models.BooleanField("已锁定", default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"),
                                   name="attachment_sha256_hex"),
        ]

    def __str__(self) -> str:
        return self.original_name
