"""Cache keys carry the tenant: one township never reads another's entry."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

pytestmark = pytest.mark.django_db


def test_same_key_in_two_tenants_holds_two_values(town_a, town_b):
    with schema_context(town_a.schema_name):
        cache.set("budget:summary", "甲镇的数据", 30)
    with schema_context(town_b.schema_name):
        seen_by_b = cache.get("budget:summary")
        cache.set("budget:summary", "乙乡的数据", 30)
    with schema_context(town_a.schema_name):
        seen_by_a = cache.get("budget:summary")
        cache.delete("budget:summary")
    with schema_context(town_b.schema_name):
        cache.delete("budget:summary")

    assert seen_by_b is None
    assert seen_by_a == "甲镇的数据"
