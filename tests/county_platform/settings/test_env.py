"""The typed environment helper fails loudly on missing or malformed values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from county_platform.settings.env import env_bool, env_database, env_int, env_list, env_str


def test_missing_required_value_names_the_variable(monkeypatch):
    monkeypatch.delenv("NEIKONG_NOPE", raising=False)

    with pytest.raises(ImproperlyConfigured, match="NEIKONG_NOPE"):
        env_str("NEIKONG_NOPE")


def test_default_is_used_when_unset(monkeypatch):
    monkeypatch.delenv("NEIKONG_NOPE", raising=False)

    assert env_int("NEIKONG_NOPE", 7) == 7
    assert env_list("NEIKONG_NOPE", ["a"]) == ["a"]


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("off", False)])
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("NEIKONG_FLAG", raw)

    assert env_bool("NEIKONG_FLAG") is expected


def test_malformed_boolean_and_integer_are_refused(monkeypatch):
    monkeypatch.setenv("NEIKONG_FLAG", "maybe")
    monkeypatch.setenv("NEIKONG_NUM", "ten")

    with pytest.raises(ImproperlyConfigured, match="NEIKONG_FLAG"):
        env_bool("NEIKONG_FLAG")
    with pytest.raises(ImproperlyConfigured, match="NEIKONG_NUM"):
        env_int("NEIKONG_NUM")


def test_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("NEIKONG_HOSTS", "a.example, .b.example ,")

    assert env_list("NEIKONG_HOSTS") == ["a.example", ".b.example"]


def test_database_url_tcp_and_socket(monkeypatch):
    monkeypatch.setenv("DB_TCP", "postgres://u:p%40ss@db.internal:6432/neikong")
    monkeypatch.setenv("DB_SOCK", "postgresql://postgres@/neikong?host=/tmp/pg")

    tcp = env_database("DB_TCP")
    sock = env_database("DB_SOCK")

    assert (tcp["HOST"], tcp["PORT"], tcp["USER"], tcp["PASSWORD"], tcp["NAME"]) == (
        "db.internal", "6432", "u", "p@ss", "neikong")
    assert (sock["HOST"], sock["NAME"]) == ("/tmp/pg", "neikong")
    assert tcp["ENGINE"] == "django_tenants.postgresql_backend"


def test_database_url_must_be_postgres(monkeypatch):
    monkeypatch.setenv("DB_BAD", "mysql://root@localhost/x")

    with pytest.raises(ImproperlyConfigured, match="postgres"):
        env_database("DB_BAD")
