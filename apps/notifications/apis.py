"""The caller's in-app notifications, and the tenant's 浙政钉 configuration (tenant_admin)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from apps.notifications.selectors import dingtalk_config_get, notifications_for, unread_count
from apps.notifications.services import (
    dingtalk_config_update,
    notification_mark_read,
    notifications_mark_all_read,
)
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost


class NotificationFilter(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.SerializerMethodField()

    def get_is_read(self, row) -> bool:
        return row.read_at is not None


CountOutput = inline_serializer("NotificationCount", {"count": serializers.IntegerField()})


class NotificationsApi(TenantAPIView):
    @extend_schema(parameters=[NotificationFilter], responses={200: NotificationOutput(many=True)})
    def get(self, request):
        filters = NotificationFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = notifications_for(user=request.user, unread=filters.validated_data["unread"])
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(NotificationOutput(page, many=True).data)


class UnreadCountApi(TenantAPIView):
    @extend_schema(responses={200: CountOutput})
    def get(self, request):
        return Response({"count": unread_count(user=request.user)})


class NotificationReadApi(TenantAPIView):
    @extend_schema(request=None, responses={200: NotificationOutput})
    def post(self, request, pk: int):
        row = notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationOutput(row).data)


class NotificationsReadAllApi(TenantAPIView):
    @extend_schema(request=None, responses={200: CountOutput})
    def post(self, request):
        return Response({"count": notifications_mark_all_read(user=request.user)})


class DingTalkConfigOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    api_base_url = serializers.CharField()
    app_key = serializers.CharField()
    app_secret_set = serializers.SerializerMethodField()
    tenant_id = serializers.CharField()
    agent_id = serializers.CharField()
    client_ip = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)

    def get_app_secret_set(self, config) -> bool:
        return bool(config.app_secret)


class DingTalkConfigInput(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    api_base_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    app_key = serializers.CharField(required=False, allow_blank=True, max_length=128)
    # Write-only: omitted keeps the stored secret, "" clears it; it is never answered back.
    app_secret = serializers.CharField(required=False, allow_blank=True, max_length=256,
                                       write_only=True, trim_whitespace=False)
    tenant_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    agent_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    client_ip = serializers.IPAddressField(required=False)


class DingTalkConfigApi(TenantAPIView):
    extra_permission_classes = (HoldsPost,)
    required_posts = ("tenant_admin",)

    @extend_schema(responses={200: DingTalkConfigOutput})
    def get(self, request):
        return Response(DingTalkConfigOutput(dingtalk_config_get()).data)

    @extend_schema(request=DingTalkConfigInput, responses={200: DingTalkConfigOutput})
    def put(self, request):
        given = DingTalkConfigInput(data=request.data)
        given.is_valid(raise_exception=True)
        config = dingtalk_config_update(actor=request.user, **given.validated_data)
        return Response(DingTalkConfigOutput(config).data)
