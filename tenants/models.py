"""Public-schema models: tenants, their domains, global users, published audit heads."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class TenantKind(models.TextChoices):
    COUNTY = "county", "县"
    TOWN = "town", "镇"
    TOWNSHIP = "township", "乡"
    SUBDISTRICT = "subdistrict", "街道"


class Tenant(TenantMixin):
    slug = models.SlugField("标识", max_length=63, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=TenantKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="所属县",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region_code = models.CharField("行政区划代码", max_length=12, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    # Schemas are created by tenants.provisioning, never as a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = "租户"
        verbose_name_plural = "租户"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_county(self) -> bool:
        return self.kind == TenantKind.COUNTY


class Domain(DomainMixin):
    class Meta:
        verbose_name = "域名"
        verbose_name_plural = "域名"


class User(AbstractUser):
    """A person, global to the deployment; they act in a tenant only as its staff."""

    display_name = models.CharField("姓名", max_length=64, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True)
    dingtalk_user_id = models.CharField("浙政钉用户ID", max_length=64, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditHeadPublication(models.Model):
    """A tenant's audit-chain head (count and hash), published outside the tenant's schema."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="audit_heads")
    count = models.BigIntegerField("事件数")
    head_hash = models.CharField("链头哈希", max_length=64)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "审计链头发布"
        verbose_name_plural = "审计链头发布"
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-published_at"])]

    def __str__(self) -> str:
        return f"{self.tenant_id}: #{self.count} {self.head_hash[:12]}"


class SchemaTemplate(models.Model):
    """The DDL of a fully migrated tenant schema, captured once per migration state."""

    fingerprint = models.CharField(max_length=64, unique=True)
    script = models.TextField()
    statement_count = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.fingerprint[:12]


class InspectorGrant(models.Model):
    """Read-only access for a discipline inspector (纪检监察) or auditor to some or all
    tenants of one county, for a bounded period."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="inspector_grants")
    county = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    all_tenants = models.BooleanField("全县所有单位", default=False)
    tenants = models.ManyToManyField(Tenant, blank=True, related_name="+")
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("截止日期")
    reason = models.CharField("事由", max_length=300)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "检查授权"
        verbose_name_plural = "检查授权"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="inspector_grant_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.county} {self.valid_from}–{self.valid_to}"


class InspectorAccess(models.Model):
    """One request by an inspector: who, which tenant, what, when (readable by the county)."""

    grant = models.ForeignKey(InspectorGrant, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "检查访问记录"
        verbose_name_plural = "检查访问记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.method} {self.path}"
