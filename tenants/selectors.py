"""Reads about tenants."""

from django.db.models import QuerySet

from tenants.models import Tenant


def tenants_of_county(*, county: Tenant) -> QuerySet[Tenant]:
    return Tenant.objects.filter(parent=county).select_related("parent").prefetch_related(
        "domains"
    ).order_by("slug")
