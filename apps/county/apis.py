"""The county's comparative statistics (county host only): `county_admin` and inspectors read
the stored snapshots of the townships; no township schema is visited per request."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.county import selectors
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, OnCountyHost
from permissions.models import PostCode

YEAR = OpenApiParameter("year", int, description="预算年度，默认今年")


class StatsPagination(DefaultPagination):
    """A whole county (up to 2,000 townships) fits in one page when asked for."""

    max_page_size = 2000


class StatsTownshipOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


def _money():
    return serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class StatsRowOutput(serializers.Serializer):
    """A township's snapshot; every figure is null before its first refresh."""

    tenant = StatsTownshipOutput()
    year = serializers.IntegerField()
    budget_amount = _money()
    executed = _money()
    committed = _money()
    execution_rate = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True,
                                              help_text="已支付 ÷ 批复金额，百分数")
    sangong_total = _money()
    sangong_last_year = _money()
    approval_median_seconds = serializers.FloatField(allow_null=True)
    approval_p90_seconds = serializers.FloatField(allow_null=True)
    alerts_open = serializers.IntegerField(allow_null=True)
    alerts = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()),
                                   allow_null=True, help_text="{级别: {状态: 条数}}，当年产生")
    rotations_overdue = serializers.IntegerField(allow_null=True)
    payments_count = serializers.IntegerField(allow_null=True)
    refreshed_at = serializers.DateTimeField(allow_null=True)


FIGURES = [name for name in StatsRowOutput._declared_fields if name not in ("tenant", "year")]
MONEY = {"budget_amount", "executed", "committed", "execution_rate", "sangong_total",
         "sangong_last_year"}


def _plain(name: str, value):
    """A snapshot value as StatsRowOutput renders it (decimal strings, local ISO times)."""
    if value is None:
        return None
    if name in MONEY:
        return f"{value:.2f}"
    if name == "refreshed_at":
        return timezone.localtime(value).isoformat()
    return value


def list_rows(tenants: list, year: int) -> list[dict]:
    """The list's rows, shaped as StatsRowOutput by hand: DRF's field-by-field serialization
    costs more than the whole rest of the request for a county of 1,400 townships."""
    found = selectors.stats_values(tenants=tenants, year=year, fields=FIGURES)
    empty = dict.fromkeys(FIGURES)
    return [{"tenant": {"slug": t.slug, "name": t.name, "kind": t.kind}, "year": year,
             **{name: _plain(name, value) for name, value in found.get(t.pk, empty).items()}}
            for t in tenants]


def row_data(row: selectors.StatsRow, year: int) -> dict:
    figures = {name: getattr(row.stats, name, None) for name in FIGURES}
    return {"tenant": row.tenant, "year": year, **figures}


class StatsStepOutput(serializers.Serializer):
    post = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class StatsRuleOutput(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.CharField()
    total = serializers.IntegerField()
    still_open = serializers.IntegerField()


class TownshipStatsOutput(StatsRowOutput):
    approval_steps = StatsStepOutput(many=True)
    alerts_by_rule = StatsRuleOutput(many=True)


class CountyStatsApi(TenantAPIView):
    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)


class StatsListApi(CountyStatsApi):
    """Every township of the county side by side: one row each, from the snapshots."""

    @extend_schema(parameters=[YEAR], responses={200: StatsRowOutput(many=True)})
    def get(self, request):
        year = selectors.stats_year(request.query_params.get("year"))
        tenants = selectors.townships_visible(county=request.tenant, membership=self.membership)
        paginator = StatsPagination()
        page = paginator.paginate_queryset(tenants, request, view=self)
        return paginator.get_paginated_response(list_rows(page, year))


class StatsTownshipApi(CountyStatsApi):
    """One township: its snapshot, approval times per post and its alerts per rule."""

    @extend_schema(parameters=[YEAR], responses={200: TownshipStatsOutput})
    def get(self, request, slug: str):
        year = selectors.stats_year(request.query_params.get("year"))
        tenant = selectors.township_get_for(county=request.tenant, membership=self.membership,
                                            slug=slug)
        row = selectors.stats_rows(tenants=[tenant], year=year)[0]
        steps = row.stats.approval_steps if row.stats else {}
        data = {**row_data(row, year),
                "approval_steps": [{"post": post, **step} for post, step in steps.items()],
                "alerts_by_rule": selectors.alerts_by_rule(tenant=tenant, year=year)}
        return Response(TownshipStatsOutput(data).data)
