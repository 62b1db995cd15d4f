"""The Celery app. Every task carries the schema of whoever enqueued it (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_platform.settings.dev")

app = CeleryApp("neikong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
