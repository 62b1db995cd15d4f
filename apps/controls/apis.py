"""The tenant's alerts, for its members (the full life cycle comes with the rule library)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from apps.controls.models import AlertStatus, Severity
from apps.controls.selectors import alerts_list
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination


class AlertFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


class AlertOutput(serializers.Serializer):
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


class AlertsApi(TenantAPIView):
    @extend_schema(parameters=[AlertFilter], responses={200: AlertOutput(many=True)})
    def get(self, request):
        filters = AlertFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(alerts_list(**filters.validated_data), request,
                                           view=self)
        return paginator.get_paginated_response(AlertOutput(page, many=True).data)
