"""The county benchmark runs in a database of its own, like the provisioning benchmark."""

from tests.perf.provisioning.conftest import perf_database  # noqa: F401
