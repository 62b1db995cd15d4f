"""A tenant's copy of the duty template: members read it, tenant_admin tightens it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPostToWrite
from permissions import defaults, tightening
from permissions.catalog.apis import StepInput as RoleStepInput  # one shape for both
from permissions.catalog.models import SodScope
from permissions.models import PostCode


class TenantAdminWritesApi(TenantAPIView):
    extra_permission_classes = (HoldsPostToWrite,)
    required_posts = (PostCode.TENANT_ADMIN,)

    def paginated(self, queryset, output):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(output(page, many=True).data)


def _input(serializer_class, request, *, partial: bool = False) -> dict:
    data = serializer_class(data=request.data, partial=partial)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# --- incompatible pairs -----------------------------------------------------------------------

class SodRuleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    post_a = serializers.CharField(source="post_a.code")
    post_b = serializers.CharField(source="post_b.code")
    scope = serializers.CharField()
    article = serializers.CharField()
    origin = serializers.CharField()


class SodRuleInput(serializers.Serializer):
    post_a = serializers.CharField(max_length=32)
    post_b = serializers.CharField(max_length=32)
    scope = serializers.ChoiceField(choices=SodScope.choices, default=SodScope.POST)
    article = serializers.CharField(max_length=300, required=False, default="")


class SodRulesApi(TenantAdminWritesApi):
    """Every incompatible pair of this tenant, the county's and its own."""

    @extend_schema(responses={200: SodRuleOutput(many=True)})
    def get(self, request):
        return self.paginated(tightening.sod_rules_list(), SodRuleOutput)

    @extend_schema(request=SodRuleInput, responses={201: SodRuleOutput})
    def post(self, request):
        rule = tightening.sod_rule_add(actor=request.user, **_input(SodRuleInput, request))
        return Response(SodRuleOutput(rule).data, status=status.HTTP_201_CREATED)


class SodRuleDetailApi(TenantAdminWritesApi):
    @extend_schema(responses={204: None})
    def delete(self, request, code: str):
        tightening.sod_rule_remove(actor=request.user, code=code)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- role matrix ------------------------------------------------------------------------------

class RoleStepOutput(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.CharField()
    activity_name = serializers.SerializerMethodField()
    step = serializers.CharField()
    step_name = serializers.CharField()
    post = serializers.CharField(source="post.code")
    order = serializers.IntegerField()
    origin = serializers.CharField()

    def get_activity_name(self, row) -> str:
        return defaults.ACTIVITY_NAMES.get(row.activity, row.activity)


class RoleMatrixApi(TenantAdminWritesApi):
    @extend_schema(responses={200: RoleStepOutput(many=True)})
    def get(self, request):
        return self.paginated(tightening.role_steps_list(), RoleStepOutput)

    @extend_schema(request=RoleStepInput, responses={201: RoleStepOutput})
    def post(self, request):
        row = tightening.role_step_add(actor=request.user, **_input(RoleStepInput, request))
        return Response(RoleStepOutput(row).data, status=status.HTTP_201_CREATED)


# --- posts ------------------------------------------------------------------------------------

class PostTightenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    is_key = serializers.BooleanField()
    max_tenure_months = serializers.IntegerField(allow_null=True)
    county_max_tenure_months = serializers.IntegerField(allow_null=True)
    origin = serializers.CharField()


class PostTightenInput(serializers.Serializer):
    max_tenure_months = serializers.IntegerField(min_value=1, max_value=600, allow_null=True,
                                                 required=False)
    is_key = serializers.BooleanField(required=False)


class PostTightenApi(TenantAdminWritesApi):
    """PATCH only: the post list itself is `GET /api/v1/posts/` (permissions/apis.py)."""

    @extend_schema(request=PostTightenInput, responses={200: PostTightenOutput})
    def patch(self, request, code: str):
        post = tightening.post_get(code=code)
        post = tightening.post_tighten(actor=request.user, post=post,
                                       **_input(PostTightenInput, request))
        return Response(PostTightenOutput(post).data)
