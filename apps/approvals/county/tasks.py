"""Applying a published process-template version in one tenant (the schema travels along)."""

from apps.approvals.county.models import ProcessTemplateVersion
from apps.approvals.definitions import process_template_apply
from county_platform.celery import app, require_tenant_schema
from permissions.catalog.services import county_of
from tenants.models import Tenant


@app.task(name="apps.approvals.county.tasks.process_template_apply_task")
def process_template_apply_task(number: int) -> int:
    """Idempotent: a tenant already at `number` or later is left as it is."""
    # By schema name: under schema_context the connection holds only a stand-in tenant.
    tenant = Tenant.objects.get(schema_name=require_tenant_schema())
    version = ProcessTemplateVersion.objects.get(county=county_of(tenant), number=number)
    return process_template_apply(tenant=tenant, version=version)
