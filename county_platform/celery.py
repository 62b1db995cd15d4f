"""The Celery app. Every task carries the schema of whoever enqueued it (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_platform.settings.dev")

# The message header in which tenant-schemas-celery carries the schema to the worker.
SCHEMA_HEADER = "_schema_name"

app = CeleryApp("neikong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class PublicSchemaTaskError(RuntimeError):
    """A tenant task found itself in the public schema: it was sent without a tenant."""


def schema_headers(schema_name: str) -> dict[str, str]:
    """Headers that send a task to `schema_name` whatever schema the sender is in when it sends
    (an on_commit callback may run after the sender's schema_context has ended)."""
    return {SCHEMA_HEADER: schema_name}


def require_tenant_schema() -> str:
    """The tenant schema the current code runs in; refuses the public schema."""
    # Imported here: this module is loaded with the project package, before settings are.
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    schema_name = connection.schema_name
    if schema_name == get_public_schema_name():
        raise PublicSchemaTaskError("This work belongs to a tenant but runs in the public schema.")
    return schema_name
