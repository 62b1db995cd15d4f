"""Attachment routes (included under /api/v1/)."""

from django.urls import path

from apps.attachments import apis

urlpatterns = [
    path("attachments/", apis.AttachmentsApi.as_view(), name="attachments"),
    path("attachments/<int:pk>/", apis.AttachmentDetailApi.as_view(), name="attachment"),
    path("attachments/<int:pk>/download/", apis.AttachmentDownloadApi.as_view(),
         name="attachment-download"),
]
