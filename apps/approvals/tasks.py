"""Overdue approval tasks (beat, every 15 minutes): one task per active tenant, each in its
own schema, reminds and escalates that tenant's overdue tasks."""

from django_tenants.utils import get_public_schema_name

from apps.approvals.escalation import approvals_escalate as escalate_overdue
from county_platform.celery import app, require_tenant_schema, schema_headers
from tenants.models import Tenant


def escalation_schemas() -> list[str]:
    """Every active tenant's schema (the county approves documents too)."""
    tenants = Tenant.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())
    return list(tenants.order_by("schema_name").values_list("schema_name", flat=True))


@app.task(name="apps.approvals.tasks.approvals_escalate_all")
def approvals_escalate_all() -> int:
    """Send `approvals_escalate` to every active tenant's schema; returns how many were sent."""
    schemas = escalation_schemas()
    for schema_name in schemas:
        approvals_escalate.apply_async(headers=schema_headers(schema_name))
    return len(schemas)


@app.task(name="apps.approvals.tasks.approvals_escalate")
def approvals_escalate() -> dict[str, int]:
    """Remind and escalate the overdue tasks of the task's tenant; idempotent."""
    require_tenant_schema()
    run = escalate_overdue()
    return {"reminded": len(run.reminded), "escalated": len(run.escalated),
            "unassignable": len(run.unassignable)}
