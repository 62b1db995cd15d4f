"""Budget (预算): the economic classification, fund accounts, projects, indicators and the
immutable ledger whose sums always equal the indicators' counters."""

from django.db import models
from django.db.models import F, Q

from county_platform.db import user_ref

MONEY = {"max_digits": 16, "decimal_places": 2}


class EconomicSubject(models.Model):
    """政府支出经济分类: a class (类, e.g. 302) or an item (款, e.g. 30201)."""

    code = models.CharField("科目编码", max_length=8, unique=True)
    name = models.CharField("科目名称", max_length=64)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="items")
    is_sangong = models.BooleanField("三公经费", default=False)

    class Meta:
        verbose_name = "支出经济分类科目"
        verbose_name_plural = "支出经济分类科目"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FundKind(models.TextChoices):
    FISCAL = "fiscal", "财政账户"
    GOVERNMENT = "government", "政府账户"
    SPECIAL = "special", "专户"
    COMPANY = "company", "公司账户"


class FundAccount(models.Model):
    """One of the township's accounts: all money is in the system (全口径)."""

    name = models.CharField("账户名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=FundKind.choices)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "资金账户"
        verbose_name_plural = "资金账户"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class BudgetProject(models.Model):
    code = models.CharField("项目编码", max_length=32, unique=True)
    name = models.CharField("项目名称", max_length=100)
    department = models.ForeignKey("permissions.Department", on_delete=models.PROTECT,
                                   related_name="+")
    is_basic = models.BooleanField("基本支出", default=False)
    allowed_subjects = models.ManyToManyField(EconomicSubject, related_name="+",
                                              verbose_name="可用费用范围")

    class Meta:
        verbose_name = "预算项目"
        verbose_name_plural = "预算项目"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BudgetIndicator(models.Model):
    """预算指标. committed (frozen by submitted documents) and executed (paid) change only by
    the ledger services; available = amount − committed − executed is never negative."""

    year = models.PositiveIntegerField("年度")
    department = models.ForeignKey("permissions.Department", on_delete=models.PROTECT,
                                   related_name="+")
    project = models.ForeignKey(BudgetProject, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="indicators")
    subject = models.ForeignKey(EconomicSubject, on_delete=models.PROTECT, related_name="+")
    fund_account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("批复金额", **MONEY)
    committed = models.DecimalField("已冻结", default=0, **MONEY)
    executed = models.DecimalField("已支付", default=0, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "预算指标"
        verbose_name_plural = "预算指标"
        ordering = ["year", "department", "subject", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(committed__gte=0) & Q(executed__gte=0)
                & Q(amount__gte=F("committed") + F("executed")),
                name="indicator_counters_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.subject_id} ¥{self.amount}"

    @property
    def available(self):
        return self.amount - self.committed - self.executed


class LedgerKind(models.TextChoices):
    OPEN = "open", "指标下达"
    COMMIT = "commit", "冻结"
    RELEASE = "release", "释放"
    EXECUTE = "execute", "支付"
    ADJUST = "adjust", "调整"


class LedgerEntry(models.Model):
    """One change of an indicator's counters; append-only (database triggers)."""

    indicator = models.ForeignKey(BudgetIndicator, on_delete=models.PROTECT,
                                  related_name="ledger")
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    amount_delta = models.DecimalField(default=0, **MONEY)
    committed_delta = models.DecimalField(default=0, **MONEY)
    executed_delta = models.DecimalField(default=0, **MONEY)
    document_type = models.SlugField(max_length=48, blank=True)
    document_id = models.CharField(max_length=64, blank=True)
    actor = user_ref(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "指标台账"
        verbose_name_plural = "指标台账"
        ordering = ["id"]
        indexes = [models.Index(fields=["document_type", "document_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.indicator_id}"


class DepartmentLimit(models.Model):
    """部门费用限额: what one department may spend on one subject in a year, all indicators."""

    year = models.PositiveIntegerField("年度")
    department = models.ForeignKey("permissions.Department", on_delete=models.PROTECT,
                                   related_name="+")
    subject = models.ForeignKey(EconomicSubject, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("限额", **MONEY)

    class Meta:
        verbose_name = "部门费用限额"
        verbose_name_plural = "部门费用限额"
        constraints = [
            models.UniqueConstraint(fields=["year", "department", "subject"],
                                    name="department_limit_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="department_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.department_id} {self.subject_id} ¥{self.amount}"


class SubjectTotal(models.Model):
    """科目总额: the tenant-wide cap on one subject in a year."""

    year = models.PositiveIntegerField("年度")
    subject = models.ForeignKey(EconomicSubject, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("总额", **MONEY)

    class Meta:
        verbose_name = "科目总额"
        verbose_name_plural = "科目总额"
        constraints = [
            models.UniqueConstraint(fields=["year", "subject"], name="subject_total_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="subject_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.subject_id} ¥{self.amount}"


class DocumentStatus(models.TextChoices):
    """The statuses of the budget's own documents (adjustments, revenue registrations)."""

    DRAFT = "draft", "草稿"
    IN_APPROVAL = "in_approval", "审批中"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class BudgetAdjustment(models.Model):
    """预算调整/追加: the only document that changes an approved amount, and only once its own
    approval has passed (then ledger.indicator_adjust records it)."""

    indicator = models.ForeignKey(BudgetIndicator, on_delete=models.PROTECT,
                                  related_name="adjustments")
    delta = models.DecimalField("调整金额", **MONEY)
    reason = models.CharField("调整理由", max_length=500)
    status = models.CharField("状态", max_length=16, choices=DocumentStatus.choices,
                              default=DocumentStatus.DRAFT)
    approval = models.ForeignKey("approvals.Approval", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    requested_by = user_ref()
    amount_before = models.DecimalField("调整前金额", null=True, blank=True, **MONEY)
    amount_after = models.DecimalField("调整后金额", null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField("生效时间", null=True, blank=True)

    class Meta:
        verbose_name = "预算调整"
        verbose_name_plural = "预算调整"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="adjustment_delta_not_zero"),
        ]

    def __str__(self) -> str:
        return f"预算调整 #{self.pk} {self.delta:+}"


class RevenueKind(models.TextChoices):
    LAND_TRANSFER = "land_transfer", "土地出让金"
    TAX_RETURN = "tax_return", "税收返还"
    ASSET_INCOME = "asset_income", "资产收入"
    TRANSFER_FROM_ABOVE = "transfer_from_above", "上级补助"


class RevenueRegistration(models.Model):
    """收入登记: money received into one of the township's accounts, through its own approval."""

    kind = models.CharField("收入类型", max_length=24, choices=RevenueKind.choices)
    fund_account = models.ForeignKey(FundAccount, on_delete=models.PROTECT,
                                     related_name="revenues")
    amount = models.DecimalField("金额", **MONEY)
    received_on = models.DateField("到账日期")
    payer = models.CharField("付款单位", max_length=100)
    note = models.CharField("备注", max_length=500, blank=True)
    status = models.CharField("状态", max_length=16, choices=DocumentStatus.choices,
                              default=DocumentStatus.DRAFT)
    approval = models.ForeignKey("approvals.Approval", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    registered_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "收入登记"
        verbose_name_plural = "收入登记"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="revenue_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"收入登记 #{self.pk} ¥{self.amount}"
