"""Tenant-schema models: departments, staff, posts and who holds which post when."""

from django.conf import settings
from django.db import models


class PostCode(models.TextChoices):
    """System posts that exist from the start; the county's post template adds the rest."""

    TENANT_ADMIN = "tenant_admin", "系统管理员"
    COUNTY_ADMIN = "county_admin", "县局管理员"


class Department(models.Model):
    name = models.CharField("部门名称", max_length=64)
    code = models.CharField("部门编码", max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    """A global user's membership of this tenant: the only way to act in it."""

    # No database constraint across schemas: see county_platform.db.user_ref.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    is_active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.user)


class Origin(models.TextChoices):
    SYSTEM = "system", "系统"
    COUNTY = "county", "县级模板"
    TENANT = "tenant", "本单位"


class Post(models.Model):
    code = models.SlugField("岗位编码", max_length=32, unique=True)
    name = models.CharField("岗位名称", max_length=32)
    is_key = models.BooleanField("关键岗位", default=False)
    max_tenure_months = models.PositiveIntegerField("最长任期（月）", null=True, blank=True)
    holds_money = models.BooleanField("涉及资金", default=False)
    origin = models.CharField("来源", max_length=16, choices=Origin.choices, default=Origin.SYSTEM)
    # The county's limit: a tenant may shorten the tenure, never lengthen it past this.
    county_max_tenure_months = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PostAssignment(models.Model):
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="assignments")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="assignments")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField("任职开始")
    end_date = models.DateField("任职结束", null=True, blank=True)

    class Meta:
        verbose_name = "岗位任职"
        verbose_name_plural = "岗位任职"
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.post} ({self.start_date}–{self.end_date or ''})"


class RoleStep(models.Model):
    """Role matrix (职责矩阵): which post performs a step of an economic activity."""

    activity = models.SlugField("经济活动", max_length=32)
    step = models.SlugField("环节", max_length=32)
    step_name = models.CharField("环节名称", max_length=32)
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="role_steps")
    order = models.PositiveIntegerField("顺序", default=0)
    origin = models.CharField("来源", max_length=16, choices=Origin.choices, default=Origin.TENANT)

    class Meta:
        verbose_name = "职责矩阵"
        verbose_name_plural = "职责矩阵"
        ordering = ["activity", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "step"], name="role_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.activity}.{self.step} → {self.post.code}"


class SodRule(models.Model):
    """An incompatible pair of posts, from the county template or a tenant's own tightening."""

    code = models.SlugField("规则编码", max_length=48, unique=True)
    post_a = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    post_b = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField("范围", max_length=16, choices=[
        ("post", "不得同时担任"), ("document", "同一业务不得兼任")])
    article = models.CharField("依据", max_length=300)
    origin = models.CharField("来源", max_length=16, choices=Origin.choices, default=Origin.TENANT)

    class Meta:
        verbose_name = "不相容岗位"
        verbose_name_plural = "不相容岗位"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(post_a=models.F("post_b")),
                                   name="sod_rule_two_posts"),
        ]

    def __str__(self) -> str:
        return f"{self.post_a.code} × {self.post_b.code}"


class TemplateState(models.Model):
    """Which version of the county's duty template this tenant has applied (one row)."""

    version = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "模板状态"
        verbose_name_plural = "模板状态"

    def __str__(self) -> str:
        return f"v{self.version}"


class RotationPlan(models.Model):
    """A planned rotation (轮岗计划): who leaves which post, when, and who takes it over."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    planned_date = models.DateField("计划轮岗日期")
    successor = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    done = models.BooleanField("已完成", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "轮岗计划"
        verbose_name_plural = "轮岗计划"
        ordering = ["planned_date", "id"]

    def __str__(self) -> str:
        return f"{self.staff} {self.post} {self.planned_date}"


class SpecialAudit(models.Model):
    """The substitute control (专项审计) recorded where a key post cannot be rotated."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    performed_on = models.DateField("审计日期")
    auditor = models.CharField("审计单位/人员", max_length=100)
    reason = models.CharField("无法轮岗的原因", max_length=500)
    findings = models.TextField("审计结论")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "专项审计"
        verbose_name_plural = "专项审计"
        ordering = ["-performed_on", "id"]

    def __str__(self) -> str:
        return f"{self.staff} {self.post} {self.performed_on}"
