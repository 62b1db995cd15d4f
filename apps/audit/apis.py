"""The audit chain's head, for anyone allowed into the tenant to compare with a copy."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.audit.selectors import chain_head
from county_platform.api.base import TenantAPIView


class HeadOutput(serializers.Serializer):
    count = serializers.IntegerField()
    head_hash = serializers.CharField()


class AuditHeadApi(TenantAPIView):
    @extend_schema(responses={200: HeadOutput})
    def get(self, request):
        head = chain_head()
        return Response(HeadOutput({"count": head.count, "head_hash": head.head_hash}).data)
