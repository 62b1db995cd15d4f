"""Identity and county tenant endpoints."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, NotAMember, OnCountyHost
from county_platform.errors import DomainError
from permissions.access import membership_for
from permissions.models import PostCode
from tenants.models import Tenant, TenantKind
from tenants.selectors import tenants_of_county
from tenants.services import RESERVED_SLUGS, SLUG_RE, AdminSpec, tenant_create


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TokenApi(APIView):
    """Exchange a username and password for an API token (members of this tenant only)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, auth=[])
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            raise DomainError("invalid_credentials", "用户名或密码不正确。", 400)
        request.user = user
        if not membership_for(request).is_member:
            raise NotAMember()
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class TenantBrief(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    tenant = TenantBrief()
    posts = serializers.ListField(child=serializers.CharField())
    is_inspector = serializers.BooleanField()


class MeApi(TenantAPIView):
    @extend_schema(responses={200: MeOutput})
    def get(self, request):
        user = request.user
        return Response(
            MeOutput(
                {
                    "username": user.username,
                    "display_name": user.display_name or user.username,
                    "tenant": request.tenant,
                    "posts": list(self.membership.posts),
                    "is_inspector": self.membership.is_inspector,
                }
            ).data
        )


class AdminInput(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    display_name = serializers.CharField(max_length=64, required=False, default="")
    password = serializers.CharField(min_length=8, max_length=128, trim_whitespace=False)


class TenantInput(serializers.Serializer):
    slug = serializers.RegexField(
        SLUG_RE,
        max_length=42,
        error_messages={"invalid": "标识只能包含小写字母、数字和连字符，以字母开头，长度 3–42。"},
    )
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(
        choices=[TenantKind.TOWN, TenantKind.TOWNSHIP, TenantKind.SUBDISTRICT]
    )
    region_code = serializers.RegexField(r"^\d{6,12}$", required=False, default="")
    admin = AdminInput(required=False)

    def validate_slug(self, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise serializers.ValidationError("该标识为系统保留，请换一个。")
        return value


class TenantOutput(serializers.ModelSerializer):
    domain = serializers.SerializerMethodField()

    class Meta:
        model = Tenant
        fields = ["id", "slug", "name", "kind", "schema_name", "domain", "is_active",
                  "region_code"]

    def get_domain(self, tenant: Tenant) -> str:
        primary = [d for d in tenant.domains.all() if d.is_primary]
        return primary[0].domain if primary else ""


class CountyTenantsApi(TenantAPIView):
    """The county's townships and subdistricts; `county_admin` lists and creates them."""

    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)

    @extend_schema(responses={200: TenantOutput(many=True)})
    def get(self, request):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(
            tenants_of_county(county=request.tenant), request, view=self
        )
        return paginator.get_paginated_response(TenantOutput(page, many=True).data)

    @extend_schema(request=TenantInput, responses={201: TenantOutput})
    def post(self, request):
        data = TenantInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        admin = fields.pop("admin", None)
        tenant = tenant_create(
            actor=request.user,
            parent=request.tenant,
            admin=AdminSpec(**admin) if admin else None,
            **fields,
        )
        tenant = tenants_of_county(county=request.tenant).get(pk=tenant.pk)
        return Response(TenantOutput(tenant).data, status=status.HTTP_201_CREATED)
