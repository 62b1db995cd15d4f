"""Helpers shared by the process-template and process-definition tests."""

from django_tenants.utils import schema_context

from apps.approvals.county import services
from apps.approvals.county.models import CountyProcess, ProcessTemplateVersion
from apps.approvals.definitions import process_template_apply, processes_copy
from apps.approvals.models import ProcessDefinition
from tenants.models import Tenant


def processes_ready(county: Tenant, *tenants: Tenant) -> None:
    """The county's templates and each tenant's copy (already there when tenant_create
    provisions them; idempotent either way)."""
    services.process_catalog_start(actor=None, county=county)
    for tenant in (county, *tenants):
        with schema_context(tenant.schema_name):
            processes_copy(tenant=tenant)


def publish(county: Tenant, note: str = "测试版本") -> ProcessTemplateVersion:
    """A new version; its push (an on-commit callback) never runs inside a test transaction."""
    return services.process_template_publish(actor=None, county=county, note=note)


def apply_in(tenant: Tenant, version: ProcessTemplateVersion) -> int:
    with schema_context(tenant.schema_name):
        return process_template_apply(tenant=tenant, version=version)


def county_steps(county: Tenant, document_type: str) -> list[dict]:
    process = CountyProcess.objects.get(county=county, document_type=document_type)
    return list(process.steps.order_by("order").values(*services.STEP_FIELDS))


def county_change(county: Tenant, document_type: str, change) -> None:
    """Edit the county's steps of `document_type` with `change(steps) -> steps`."""
    process = CountyProcess.objects.get(county=county, document_type=document_type)
    services.county_process_update(actor=None, process=process,
                                   steps=change(county_steps(county, document_type)))


def tenant_rows(tenant: Tenant, document_type: str) -> list[dict]:
    """The tenant's steps of `document_type`, as the tenant API takes them."""
    with schema_context(tenant.schema_name):
        definition = ProcessDefinition.objects.get(document_type=document_type)
        return list(definition.steps.order_by("order").values(
            "name", "post_code", "same_department", "mode", "condition", "sla_hours",
            "from_county"))


def step_named(rows: list[dict], name: str) -> dict:
    return next(row for row in rows if row["name"] == name)
