"""Approval endpoints (DESIGN.md §11): the caller's tasks and decisions on them, one approval
with its step timing, comments, and step time statistics."""

import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.approvals import selectors, services
from apps.approvals.models import Approval, ApprovalStep, ApprovalTask, TaskStatus
from apps.approvals.registry import document_type_get
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination

MAX_STATS_DAYS = 366 * 3
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _username(user) -> str | None:
    return None if user is None else user.username


def _name(user) -> str | None:
    return None if user is None else user.display_name or user.username


def document_title(approval: Approval) -> str:
    """The title the document gave in its facts, else "<type name> #<id>"."""
    title = (approval.facts or {}).get("title")
    if title:
        return str(title)
    try:
        name = document_type_get(approval.document_type).name
    except LookupError:
        name = approval.document_type
    return f"{name} #{approval.document_id}"


# --- tasks --------------------------------------------------------------------------------------


class ApprovalTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField(source="step.approval.document_type")
    document_id = serializers.CharField(source="step.approval.document_id")
    document_title = serializers.SerializerMethodField()
    approval = serializers.IntegerField(source="step.approval_id")
    approval_status = serializers.CharField(source="step.approval.status")
    step = serializers.IntegerField(source="step.order")
    step_name = serializers.CharField(source="step.name")
    post = serializers.CharField(source="post_code")
    status = serializers.CharField()
    assignee = serializers.CharField(source="assignee.username")
    delegate = serializers.CharField(source="delegate.username", allow_null=True, default=None)
    delegate_until = serializers.DateTimeField(allow_null=True)
    is_added = serializers.BooleanField()
    escalated_from = serializers.IntegerField(source="escalated_from_id", allow_null=True)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField()

    def get_document_title(self, task: ApprovalTask) -> str:
        return document_title(task.step.approval)

    def get_overdue(self, task: ApprovalTask) -> bool:
        return bool(task.status == TaskStatus.PENDING and task.due_at
                    and task.due_at < timezone.now())


class ApprovalTaskListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=selectors.TASK_FILTERS, required=False,
                                     default="pending")


class TaskListApi(TenantAPIView):
    """The caller's tasks, assigned to them or delegated to them: pending (default), overdue,
    decided or all."""

    @extend_schema(parameters=[ApprovalTaskListQuery],
                   responses={200: ApprovalTaskOutput(many=True)})
    def get(self, request):
        query = ApprovalTaskListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = selectors.tasks_of(user=request.user, status=query.validated_data["status"])
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(ApprovalTaskOutput(page, many=True).data)


class ApprovalTaskCountsOutput(serializers.Serializer):
    pending = serializers.IntegerField()
    overdue = serializers.IntegerField()


class TaskCountsApi(TenantAPIView):
    """How many of the caller's tasks are pending and overdue (the to-do badge)."""

    @extend_schema(responses={200: ApprovalTaskCountsOutput})
    def get(self, request):
        return Response(ApprovalTaskCountsOutput(selectors.task_counts(user=request.user)).data)


class ApprovalDecisionInput(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                    default="")


class TaskDecideApi(TenantAPIView):
    """Approve, reject or return one task (the assignee, or their delegate in time)."""

    decision = "approve"

    @extend_schema(request=ApprovalDecisionInput, responses={200: ApprovalTaskOutput})
    def post(self, request, pk: int):
        data = ApprovalDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_decide(actor=request.user, task_id=pk, decision=self.decision,
                             comment=data.validated_data["comment"])
        return Response(ApprovalTaskOutput(selectors.task_detail(task_id=pk)).data)


class DateOrDateTimeField(serializers.DateTimeField):
    """A moment with time zone, or a bare date meaning the end of that day (Asia/Shanghai)."""

    def to_internal_value(self, value):
        if isinstance(value, str) and DATE_ONLY.fullmatch(value.strip()):
            day = serializers.DateField().to_internal_value(value.strip())
            return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))
        return super().to_internal_value(value)


class ApprovalDelegateInput(serializers.Serializer):
    to = serializers.CharField(max_length=150)
    until = DateOrDateTimeField()


class TaskDelegateApi(TenantAPIView):
    """Let a colleague decide this task in the assignee's name until a moment (≤ 30 days)."""

    @extend_schema(request=ApprovalDelegateInput, responses={200: ApprovalTaskOutput})
    def post(self, request, pk: int):
        data = ApprovalDelegateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_delegate(actor=request.user, task_id=pk,
                               to_username=data.validated_data["to"],
                               until=data.validated_data["until"])
        return Response(ApprovalTaskOutput(selectors.task_detail(task_id=pk)).data)


class ApprovalAddSignerInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class TaskAddSignerApi(TenantAPIView):
    """Add a signer (加签) to the task's step; answers with the signer's new task."""

    @extend_schema(request=ApprovalAddSignerInput, responses={201: ApprovalTaskOutput})
    def post(self, request, pk: int):
        data = ApprovalAddSignerInput(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.task_add_signer(actor=request.user, task_id=pk,
                                         username=data.validated_data["username"])
        return Response(ApprovalTaskOutput(selectors.task_detail(task_id=added.pk)).data,
                        status=status.HTTP_201_CREATED)


# --- one approval -------------------------------------------------------------------------------


class ApprovalStepTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assignee = serializers.CharField(source="assignee.username")
    assignee_name = serializers.SerializerMethodField()
    post = serializers.CharField(source="post_code")
    status = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True,
                                       default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField()
    delegate = serializers.CharField(source="delegate.username", allow_null=True, default=None)
    is_added = serializers.BooleanField()
    escalated_from = serializers.IntegerField(source="escalated_from_id", allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)

    def get_assignee_name(self, task: ApprovalTask) -> str:
        return _name(task.assignee)


class ApprovalStepOutput(serializers.Serializer):
    order = serializers.IntegerField()
    name = serializers.CharField()
    post = serializers.CharField()
    mode = serializers.CharField()
    status = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text="who decided the step (last one)")
    actor_name = serializers.CharField(allow_null=True)
    sla_hours = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.IntegerField(
        allow_null=True, help_text="wall-clock seconds from start to end (or to now if open)")
    working_seconds = serializers.IntegerField(
        allow_null=True, help_text="the same in working time (Mon–Fri 09:00–17:00)")
    tasks = ApprovalStepTaskOutput(many=True)


class ApprovalCommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    author_name = serializers.SerializerMethodField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_author_name(self, comment) -> str:
        return _name(comment.author)


class ApprovalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField()
    document_id = serializers.CharField()
    document_title = serializers.CharField()
    applicant = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    steps = ApprovalStepOutput(many=True)
    comments = ApprovalCommentOutput(many=True)


def _step_row(step: ApprovalStep, approval: Approval, now: datetime) -> dict:
    timing = selectors.step_timing(step, approval=approval, now=now)
    tasks = list(step.tasks.all())
    deciders = [t for t in tasks if t.decided_by_id and t.status != TaskStatus.CANCELLED]
    last = max(deciders, key=lambda t: t.decided_at, default=None)
    decider = last.decided_by if last else None
    return {
        "order": step.order, "name": step.name, "post": step.post_code, "mode": step.mode,
        "status": step.status, "actor": _username(decider), "actor_name": _name(decider),
        "sla_hours": step.sla_hours, "started_at": timing.started_at,
        "finished_at": timing.finished_at, "duration_seconds": timing.duration_seconds,
        "working_seconds": timing.working_seconds, "tasks": tasks,
    }


def approval_representation(approval: Approval) -> dict:
    """The approval with its steps (and their timing), tasks and comments, ready to render."""
    now = timezone.now()
    return ApprovalOutput({
        "id": approval.pk, "document_type": approval.document_type,
        "document_id": approval.document_id, "document_title": document_title(approval),
        "applicant": approval.applicant.username, "status": approval.status,
        "started_at": approval.started_at, "finished_at": approval.finished_at,
        "steps": [_step_row(step, approval, now) for step in approval.steps.all()],
        "comments": list(approval.comments.all()),
    }).data


class ApprovalDetailApi(TenantAPIView):
    """One approval: its steps with who decided, when, and how long each took; its tasks and
    comments. Seen by the applicant, anyone with a task on it, the tenant's admin,
    internal-control lead and supervisor, and inspectors; 404 for anyone else."""

    @extend_schema(responses={200: ApprovalOutput})
    def get(self, request, pk: int):
        approval = selectors.approval_get_for(user=request.user, membership=self.membership,
                                              approval_id=pk)
        return Response(approval_representation(approval))


class ApprovalCommentInput(serializers.Serializer):
    text = serializers.CharField(max_length=1000)


class ApprovalCommentsApi(TenantAPIView):
    """Add a comment to an approval (its applicant or anyone with a task on it)."""

    @extend_schema(request=ApprovalCommentInput, responses={201: ApprovalCommentOutput})
    def post(self, request, pk: int):
        data = ApprovalCommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.approval_comment(actor=request.user, approval_id=pk,
                                            text=data.validated_data["text"])
        return Response(ApprovalCommentOutput(comment).data, status=status.HTTP_201_CREATED)


# --- statistics ---------------------------------------------------------------------------------


class ApprovalPeriodQuery(serializers.Serializer):
    """`from` and `to` (inclusive local dates); by default the last 30 days."""

    def get_fields(self):
        return {"from": serializers.DateField(required=False),
                "to": serializers.DateField(required=False)}

    def validate(self, attrs):
        end = attrs.get("to") or timezone.localdate()
        start = attrs.get("from") or end - timedelta(days=29)
        if start > end:
            raise serializers.ValidationError({"from": "开始日期不能晚于结束日期。"})
        if (end - start).days > MAX_STATS_DAYS:
            raise serializers.ValidationError({"from": "统计区间不能超过三年。"})
        return {"start": start, "end": end}


PERIOD_PARAMETERS = [
    OpenApiParameter("from", date, description="开始日期（含），默认 30 天前"),
    OpenApiParameter("to", date, description="结束日期（含），默认今天"),
]


def _period(request) -> dict:
    query = ApprovalPeriodQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class ApprovalStepStatsOutput(serializers.Serializer):
    post = serializers.CharField()
    post_name = serializers.CharField()
    count = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class ApprovalTenantStatsOutput(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(), "to": serializers.DateField(),
            "count": serializers.IntegerField(),
            "median_seconds": serializers.FloatField(allow_null=True),
            "p90_seconds": serializers.FloatField(allow_null=True),
        }


class StepStatsApi(TenantAPIView):
    """Per post: how many steps were decided in the period, median and p90 seconds taken."""

    @extend_schema(parameters=PERIOD_PARAMETERS,
                   responses={200: ApprovalStepStatsOutput(many=True)})
    def get(self, request):
        rows = selectors.step_stats_by_post(**_period(request))
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ApprovalStepStatsOutput(page, many=True).data)


class TenantStatsApi(TenantAPIView):
    """Over every step of the tenant decided in the period: count, median and p90 seconds."""

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: ApprovalTenantStatsOutput})
    def get(self, request):
        period = _period(request)
        summary = selectors.step_stats_tenant(**period)
        return Response(ApprovalTenantStatsOutput(
            {"from": period["start"], "to": period["end"], **summary}).data)

