"""Rotation check (beat, daily): one task per active tenant, each in its own schema."""

from django_tenants.utils import get_public_schema_name

from county_platform.celery import app, require_tenant_schema, schema_headers
from permissions.objects import department_heads_sync
from permissions.rotation import rotation_check_run
from tenants.models import Tenant


def rotation_check_schemas() -> list[str]:
    """Schemas the daily check runs in: every active tenant (county included)."""
    tenants = Tenant.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())
    return list(tenants.order_by("schema_name").values_list("schema_name", flat=True))


@app.task(name="permissions.tasks.rotation_check_all")
def rotation_check_all() -> int:
    """Send `rotation_check` to every active tenant's schema; returns how many were sent."""
    schemas = rotation_check_schemas()
    for schema_name in schemas:
        rotation_check.apply_async(headers=schema_headers(schema_name))
    return len(schemas)


@app.task(name="permissions.tasks.rotation_check")
def rotation_check() -> dict[str, int]:
    """Raise and close the rotation alerts of the task's tenant, and bring the department
    heads' object grants up to today's assignments; idempotent."""
    tenant = Tenant.objects.get(schema_name=require_tenant_schema())
    result = rotation_check_run(tenant=tenant)
    department_heads_sync(actor=None)
    return {"raised": len(result.raised), "closed": len(result.closed)}


@app.task(name="permissions.tasks.sod_exceptions_expire")
def sod_exceptions_expire_task() -> int:
    """Daily, from the public schema (it visits each tenant itself); idempotent."""
    from permissions.exceptions import sod_exceptions_expire

    return sod_exceptions_expire()
