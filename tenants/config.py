"""Per-tenant configuration read on every submission — the process definitions, the duty
rules, the rules in force, the county's parameters — cached in the process, keyed by the
tenant's configuration version.

The version is two numbers kept by the database itself: the tenant's (`config_version`,
bumped by a statement trigger on every table such a configuration is read from) and its
county's (`county_config_version`, bumped by the county's rule library and parameters). Both
come from one sequence, so a number is never reused, even by a transaction that rolled back.
No write path — a service, a bulk insert, a data migration, a hand-typed UPDATE — can leave a
stale configuration in use: the next read sees a new version and rebuilds. Reading the
version is one small query in place of the several a configuration costs to build.

Inside a transaction that changed the configuration the version read is that transaction's
own (uncommitted) number, so it sees its own change; if it rolls back, that number is never
read again.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import connection
from django_tenants.utils import get_public_schema_name

T = TypeVar("T")

# The process holds at most this many entries (a county of 1,400 townships × a handful of
# configurations fits); beyond it the cache starts afresh rather than grow without bound.
MAX_ENTRIES = 20_000

_VERSION_SQL = """
SELECT v, (SELECT county.v FROM public.county_config_version county
           WHERE county.county_id = (SELECT CASE WHEN t.kind = 'county' THEN t.id
                                                 ELSE t.parent_id END
                                     FROM public.tenants_tenant t
                                     WHERE t.schema_name = current_schema()))
FROM config_version
"""

_cache: dict[tuple[str, str], tuple[tuple, object]] = {}
_pinned: ContextVar[tuple[str, tuple] | None] = ContextVar("neikong_config_pinned", default=None)


def config_version() -> tuple:
    """The current tenant's configuration version (its own number and its county's)."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        return tuple(cursor.fetchone())


@contextmanager
def config_pinned() -> Iterator[None]:
    """Read the version once for a whole service call (a submission reads four
    configurations): inside the block, every `tenant_config` of this schema uses it. Only for
    blocks that do not change the configuration themselves."""
    if _pinned.get() is not None or connection.schema_name == get_public_schema_name():
        yield
        return
    token = _pinned.set((connection.schema_name, config_version()))
    try:
        yield
    finally:
        _pinned.reset(token)


def _version_of(schema: str) -> tuple:
    pinned = _pinned.get()
    if pinned is not None and pinned[0] == schema:
        return pinned[1]
    return config_version()


def tenant_config(name: str, build: Callable[[], T]) -> T:
    """The current tenant's configuration `name`, built by `build()` when the tenant's (or
    its county's) configuration changed since it was last built in this process. `build`
    must return a value nobody mutates: it is shared by every request of the tenant."""
    schema = connection.schema_name
    if schema == get_public_schema_name():
        return build()
    version = _version_of(schema)
    key = (schema, name)
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]  # type: ignore[return-value]
    value = build()
    if len(_cache) >= MAX_ENTRIES:
        _cache.clear()
    _cache[key] = (version, value)
    return value
