"""County endpoints for inspector grants (检查授权) and the inspectors' access log."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, HoldsPostToWrite, OnCountyHost
from permissions.models import PostCode
from tenants.inspectors import (
    inspector_accesses,
    inspector_grant_create,
    inspector_grant_get_for,
    inspector_grant_revoke,
    inspector_grants_visible,
)
from tenants.models import InspectorGrant

ALL = "all"


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": [ALL]},
            {"type": "array", "items": {"type": "string"}, "minItems": 1},
        ]
    }
)
class TenantsField(serializers.Field):
    """`"all"` (every tenant of the county) or a list of tenant slugs."""

    default_error_messages = {"invalid": '请填写单位标识列表，或填写 "all" 表示全县所有单位。'}

    def to_internal_value(self, data):
        if data == ALL:
            return None
        if (
            not isinstance(data, list)
            or not data
            or len(data) > 2000
            or not all(isinstance(slug, str) and 0 < len(slug) <= 63 for slug in data)
        ):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class InspectorGrantInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    tenants = TenantsField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    reason = serializers.CharField(max_length=300)


class InspectorGrantOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")
    tenants = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = InspectorGrant
        fields = ["id", "username", "display_name", "all_tenants", "tenants", "valid_from",
                  "valid_to", "reason", "created_by", "created_at", "revoked_at"]

    def get_tenants(self, grant: InspectorGrant) -> list[str] | str:
        if grant.all_tenants:
            return ALL
        return sorted(t.slug for t in grant.tenants.all())


class InspectorGrantsApi(TenantAPIView):
    """The county's grants: `county_admin` lists all and creates; anyone else sees their own."""

    extra_permission_classes = (OnCountyHost, HoldsPostToWrite)
    required_posts = (PostCode.COUNTY_ADMIN,)

    @extend_schema(responses={200: InspectorGrantOutput(many=True)})
    def get(self, request):
        grants = inspector_grants_visible(
            county=request.tenant,
            user=request.user,
            see_all=PostCode.COUNTY_ADMIN in self.membership.posts,
        )
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(grants, request, view=self)
        return paginator.get_paginated_response(InspectorGrantOutput(page, many=True).data)

    @extend_schema(request=InspectorGrantInput, responses={201: InspectorGrantOutput})
    def post(self, request):
        data = InspectorGrantInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        grant = inspector_grant_create(
            actor=request.user,
            county=request.tenant,
            tenant_slugs=fields.pop("tenants"),
            **fields,
        )
        return Response(InspectorGrantOutput(grant).data, status=status.HTTP_201_CREATED)


class InspectorGrantRevokeApi(TenantAPIView):
    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)

    @extend_schema(request=None, responses={200: InspectorGrantOutput})
    def post(self, request, pk: int):
        grant = inspector_grant_get_for(county=request.tenant, id=pk)
        grant = inspector_grant_revoke(actor=request.user, grant=grant)
        return Response(InspectorGrantOutput(grant).data)


class InspectorAccessFilter(serializers.Serializer):
    user = serializers.CharField(max_length=150, required=False)
    tenant = serializers.CharField(max_length=63, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class InspectorAccessOutput(serializers.Serializer):
    id = serializers.IntegerField()
    grant = serializers.IntegerField(source="grant_id")
    user = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")
    tenant = serializers.CharField(source="tenant.slug")
    tenant_name = serializers.CharField(source="tenant.name")
    method = serializers.CharField()
    path = serializers.CharField()
    status_code = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()


class InspectorAccessApi(TenantAPIView):
    """Every inspector request in this county's tenants; `county_admin` only (not inspectors)."""

    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)
    inspectors_may_read = False

    @extend_schema(
        parameters=[InspectorAccessFilter], responses={200: InspectorAccessOutput(many=True)}
    )
    def get(self, request):
        query = InspectorAccessFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        rows = inspector_accesses(
            county=request.tenant,
            username=filters.get("user"),
            tenant_slug=filters.get("tenant"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(InspectorAccessOutput(page, many=True).data)
