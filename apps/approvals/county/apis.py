"""The county's process-template endpoints (county host only): members read, county_admin
writes and publishes."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.approvals.county import selectors, services
from apps.approvals.county.minimums import MAX_SLA_HOURS, MODES
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPostToWrite, OnCountyHost
from permissions.models import PostCode

CODE = r"^[a-z][a-z0-9_]{1,31}$"
CODE_ERROR = {"invalid": "编码只能包含小写字母、数字和下划线，以字母开头，长度 2–32。"}


class CountyProcessStepSerializer(serializers.Serializer):
    code = serializers.RegexField(CODE, error_messages=CODE_ERROR)
    name = serializers.CharField(max_length=64)
    post = serializers.CharField(max_length=32, source="post_code")
    same_department = serializers.BooleanField(default=False)
    mode = serializers.ChoiceField(choices=MODES, default="any")
    condition = serializers.DictField(default=dict, help_text=(
        "amount_gte（金额下限，元）、subject_in（经济分类科目）、flag（如 major_matter）、"
        "requires（须上传的附件类别，如 minutes）"))
    sla_hours = serializers.IntegerField(min_value=1, max_value=MAX_SLA_HOURS, default=16)
    required = serializers.BooleanField(default=True, help_text="县级必经环节：乡镇只能从严")


class CountyProcessOutput(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField()
    name = serializers.CharField()
    steps = serializers.SerializerMethodField()

    def get_steps(self, process) -> list[dict]:
        rows = sorted(process.steps.all(), key=lambda step: step.order)
        return CountyProcessStepSerializer(rows, many=True).data


class CountyProcessCreateInput(serializers.Serializer):
    document_type = serializers.RegexField(r"^[a-z][a-z0-9_]{1,47}$",
                                           error_messages=CODE_ERROR)
    name = serializers.CharField(max_length=64)
    steps = CountyProcessStepSerializer(many=True)


class CountyProcessChangeInput(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    steps = CountyProcessStepSerializer(many=True, required=False)


class ProcessTemplateVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    note = serializers.CharField()
    published_by = serializers.CharField(source="published_by.username", default=None)
    published_at = serializers.DateTimeField()


class ProcessTemplatePublishInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


def _input(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class CountyProcessApi(TenantAPIView):
    extra_permission_classes = (OnCountyHost, HoldsPostToWrite)
    required_posts = (PostCode.COUNTY_ADMIN,)

    def paginated(self, queryset, output):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(output(page, many=True).data)


class CountyProcessesApi(CountyProcessApi):
    @extend_schema(responses={200: CountyProcessOutput(many=True)})
    def get(self, request):
        return self.paginated(selectors.county_processes(county=request.tenant),
                              CountyProcessOutput)

    @extend_schema(request=CountyProcessCreateInput, responses={201: CountyProcessOutput})
    def post(self, request):
        data = _input(CountyProcessCreateInput, request)
        process = services.county_process_create(
            actor=request.user, county=request.tenant, document_type=data["document_type"],
            name=data["name"], steps=[dict(step) for step in data["steps"]],
        )
        return Response(CountyProcessOutput(process).data, status=status.HTTP_201_CREATED)


class CountyProcessDetailApi(CountyProcessApi):
    @extend_schema(responses={200: CountyProcessOutput})
    def get(self, request, document_type: str):
        process = selectors.county_process_get(county=request.tenant,
                                               document_type=document_type)
        return Response(CountyProcessOutput(process).data)

    @extend_schema(request=CountyProcessChangeInput, responses={200: CountyProcessOutput})
    def patch(self, request, document_type: str):
        process = selectors.county_process_get(county=request.tenant,
                                               document_type=document_type)
        data = _input(CountyProcessChangeInput, request)
        steps = data.get("steps")
        process = services.county_process_update(
            actor=request.user, process=process, name=data.get("name"),
            steps=None if steps is None else [dict(step) for step in steps],
        )
        return Response(CountyProcessOutput(selectors.county_process_get(
            county=request.tenant, document_type=process.document_type)).data)


class CountyProcessVersionsApi(CountyProcessApi):
    @extend_schema(responses={200: ProcessTemplateVersionOutput(many=True)})
    def get(self, request):
        return self.paginated(selectors.process_template_versions(county=request.tenant),
                              ProcessTemplateVersionOutput)


class CountyProcessPublishApi(CountyProcessApi):
    """Record the current process templates as a new version and push it to every tenant."""

    @extend_schema(request=ProcessTemplatePublishInput,
                   responses={201: ProcessTemplateVersionOutput})
    def post(self, request):
        note = _input(ProcessTemplatePublishInput, request)["note"]
        version = services.process_template_publish(actor=request.user, county=request.tenant,
                                                    note=note)
        return Response(ProcessTemplateVersionOutput(version).data, status=status.HTTP_201_CREATED)
