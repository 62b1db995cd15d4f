"""Reads of a county's duty template; a row of another county is as absent as a missing one."""

from django.http import Http404

from permissions.catalog.models import (
    CountyParameter,
    CountyPost,
    CountyRoleStep,
    CountySodRule,
    TemplateVersion,
)
from tenants.models import Tenant


def _one(queryset, **lookup):
    row = queryset.filter(**lookup).first()
    if row is None:
        raise Http404
    return row


def county_posts(*, county: Tenant):
    return CountyPost.objects.filter(county=county).order_by("id")


def county_post_get(*, county: Tenant, code: str) -> CountyPost:
    return _one(county_posts(county=county), code=code)


def county_steps(*, county: Tenant):
    return CountyRoleStep.objects.filter(county=county).order_by("activity", "order", "id")


def county_step_get(*, county: Tenant, pk: int) -> CountyRoleStep:
    return _one(county_steps(county=county), pk=pk)


def county_sod_rules(*, county: Tenant):
    return CountySodRule.objects.filter(county=county).order_by("id")


def county_sod_rule_get(*, county: Tenant, code: str) -> CountySodRule:
    return _one(county_sod_rules(county=county), code=code)


def county_parameters(*, county: Tenant):
    return CountyParameter.objects.filter(county=county).order_by("code")


def county_parameter_get(*, county: Tenant, code: str) -> CountyParameter:
    return _one(county_parameters(county=county), code=code)


def county_parameter_value(*, county: Tenant, code: str, default: int) -> int:
    """A county parameter's value for the checks (rotation reminders and the like)."""
    value = (CountyParameter.objects.filter(county=county, code=code)
             .values_list("value", flat=True).first())
    return default if value is None else value


def template_versions(*, county: Tenant):
    return (TemplateVersion.objects.filter(county=county).select_related("published_by")
            .defer("snapshot").order_by("-number"))
