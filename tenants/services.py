"""Creating tenants: one service for the commands, the county API and the demo seed."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.approvals.county.services import process_catalog_start
from apps.approvals.definitions import processes_copy
from apps.audit.services import audit_record
from apps.controls.library.services import library_sync
from county_platform.errors import DomainError
from permissions.catalog.services import catalog_start, template_apply
from permissions.models import PostCode
from permissions.services import staff_ensure_with_post
from tenants.models import Domain, Tenant, TenantKind, User
from tenants.schema import schema_build, template_current

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")
RESERVED_SLUGS = {"public", "www", "admin", "api", "static", "media", "mail"}


@dataclass(frozen=True)
class AdminSpec:
    username: str
    password: str | None = None
    display_name: str = ""


def _validate(*, slug: str, kind: str, parent: Tenant | None) -> None:
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise DomainError(
            "invalid_slug", "标识只能包含小写字母、数字和连字符，以字母开头，长度 3–42。", 400
        )
    if kind not in TenantKind.values:
        raise DomainError("invalid_kind", f"未知的单位类型：{kind}", 400)
    if kind == TenantKind.COUNTY and parent is not None:
        raise DomainError("invalid_parent", "县级租户不能有上级。", 400)
    if kind != TenantKind.COUNTY and (parent is None or not parent.is_county):
        raise DomainError("invalid_parent", "乡镇、街道必须属于一个县。", 400)
    if Tenant.objects.filter(slug=slug).exists():
        raise DomainError("slug_taken", f"标识 {slug} 已被使用。", 409)


def domain_for(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def tenant_create(
    *,
    actor: User | None,
    slug: str,
    name: str,
    kind: str,
    parent: Tenant | None = None,
    region_code: str = "",
    admin: AdminSpec | None = None,
) -> Tenant:
    """Create a tenant with its schema, domain, first administrator and first audit event.

    Callable from any schema (the county API runs on the county's host): the tenant and
    domain rows are written from the public schema, and the caller's schema is restored."""
    with schema_context(get_public_schema_name()):
        return _tenant_create(
            actor=actor, slug=slug, name=name, kind=kind, parent=parent,
            region_code=region_code, admin=admin,
        )


def _tenant_create(
    *,
    actor: User | None,
    slug: str,
    name: str,
    kind: str,
    parent: Tenant | None,
    region_code: str,
    admin: AdminSpec | None,
) -> Tenant:
    _validate(slug=slug, kind=kind, parent=parent)
    template = template_current()  # may migrate a scratch schema: outside the transaction
    with transaction.atomic():
        tenant = Tenant.objects.create(
            schema_name=slug.replace("-", "_"),
            slug=slug,
            name=name,
            kind=kind,
            parent=parent,
            region_code=region_code,
        )
        Domain.objects.create(domain=domain_for(slug), tenant=tenant, is_primary=True)
        schema_build(tenant.schema_name, template)
        with schema_context(tenant.schema_name):
            audit_record(
                actor=actor,
                action="tenant.created",
                object_type="tenants.tenant",
                object_id=tenant.pk,
                after={"slug": slug, "name": name, "kind": kind, "region_code": region_code},
            )
            if tenant.is_county:
                catalog_start(actor=actor, county=tenant)
                process_catalog_start(actor=actor, county=tenant)
                library_sync(county=tenant)
            template_apply(tenant=tenant)
            processes_copy(tenant=tenant)
            if admin is not None:
                post = PostCode.COUNTY_ADMIN if kind == TenantKind.COUNTY else PostCode.TENANT_ADMIN
                staff_ensure_with_post(
                    actor=actor,
                    username=admin.username,
                    password=admin.password,
                    display_name=admin.display_name,
                    post_code=post,
                )
        if parent is not None:
            with schema_context(parent.schema_name):
                audit_record(
                    actor=actor,
                    action="county.tenant_created",
                    object_type="tenants.tenant",
                    object_id=tenant.pk,
                    after={"slug": slug, "name": name, "kind": kind},
                )
    return tenant


def tenant_ensure(*, actor: User | None, slug: str, **fields) -> tuple[Tenant, bool]:
    """Idempotent form for commands: the existing tenant, or a new one."""
    existing = Tenant.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    return tenant_create(actor=actor, slug=slug, **fields), True


def public_tenant_ensure() -> Tenant:
    """The public schema's own tenant row and the bare BASE_DOMAIN for the operator's admin."""
    tenant, _ = Tenant.objects.get_or_create(
        schema_name="public",
        defaults={"slug": "public", "name": "平台运营", "kind": TenantKind.COUNTY},
    )
    Domain.objects.get_or_create(
        domain=settings.BASE_DOMAIN, defaults={"tenant": tenant, "is_primary": True}
    )
    return tenant
