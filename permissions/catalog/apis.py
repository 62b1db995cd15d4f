"""The county's duty-template endpoints (county host only): members read, county_admin writes."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPostToWrite, OnCountyHost
from permissions import defaults
from permissions.catalog import selectors, services
from permissions.catalog.models import SodScope
from permissions.models import PostCode

CODE = r"^[a-z][a-z0-9_]{1,31}$"
CODE_ERROR = {"invalid": "编码只能包含小写字母、数字和下划线，以字母开头，长度 2–32。"}


class CountyTemplateApi(TenantAPIView):
    extra_permission_classes = (OnCountyHost, HoldsPostToWrite)
    required_posts = (PostCode.COUNTY_ADMIN,)

    def paginated(self, queryset, output):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(output(page, many=True).data)


def _input(serializer_class, request, *, partial: bool = False) -> dict:
    data = serializer_class(data=request.data, partial=partial)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# --- posts ------------------------------------------------------------------------------------

class PostOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    is_key = serializers.BooleanField()
    max_tenure_months = serializers.IntegerField(allow_null=True)
    holds_money = serializers.BooleanField()


class PostChangeInput(serializers.Serializer):
    name = serializers.CharField(max_length=32)
    is_key = serializers.BooleanField(default=False)
    max_tenure_months = serializers.IntegerField(
        min_value=1, max_value=600, allow_null=True, default=None
    )
    holds_money = serializers.BooleanField(default=False)


class PostCreateInput(PostChangeInput):
    code = serializers.RegexField(CODE, error_messages=CODE_ERROR)


class CountyPostsApi(CountyTemplateApi):
    @extend_schema(responses={200: PostOutput(many=True)})
    def get(self, request):
        return self.paginated(selectors.county_posts(county=request.tenant), PostOutput)

    @extend_schema(request=PostCreateInput, responses={201: PostOutput})
    def post(self, request):
        post = services.county_post_create(
            actor=request.user, county=request.tenant, **_input(PostCreateInput, request)
        )
        return Response(PostOutput(post).data, status=status.HTTP_201_CREATED)


class CountyPostDetailApi(CountyTemplateApi):
    @extend_schema(request=PostChangeInput, responses={200: PostOutput})
    def patch(self, request, code: str):
        post = selectors.county_post_get(county=request.tenant, code=code)
        changes = _input(PostChangeInput, request, partial=True)
        post = services.county_post_update(actor=request.user, post=post, **changes)
        return Response(PostOutput(post).data)


# --- role matrix ------------------------------------------------------------------------------

class StepOutput(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.CharField()
    activity_name = serializers.SerializerMethodField()
    step = serializers.CharField()
    step_name = serializers.CharField()
    post = serializers.CharField(source="post_code")
    order = serializers.IntegerField()

    def get_activity_name(self, row) -> str:
        return defaults.ACTIVITY_NAMES.get(row.activity, row.activity)


class StepInput(serializers.Serializer):
    activity = serializers.RegexField(CODE, error_messages=CODE_ERROR)
    step = serializers.RegexField(CODE, error_messages=CODE_ERROR)
    step_name = serializers.CharField(max_length=32)
    post = serializers.CharField(max_length=32, source="post_code")
    order = serializers.IntegerField(min_value=0, max_value=10000, default=0)


class CountyRoleMatrixApi(CountyTemplateApi):
    @extend_schema(responses={200: StepOutput(many=True)})
    def get(self, request):
        return self.paginated(selectors.county_steps(county=request.tenant), StepOutput)

    @extend_schema(request=StepInput, responses={201: StepOutput})
    def post(self, request):
        row = services.county_step_create(
            actor=request.user, county=request.tenant, **_input(StepInput, request)
        )
        return Response(StepOutput(row).data, status=status.HTTP_201_CREATED)


class CountyRoleStepDetailApi(CountyTemplateApi):
    @extend_schema(request=StepInput, responses={200: StepOutput})
    def patch(self, request, pk: int):
        row = selectors.county_step_get(county=request.tenant, pk=pk)
        changes = _input(StepInput, request, partial=True)
        row = services.county_step_update(actor=request.user, row=row, **changes)
        return Response(StepOutput(row).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        row = selectors.county_step_get(county=request.tenant, pk=pk)
        services.county_step_delete(actor=request.user, row=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- incompatible pairs -----------------------------------------------------------------------

class SodOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    post_a = serializers.CharField()
    post_b = serializers.CharField()
    scope = serializers.CharField()
    article = serializers.CharField()


class SodInput(serializers.Serializer):
    code = serializers.RegexField(r"^[a-z][a-z0-9_]{1,47}$", error_messages=CODE_ERROR)
    post_a = serializers.CharField(max_length=32)
    post_b = serializers.CharField(max_length=32)
    scope = serializers.ChoiceField(choices=SodScope.choices)
    article = serializers.CharField(max_length=300)


class CountySodRulesApi(CountyTemplateApi):
    @extend_schema(responses={200: SodOutput(many=True)})
    def get(self, request):
        return self.paginated(selectors.county_sod_rules(county=request.tenant), SodOutput)

    @extend_schema(request=SodInput, responses={201: SodOutput})
    def post(self, request):
        rule = services.county_sod_create(
            actor=request.user, county=request.tenant, **_input(SodInput, request)
        )
        return Response(SodOutput(rule).data, status=status.HTTP_201_CREATED)


class CountySodRuleDetailApi(CountyTemplateApi):
    @extend_schema(responses={204: None})
    def delete(self, request, code: str):
        rule = selectors.county_sod_rule_get(county=request.tenant, code=code)
        services.county_sod_delete(actor=request.user, rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- parameters -------------------------------------------------------------------------------

class ParameterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.IntegerField()
    minimum = serializers.IntegerField()
    maximum = serializers.IntegerField()


class ParameterInput(serializers.Serializer):
    value = serializers.IntegerField(min_value=-(2**31), max_value=2**31 - 1)


class CountyParametersApi(CountyTemplateApi):
    @extend_schema(responses={200: ParameterOutput(many=True)})
    def get(self, request):
        return self.paginated(
            selectors.county_parameters(county=request.tenant), ParameterOutput
        )


class CountyParameterDetailApi(CountyTemplateApi):
    @extend_schema(request=ParameterInput, responses={200: ParameterOutput})
    def patch(self, request, code: str):
        parameter = selectors.county_parameter_get(county=request.tenant, code=code)
        value = _input(ParameterInput, request)["value"]
        parameter = services.county_parameter_set(
            actor=request.user, parameter=parameter, value=value
        )
        return Response(ParameterOutput(parameter).data)


# --- versions ---------------------------------------------------------------------------------

class VersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    note = serializers.CharField()
    published_by = serializers.CharField(source="published_by.username", default=None)
    published_at = serializers.DateTimeField()


class PublishInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class CountyTemplateVersionsApi(CountyTemplateApi):
    @extend_schema(responses={200: VersionOutput(many=True)})
    def get(self, request):
        return self.paginated(selectors.template_versions(county=request.tenant), VersionOutput)


class CountyTemplatePublishApi(CountyTemplateApi):
    """Record the current template as a new version and push it to every tenant."""

    @extend_schema(request=PublishInput, responses={201: VersionOutput})
    def post(self, request):
        version = services.template_publish(
            actor=request.user, county=request.tenant, **_input(PublishInput, request)
        )
        return Response(VersionOutput(version).data, status=status.HTTP_201_CREATED)
