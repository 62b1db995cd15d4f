"""Production settings pass Django's deployment checks; Sentry starts only with a DSN."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _run(code_or_args: list[str], **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(50), **env}
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=ROOT, env=full_env, capture_output=True, text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="county_platform.settings.production",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "county_platform.settings.production"}, timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


PROBE = (
    "import django, sentry_sdk; django.setup(); "
    "print('sentry-active' if sentry_sdk.get_client().is_active() else 'sentry-off')"
)


def test_sentry_is_initialised_only_when_a_dsn_is_set():
    base = {"DJANGO_SETTINGS_MODULE": "county_platform.settings.production", "SENTRY_DSN": ""}
    off = _run(["-c", PROBE], **base)
    on = _run(["-c", PROBE], **{**base, "SENTRY_DSN": "http://key@127.0.0.1:9/1"})

    assert off.stdout.strip() == "sentry-off", off.stderr
    assert on.stdout.strip() == "sentry-active", on.stderr
