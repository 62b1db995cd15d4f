"""Attachment endpoints: upload (multipart), metadata, replace, delete, download."""

from pathlib import PurePath

from django.db import connection
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.attachments import selectors, services
from apps.attachments.models import AttachmentKind
from apps.attachments.sniff import EXTENSIONS
from apps.attachments.upload import LimitedUploadHandler, ReceivedFile
from county_platform.api.base import TenantAPIView
from county_platform.errors import DomainError


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    locked = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class AttachmentUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="PDF、OFD、PNG、JPEG、DOCX、XLSX")
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    object_type = serializers.CharField(max_length=48, required=False, default="")
    object_id = serializers.CharField(max_length=64, required=False, default="")


class AttachmentReplaceInput(serializers.Serializer):
    file = serializers.FileField()


class UploadApi(TenantAPIView):
    """Bodies are read through LimitedUploadHandler only: the size limit holds while reading."""

    parser_classes = (MultiPartParser,)

    def initialize_request(self, request, *args, **kwargs):
        # The schema the host's middleware chose (schema generation's mock requests have
        # no tenant; they never upload).
        request.upload_handlers = [
            LimitedUploadHandler(request, schema_name=connection.schema_name)
        ]
        return super().initialize_request(request, *args, **kwargs)

    def received(self) -> ReceivedFile:
        received = self.request.FILES.get("file")
        if not isinstance(received, ReceivedFile):
            raise DomainError("invalid", "请选择要上传的文件（字段 file）。", 400)
        return received

    def attachment(self, pk: int):
        return selectors.attachment_get_for(user=self.request.user,
                                            membership=self.membership, attachment_id=pk)


class AttachmentsApi(UploadApi):
    @extend_schema(request={"multipart/form-data": AttachmentUploadInput},
                   responses={201: AttachmentOutput})
    def post(self, request):
        received = self.received()
        data = {key: request.data.get(key) for key in ("kind", "object_type", "object_id")
                if request.data.get(key) is not None}
        fields = AttachmentUploadInput(data={**data, "file": received})
        fields.is_valid(raise_exception=True)
        attachment = services.attachment_upload(
            actor=request.user, received=received, kind=fields.validated_data["kind"],
            object_type=fields.validated_data["object_type"],
            object_id=fields.validated_data["object_id"],
        )
        return Response(AttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetailApi(UploadApi):
    @extend_schema(responses={200: AttachmentOutput})
    def get(self, request, pk: int):
        return Response(AttachmentOutput(self.attachment(pk)).data)

    @extend_schema(request={"multipart/form-data": AttachmentReplaceInput},
                   responses={200: AttachmentOutput})
    def put(self, request, pk: int):
        attachment = self.attachment(pk)
        attachment = services.attachment_replace(actor=request.user, attachment=attachment,
                                                 received=self.received())
        return Response(AttachmentOutput(attachment).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.attachment_delete(actor=request.user, attachment=self.attachment(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def download_name(original_name: str, content_type: str) -> str:
    """The client's name with the extension of what the bytes really are."""
    return PurePath(original_name).stem + EXTENSIONS.get(content_type, "")


class AttachmentDownloadApi(TenantAPIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="附件文件")})
    def get(self, request, pk: int):
        attachment = selectors.attachment_get_for(user=request.user, membership=self.membership,
                                                  attachment_id=pk)
        try:
            handle = services.stored_path(attachment.sha256).open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True,
            filename=download_name(attachment.original_name, attachment.content_type),
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
