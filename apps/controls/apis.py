"""The tenant's alerts (list, one alert, acknowledge, rectify) and its rules in force (read by
members, tuned by tenant_admin inside the county's bounds)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from apps.controls import selectors, services
from apps.controls.models import AlertStatus, Severity
from apps.controls.rules.registry import AREAS
from apps.controls.tuning import rule_tune
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPostToWrite
from permissions.models import PostCode


class AlertFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    rule = serializers.SlugField(max_length=64, required=False)


class AlertCoreOutput(serializers.Serializer):
    """What the township's alert and the county's copy of it both say."""

    id = serializers.IntegerField()
    rule = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    message = serializers.CharField()
    responsible_post = serializers.CharField()
    standing = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class AlertOutput(AlertCoreOutput):
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    rectified_at = serializers.DateTimeField(allow_null=True)
    rectification_note = serializers.CharField()
    county_note = serializers.CharField()
    reopened_count = serializers.IntegerField()


class EvidenceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    locked = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class AlertDetailOutput(AlertOutput):
    acknowledged_by = serializers.SerializerMethodField()
    rectified_by = serializers.SerializerMethodField()
    closed_by = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    def _name(self, alert, user_id) -> str | None:
        user = self.context["people"].get(user_id)
        return None if user is None else user.username

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_acknowledged_by(self, alert) -> str | None:
        return self._name(alert, alert.acknowledged_by_id)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rectified_by(self, alert) -> str | None:
        return self._name(alert, alert.rectified_by_id)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_closed_by(self, alert) -> str | None:
        return self._name(alert, alert.closed_by_id)

    @extend_schema_field(EvidenceOutput(many=True))
    def get_attachments(self, alert) -> list[dict]:
        return EvidenceOutput(selectors.alert_evidence(alert=alert), many=True).data


def alert_detail(alert) -> dict:
    return AlertDetailOutput(alert, context={"people": selectors.alert_people(alert)}).data


class AlertsApi(TenantAPIView):
    @extend_schema(parameters=[AlertFilter], responses={200: AlertOutput(many=True)})
    def get(self, request):
        filters = AlertFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(selectors.alerts_list(**filters.validated_data),
                                           request, view=self)
        return paginator.get_paginated_response(AlertOutput(page, many=True).data)


class AlertApi(TenantAPIView):
    @extend_schema(responses={200: AlertDetailOutput})
    def get(self, request, pk: int):
        return Response(alert_detail(selectors.alert_get(alert_id=pk)))


class AcknowledgeInput(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class RectifyInput(serializers.Serializer):
    note = serializers.CharField(max_length=1000)
    attachments = serializers.ListField(child=serializers.IntegerField(min_value=1),
                                        required=False, default=list, max_length=50)


class AlertAcknowledgeApi(TenantAPIView):
    @extend_schema(request=AcknowledgeInput, responses={200: AlertDetailOutput})
    def post(self, request, pk: int):
        data = AcknowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_acknowledge(actor=request.user, alert_id=pk,
                                           note=data.validated_data["note"])
        return Response(alert_detail(alert))


class AlertRectifyApi(TenantAPIView):
    @extend_schema(request=RectifyInput, responses={200: AlertDetailOutput})
    def post(self, request, pk: int):
        data = RectifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_rectify(actor=request.user, alert_id=pk,
                                       note=data.validated_data["note"],
                                       attachment_ids=data.validated_data["attachments"])
        return Response(alert_detail(alert))


# --- the rules in force -----------------------------------------------------------------------

class RuleParameterOutput(serializers.Serializer):
    label = serializers.CharField()
    kind = serializers.CharField()
    county_value = serializers.JSONField(help_text="县定取值")
    min = serializers.JSONField(allow_null=True, help_text="县定下限")
    max = serializers.JSONField(allow_null=True, help_text="县定上限")
    own_value = serializers.JSONField(allow_null=True, help_text="本单位取值（未设为 null）")
    value = serializers.JSONField(help_text="执行取值")


class TenantRuleOutput(serializers.Serializer):
    code = serializers.CharField(source="spec.code")
    title = serializers.CharField(source="spec.title")
    area = serializers.CharField(source="spec.area")
    area_name = serializers.SerializerMethodField()
    article = serializers.CharField(source="spec.article")
    severity = serializers.CharField(source="spec.severity")
    trigger = serializers.CharField(source="spec.trigger")
    parameters = serializers.DictField(child=RuleParameterOutput())
    enabled = serializers.BooleanField()
    county_enabled = serializers.BooleanField()
    own_enabled = serializers.BooleanField()

    def get_area_name(self, rule) -> str:
        return selectors.area_name(rule.spec.area)


class RuleFilter(serializers.Serializer):
    area = serializers.ChoiceField(choices=list(AREAS.items()), required=False)


class RuleTuneInput(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    parameters = serializers.DictField(child=serializers.JSONField(allow_null=True),
                                       required=False, default=dict,
                                       help_text="{参数名: 取值}；null 恢复县定取值")


class RulesApi(TenantAPIView):
    @extend_schema(parameters=[RuleFilter], responses={200: TenantRuleOutput(many=True)})
    def get(self, request):
        filters = RuleFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(selectors.tenant_rules(**filters.validated_data),
                                           request, view=self)
        return paginator.get_paginated_response(TenantRuleOutput(page, many=True).data)


class RuleApi(TenantAPIView):
    extra_permission_classes = (HoldsPostToWrite,)
    required_posts = (PostCode.TENANT_ADMIN,)

    @extend_schema(responses={200: TenantRuleOutput})
    def get(self, request, code: str):
        return Response(TenantRuleOutput(selectors.tenant_rule_get(code=code)).data)

    @extend_schema(request=RuleTuneInput, responses={200: TenantRuleOutput})
    def put(self, request, code: str):
        data = RuleTuneInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule_tune(actor=request.user, code=code, enabled=data.validated_data.get("enabled"),
                  parameters=data.validated_data["parameters"])
        return Response(TenantRuleOutput(selectors.tenant_rule_get(code=code)).data)
