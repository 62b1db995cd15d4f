"""The scheduled rules (beat, nightly): one scan per active tenant, each in its own schema."""

from apps.controls.rules.engine import rules_scan
from county_platform.celery import app, require_tenant_schema, schema_headers
from permissions.tasks import rotation_check_schemas


@app.task(name="apps.controls.tasks.rules_scan_all")
def rules_scan_all() -> int:
    """Send `rules_scan_tenant` to every active tenant's schema; returns how many were sent."""
    schemas = rotation_check_schemas()
    for schema_name in schemas:
        rules_scan_tenant.apply_async(headers=schema_headers(schema_name))
    return len(schemas)


@app.task(name="apps.controls.tasks.rules_scan_tenant")
def rules_scan_tenant() -> dict[str, int]:
    """Run the task's tenant's scheduled rules; idempotent (live alerts are not raised twice)."""
    require_tenant_schema()
    result = rules_scan()
    return {"rules": result.rules, "findings": result.findings, "failed": len(result.failed)}
