"""Spending requests (支出申请) and their payments."""

from django.db import models
from django.db.models import F, Q

from apps.budget.models import MONEY
from county_platform.db import user_ref


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_APPROVAL = "in_approval", "审批中"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"
    PARTLY_PAID = "partly_paid", "部分支付"
    PAID = "paid", "已支付"


class SpendingRequest(models.Model):
    applicant = user_ref()
    department = models.ForeignKey("permissions.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey("budget.BudgetIndicator", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("budget.EconomicSubject", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("申请金额", **MONEY)
    purpose = models.CharField("事由", max_length=500)
    major_matter = models.BooleanField("三重一大事项", default=False)
    # Who receives the money (收款人): the rules compare payees across requests.
    payee_name = models.CharField("收款人", max_length=100, blank=True)
    payee_account = models.CharField("收款账号", max_length=40, blank=True)
    status = models.CharField("状态", max_length=16, choices=RequestStatus.choices,
                              default=RequestStatus.DRAFT)
    approval = models.ForeignKey("approvals.Approval", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    paid_amount = models.DecimalField("已支付", default=0, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "支出申请"
        verbose_name_plural = "支出申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(paid_amount__gte=0)
                & Q(paid_amount__lte=F("amount")),
                name="spending_paid_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"支出申请 #{self.pk} ¥{self.amount}"


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", "转账"
    OFFICIAL_CARD = "official_card", "公务卡"
    CASH = "cash", "现金"


class Payment(models.Model):
    request = models.ForeignKey(SpendingRequest, on_delete=models.PROTECT,
                                related_name="payments")
    amount = models.DecimalField("支付金额", **MONEY)
    method = models.CharField("支付方式", max_length=16, choices=PaymentMethod.choices,
                              default=PaymentMethod.TRANSFER)
    paid_by = user_ref()
    paid_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "支付"
        verbose_name_plural = "支付"
        ordering = ["paid_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"支付 #{self.pk} ¥{self.amount}"
