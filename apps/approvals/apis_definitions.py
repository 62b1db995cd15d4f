"""The tenant's process definitions: every member reads, tenant_admin edits within the
county's minimums (422 `county_minimum` otherwise)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.approvals import definitions
from apps.approvals.county.minimums import MAX_SLA_HOURS, MODES
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPostToWrite
from permissions.models import PostCode


class CountyMinimumOutput(serializers.Serializer):
    name = serializers.CharField()
    post = serializers.CharField(source="post_code")
    same_department = serializers.BooleanField()
    mode = serializers.CharField()
    condition = serializers.DictField()
    sla_hours = serializers.IntegerField()


class ProcessDefinitionStepOutput(serializers.Serializer):
    order = serializers.IntegerField(source="step.order")
    name = serializers.CharField(source="step.name")
    post = serializers.CharField(source="step.post_code")
    same_department = serializers.BooleanField(source="step.same_department")
    mode = serializers.CharField(source="step.mode")
    condition = serializers.DictField(source="step.condition")
    sla_hours = serializers.IntegerField(source="step.sla_hours")
    from_county = serializers.BooleanField(source="step.from_county")
    county_minimum = CountyMinimumOutput(source="minimum", allow_null=True)


class ProcessDefinitionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    steps = serializers.SerializerMethodField()

    def get_steps(self, definition) -> list[dict]:
        minimums = self.context["minimums"].get(definition.document_type, [])
        pairs = definitions.steps_with_minimums(definition, minimums)
        rows = [{"step": step, "minimum": minimum} for step, minimum in pairs]
        return ProcessDefinitionStepOutput(rows, many=True).data


class ProcessDefinitionStepInput(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    post = serializers.CharField(max_length=32, source="post_code")
    same_department = serializers.BooleanField(default=False)
    mode = serializers.ChoiceField(choices=MODES, default="any")
    condition = serializers.DictField(default=dict)
    sla_hours = serializers.IntegerField(min_value=1, max_value=MAX_SLA_HOURS, default=16)
    from_county = serializers.BooleanField(
        default=False, help_text="县级必经环节的本单位副本（须保留，且只能从严）")


class ProcessDefinitionInput(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    steps = ProcessDefinitionStepInput(many=True, allow_empty=False)


class ProcessesBase(TenantAPIView):
    extra_permission_classes = (HoldsPostToWrite,)
    required_posts = (PostCode.TENANT_ADMIN,)

    def output(self, definition_or_page, **kwargs):
        context = {"minimums": definitions.county_minimums_all()}
        return ProcessDefinitionOutput(definition_or_page, context=context, **kwargs).data


class ProcessesApi(ProcessesBase):
    @extend_schema(responses={200: ProcessDefinitionOutput(many=True)})
    def get(self, request):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(definitions.processes_list(), request, view=self)
        return paginator.get_paginated_response(self.output(page, many=True))


class ProcessDetailApi(ProcessesBase):
    @extend_schema(responses={200: ProcessDefinitionOutput})
    def get(self, request, document_type: str):
        return Response(self.output(definitions.process_get(document_type=document_type)))

    @extend_schema(request=ProcessDefinitionInput, responses={200: ProcessDefinitionOutput})
    def put(self, request, document_type: str):
        data = ProcessDefinitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        definitions.process_update(
            actor=request.user, document_type=document_type, name=data.validated_data.get("name"),
            steps=[dict(step) for step in data.validated_data["steps"]],
        )
        return Response(self.output(definitions.process_get(document_type=document_type)))
