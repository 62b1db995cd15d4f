"""Applying a published duty template in one tenant (the schema travels with the task)."""

from django.db import connection

from county_platform.celery import app, require_tenant_schema
from permissions.catalog.models import TemplateVersion
from permissions.catalog.services import county_of, template_apply


@app.task(name="permissions.catalog.tasks.template_apply_task")
def template_apply_task(number: int) -> int:
    require_tenant_schema()
    tenant = connection.tenant
    version = TemplateVersion.objects.get(county=county_of(tenant), number=number)
    return template_apply(tenant=tenant, version=version)
