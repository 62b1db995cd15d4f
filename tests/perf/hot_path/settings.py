"""Benchmark settings: the test settings plus a bare create endpoint to compare with."""

from county_platform.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.perf.hot_path.urls"
