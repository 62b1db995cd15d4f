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

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_constraint=True
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


class Post(models.Model):
    code = models.SlugField("岗位编码", max_length=32, unique=True)
    name = models.CharField("岗位名称", max_length=32)
    is_key = models.BooleanField("关键岗位", default=False)
    max_tenure_months = models.PositiveIntegerField("最长任期（月）", null=True, blank=True)

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
