"""Test settings: a real PostgreSQL and Redis, a test database of its own per run."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-" + "x" * 40)
os.environ.setdefault("DEBUG", "0")

from .base import *  # noqa: E402,F403
from .base import DATABASES
from .env import env_str

# Several runs may share one server (CI, parallel checkouts): each gets its own database.
DATABASES["default"]["TEST"] = {
    "NAME": env_str("NEIKONG_TEST_DB", f"test_neikong_{os.getpid()}"),
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The real-worker tests (tests/worker.py) point the worker at files, to count what it sent.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
CELERY_TASK_ALWAYS_EAGER = False

# Each run keeps its cache entries (throttle counters included) apart from other runs.
# A worker started by the tests (tests/worker.py) is given its run's prefix, as it shares its
# cache entries (the outbox's drain requests) with the run.
_CACHE_PREFIX = os.environ.get("NEIKONG_TEST_CACHE_PREFIX") or f"test{os.getpid()}"
CACHES["default"]["KEY_PREFIX"] = _CACHE_PREFIX  # noqa: F405
