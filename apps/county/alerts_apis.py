"""The county's alert endpoints (county host only): every township's alerts for county_admin
and inspectors; closing and reopening for county_admin, run in the township's schema."""

from django.http import FileResponse, Http404
from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from apps.attachments.apis import download_name
from apps.attachments.services import stored_path
from apps.controls.apis import AlertCoreOutput, AlertFilter, EvidenceOutput
from apps.controls.services import alert_close, alert_reopen
from apps.county.alerts_selectors import (
    county_alert_detail,
    county_alert_evidence,
    county_alert_get,
    county_alerts,
)
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination
from county_platform.api.permissions import HoldsPost, OnCountyHost
from permissions.models import PostCode


class CountyAlertFilter(AlertFilter):
    tenant = serializers.SlugField(max_length=63, required=False, help_text="乡镇编码（slug）")


class CountyAlertOutput(AlertCoreOutput):
    tenant = serializers.CharField(source="tenant.slug")
    tenant_name = serializers.CharField(source="tenant.name")
    alert_id = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class AlertHandlingOutput(serializers.Serializer):
    """How the township has handled the alert (read from its own schema)."""

    acknowledged_at = serializers.DateTimeField(source="alert.acknowledged_at", allow_null=True)
    rectified_at = serializers.DateTimeField(source="alert.rectified_at", allow_null=True)
    rectified_by = serializers.SerializerMethodField()
    rectification_note = serializers.CharField(source="alert.rectification_note")
    county_note = serializers.CharField(source="alert.county_note")
    reopened_count = serializers.IntegerField(source="alert.reopened_count")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rectified_by(self, detail) -> str | None:
        user = detail.people.get(detail.alert.rectified_by_id)
        return None if user is None else user.username


class CountyAlertDetailOutput(CountyAlertOutput):
    handling = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(AlertHandlingOutput)
    def get_handling(self, row) -> dict:
        return AlertHandlingOutput(self.context["detail"]).data

    @extend_schema_field(EvidenceOutput(many=True))
    def get_attachments(self, row) -> list[dict]:
        return EvidenceOutput(self.context["detail"].evidence, many=True).data


class CountyAlertNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=1000)


class CountyAlertsView(TenantAPIView):
    extra_permission_classes = (OnCountyHost, HoldsPost)
    required_posts = (PostCode.COUNTY_ADMIN,)


class CountyAlertsApi(CountyAlertsView):
    @extend_schema(parameters=[CountyAlertFilter], responses={200: CountyAlertOutput(many=True)})
    def get(self, request):
        filters = CountyAlertFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = county_alerts(county=request.tenant, membership=self.membership,
                             **filters.validated_data)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(CountyAlertOutput(page, many=True).data)


class CountyAlertApi(CountyAlertsView):
    """One alert with the township's rectification and its evidence (read in its schema)."""

    @extend_schema(responses={200: CountyAlertDetailOutput})
    def get(self, request, pk: int):
        row = county_alert_get(county=request.tenant, membership=self.membership, pk=pk)
        detail = county_alert_detail(row=row)
        return Response(CountyAlertDetailOutput(row, context={"detail": detail}).data)


class CountyAlertEvidenceApi(CountyAlertsView):
    """Download one evidence file of the alert from the township's store."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="整改材料")})
    def get(self, request, pk: int, attachment_id: int):
        row = county_alert_get(county=request.tenant, membership=self.membership, pk=pk)
        attachment = county_alert_evidence(row=row, attachment_id=attachment_id)
        try:
            handle = stored_path(attachment.sha256, row.tenant.schema_name).open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True, content_type=attachment.content_type,
            filename=download_name(attachment.original_name, attachment.content_type))
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


class _CountyAlertActionApi(CountyAlertsView):
    service = staticmethod(alert_close)

    @extend_schema(request=CountyAlertNoteInput, responses={200: CountyAlertOutput})
    def post(self, request, pk: int):
        row = county_alert_get(county=request.tenant, membership=self.membership, pk=pk)
        data = CountyAlertNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        with schema_context(row.tenant.schema_name):
            self.service(actor=request.user, alert_id=row.alert_id,
                         note=data.validated_data["note"])
        row.refresh_from_db()
        return Response(CountyAlertOutput(row).data)


class CountyAlertCloseApi(_CountyAlertActionApi):
    service = staticmethod(alert_close)


class CountyAlertReopenApi(_CountyAlertActionApi):
    service = staticmethod(alert_reopen)
