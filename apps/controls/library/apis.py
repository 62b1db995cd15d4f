"""The county's rule library (county host only): county_admin and inspectors read it,
county_admin switches rules and sets parameter values and bounds for every township."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.controls.library.selectors import county_rule_get, county_rules
from apps.controls.library.services import county_rule_update
from apps.controls.rules.registry import AREAS, SEVERITIES
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, OnCountyHost
from permissions.models import PostCode


class LibraryParameterOutput(serializers.Serializer):
    label = serializers.CharField()
    kind = serializers.CharField()
    value = serializers.JSONField()
    min = serializers.JSONField(allow_null=True)
    max = serializers.JSONField(allow_null=True)


class LibraryRuleOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    area = serializers.CharField()
    article = serializers.CharField()
    severity = serializers.CharField()
    trigger = serializers.CharField()
    parameters = serializers.DictField(child=LibraryParameterOutput())
    enabled = serializers.BooleanField()


class LibraryFilter(serializers.Serializer):
    area = serializers.ChoiceField(choices=list(AREAS.items()), required=False)
    severity = serializers.ChoiceField(choices=SEVERITIES, required=False)


class ParameterChangeInput(serializers.Serializer):
    value = serializers.JSONField(required=False)
    min = serializers.JSONField(required=False)
    max = serializers.JSONField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("请给出 value、min 或 max 中的至少一项。")
        return attrs


class LibraryRuleChangeInput(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    parameters = serializers.DictField(child=ParameterChangeInput(), required=False,
                                       default=dict)


class CountyRulesView(TenantAPIView):
    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)


class CountyRulesApi(CountyRulesView):
    @extend_schema(parameters=[LibraryFilter], responses={200: LibraryRuleOutput(many=True)})
    def get(self, request):
        filters = LibraryFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(
            county_rules(county=request.tenant, **filters.validated_data), request, view=self)
        return paginator.get_paginated_response(LibraryRuleOutput(page, many=True).data)


class CountyRuleApi(CountyRulesView):
    @extend_schema(responses={200: LibraryRuleOutput})
    def get(self, request, code: str):
        return Response(LibraryRuleOutput(county_rule_get(county=request.tenant,
                                                          code=code)).data)

    @extend_schema(request=LibraryRuleChangeInput, responses={200: LibraryRuleOutput})
    def patch(self, request, code: str):
        data = LibraryRuleChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        county_rule_update(actor=request.user, county=request.tenant, code=code,
                           enabled=data.validated_data.get("enabled"),
                           parameters=data.validated_data["parameters"])
        return Response(LibraryRuleOutput(county_rule_get(county=request.tenant,
                                                          code=code)).data)
