"""Celery with a Redis broker; tasks carry their tenant schema (tenant-schemas-celery)."""

from celery.schedules import crontab

from .env import env_str

REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "neikong")
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "apps.outbox.tasks.outbox_sweep_all", "schedule": 60.0},
    "approvals-escalate": {
        "task": "apps.approvals.tasks.approvals_escalate_all",
        "schedule": 15 * 60.0,
    },
    "rotation-check": {
        "task": "permissions.tasks.rotation_check_all",
        "schedule": 24 * 3600.0,
    },
    "sod-exceptions-expire": {
        "task": "permissions.tasks.sod_exceptions_expire",
        "schedule": 24 * 3600.0,
    },
    "rules-scan": {
        "task": "apps.controls.tasks.rules_scan_all",
        "schedule": crontab(hour=2, minute=30),
    },
    "audit-publish-heads": {
        "task": "apps.audit.tasks.audit_publish_all_heads",
        "schedule": 24 * 3600.0,
    },
    "county-stats-nightly": {
        "task": "apps.county.tasks.stats_refresh_nightly",
        "schedule": crontab(hour=3, minute=15),
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Every key carries the tenant's schema, so one township never reads another's entry.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "neikong"),
    }
}
