"""Applying a published duty template in one tenant (the schema travels with the task)."""

from county_platform.celery import app, require_tenant_schema
from permissions.catalog.models import TemplateVersion
from permissions.catalog.services import county_of, template_apply
from tenants.models import Tenant


@app.task(name="permissions.catalog.tasks.template_apply_task")
def template_apply_task(number: int) -> int:
    """Idempotent: a tenant already at `number` or later is left as it is."""
    # By schema name: under schema_context the connection holds only a stand-in tenant.
    tenant = Tenant.objects.get(schema_name=require_tenant_schema())
    version = TemplateVersion.objects.get(county=county_of(tenant), number=number)
    return template_apply(tenant=tenant, version=version)
