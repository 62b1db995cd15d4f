"""Storing, replacing, deleting and locking attachments.

Files are content-addressed: MEDIA_ROOT/<schema>/<sha[:2]>/<sha>, one file for any number of
rows with the same bytes. Placing a file and removing an unreferenced one both hold a lock on
its digest, so a delete never takes away a file that a concurrent upload has just reused."""

import os
import re
import unicodedata
from contextlib import suppress
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from apps.attachments.models import Attachment, AttachmentKind
from apps.attachments.sniff import sniff
from apps.attachments.upload import ReceivedFile, tenant_root
from apps.audit.services import audit_record
from county_platform.errors import DomainError
from tenants.models import User

_LOCK_CLASS = 7002
_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
ROW_FIELDS = ("sha256", "size", "content_type", "kind", "original_name", "object_type",
              "object_id")


def stored_path(sha256: str, schema_name: str | None = None) -> Path:
    """Where the bytes with this digest live; made from the digest only."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256 digest")
    return tenant_root(schema_name or connection.schema_name) / sha256[:2] / sha256


def _lock_digest(sha256: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema() || %s))",
                       [_LOCK_CLASS, sha256])


def clean_name(name: str) -> str:
    """The client's file name for display only: last path part, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:200] or "附件"


def _place(received: ReceivedFile) -> None:
    """Move the received bytes to their content address (kept if already there)."""
    target = stored_path(received.sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(received.path, target)


def _checked_type(received: ReceivedFile) -> str:
    content_type = sniff(received.head, received.path)
    if content_type is None:
        raise DomainError("unsupported_type",
                          "只能上传 PDF、OFD、PNG、JPEG 图片或 Word、Excel（docx/xlsx）文件。", 415)
    return content_type


def _check_link(*, kind: str, object_type: str, object_id: str) -> None:
    if kind not in AttachmentKind.values:
        raise DomainError("invalid", f"未知的附件类别：{kind}", 400)
    if bool(object_type) != bool(object_id) or (object_type and not _SLUG.match(object_type)):
        raise DomainError("invalid", "关联单据须同时给出单据类型和单据编号。", 400)


def _row(attachment: Attachment) -> dict:
    return {name: getattr(attachment, name) for name in ROW_FIELDS}


@transaction.atomic
def attachment_upload(*, actor: User, received: ReceivedFile, kind: str,
                      object_type: str = "", object_id: str = "") -> Attachment:
    _check_link(kind=kind, object_type=object_type, object_id=object_id)
    content_type = _checked_type(received)
    _lock_digest(received.sha256)
    _place(received)
    attachment = Attachment.objects.create(
        sha256=received.sha256, size=received.size, content_type=content_type, kind=kind,
        original_name=clean_name(received.name), uploaded_by=actor,
        object_type=object_type, object_id=object_id,
    )
    audit_record(actor=actor, action="attachment.uploaded", obj=attachment,
                 after=_row(attachment))
    return attachment


def _unlocked(attachment: Attachment) -> Attachment:
    current = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if current.locked:
        raise DomainError("locked", "单据已提交，附件不能再删除或替换。", 409)
    return current


def _collect_later(sha256: str) -> None:
    """After commit: remove the file if no row refers to it any more."""
    schema_name = connection.schema_name

    def collect() -> None:
        with transaction.atomic():
            _lock_digest(sha256)
            if not Attachment.objects.filter(sha256=sha256).exists():
                with suppress(FileNotFoundError):
                    os.unlink(stored_path(sha256, schema_name))

    transaction.on_commit(collect)


@transaction.atomic
def attachment_replace(*, actor: User, attachment: Attachment,
                       received: ReceivedFile) -> Attachment:
    current = _unlocked(attachment)
    before = _row(current)
    content_type = _checked_type(received)
    _lock_digest(received.sha256)
    _place(received)
    current.sha256, current.size, current.content_type = (
        received.sha256, received.size, content_type)
    current.original_name = clean_name(received.name)
    current.save(update_fields=["sha256", "size", "content_type", "original_name"])
    audit_record(actor=actor, action="attachment.replaced", obj=current, before=before,
                 after=_row(current))
    if before["sha256"] != current.sha256:
        _collect_later(before["sha256"])
    return current


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    current = _unlocked(attachment)
    before, pk = _row(current), current.pk
    current.delete()
    audit_record(actor=actor, action="attachment.deleted", obj=None,
                 object_type="attachments.attachment", object_id=pk, before=before)
    _collect_later(before["sha256"])


def attachments_lock(*, object_type: str, object_id: str) -> int:
    """Make the document's attachments immutable (called when it is submitted)."""
    return Attachment.objects.filter(object_type=object_type, object_id=object_id,
                                     locked=False).update(locked=True, locked_at=timezone.now())
