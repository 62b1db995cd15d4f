"""Uploading and downloading attachments: sniffed types, the size limit while reading,
content addressing, server-made paths, who may download, and locking."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.attachments.models import Attachment
from apps.attachments.services import attachments_lock
from apps.audit.models import AuditEvent
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 10
URL = "/api/v1/attachments/"


def client_of(tenant, posts=()):
    staff = staff_make(tenant, posts=posts)
    client = api_client(tenant)
    client.force_authenticate(staff.user)
    return client


def upload(client, name: str, data: bytes, **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), "kind": "scan", **fields},
                       format="multipart")


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def count(tenant) -> int:
    with schema_context(tenant.schema_name):
        return Attachment.objects.count()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_the_type_comes_from_the_bytes_not_the_name(town_a, media_root):
    response = upload(client_of(town_a), "invoice.pdf", PNG)

    assert response.status_code == 201, response.content
    body = response.json()
    sha = hashlib.sha256(PNG).hexdigest()
    assert (body["content_type"], body["sha256"], body["size"], body["kind"]) == (
        "image/png", sha, len(PNG), "scan")
    assert (media_root / town_a.schema_name / sha[:2] / sha).read_bytes() == PNG


@pytest.mark.parametrize(("data", "content_type"), [
    (PDF, "application/pdf"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
    (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_allowed_types_are_stored(town_a, data, content_type):
    response = upload(client_of(town_a), "file.bin", data)

    assert (response.status_code, response.json()["content_type"]) == (201, content_type)


@pytest.mark.parametrize(("name", "data"), [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60),
    ("page.pdf", b"<html><script>alert(1)</script></html>"),
    ("archive.docx", b"PK\x03\x04" + b"\x00" * 40),
])
def test_other_types_are_refused_415_and_nothing_is_kept(town_a, media_root, name, data):
    before = count(town_a)

    response = upload(client_of(town_a), name, data)

    assert (response.status_code, response.json()["code"]) == (415, "unsupported_type")
    assert count(town_a) == before
    assert stored_files(media_root) == []


def test_one_byte_over_the_limit_is_413_and_nothing_is_kept(town_a, settings, media_root):
    settings.UPLOAD_MAX_BYTES = 2048
    client = client_of(town_a)
    before = count(town_a)
    at_limit = PNG + b"\x00" * (2048 - len(PNG))

    over = upload(client, "big.png", at_limit + b"\x00")
    fits = upload(client, "ok.png", at_limit)

    assert (over.status_code, over.json()["code"]) == (413, "too_large")
    assert fits.status_code == 201
    assert count(town_a) == before + 1
    assert stored_files(media_root) == [
        media_root / town_a.schema_name / fits.json()["sha256"][:2] / fits.json()["sha256"]]


def test_a_declared_length_far_over_the_limit_is_refused_before_reading(town_a, settings):
    settings.UPLOAD_MAX_BYTES = 1024

    response = upload(client_of(town_a), "huge.png", PNG + b"\x00" * 200_000)

    assert (response.status_code, response.json()["code"]) == (413, "too_large")


def test_the_same_bytes_twice_make_two_rows_and_one_file(town_a, media_root):
    client = client_of(town_a)

    first, second = upload(client, "a.png", PNG), upload(client, "b.png", PNG)

    assert first.json()["id"] != second.json()["id"]
    assert first.json()["sha256"] == second.json()["sha256"]
    assert len(stored_files(media_root)) == 1


def test_a_name_with_dot_dots_cannot_choose_the_path(town_a, media_root, tmp_path):
    response = upload(client_of(town_a), "../../../../etc/evil.png", PNG)

    sha = response.json()["sha256"]
    assert response.json()["original_name"] == "evil.png"
    assert stored_files(tmp_path) == [media_root / town_a.schema_name / sha[:2] / sha]


def test_the_uploader_downloads_it_as_an_attachment_with_nosniff(town_a):
    client = client_of(town_a)
    attachment = upload(client, "发票.pdf", PNG).json()

    response = client.get(f"{URL}{attachment['id']}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%8F%91%E7%A5%A8.png" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_tenant_admin_downloads_another_member_may_not(town_a):
    attachment = upload(client_of(town_a), "a.png", PNG).json()
    path = f"{URL}{attachment['id']}/download/"

    admin = client_of(town_a, posts=("tenant_admin",)).get(path)
    other = client_of(town_a).get(path)

    assert admin.status_code == 200
    assert (other.status_code, other.json()["code"]) == (404, "not_found")


def test_another_tenant_cannot_download(town_a, town_b):
    attachment = upload(client_of(town_a), "a.png", PNG).json()
    path = f"{URL}{attachment['id']}/download/"

    foreign_admin = client_of(town_b, posts=("tenant_admin",)).get(path)

    assert foreign_admin.status_code == 404


def test_an_approver_of_the_linked_document_may_download(town_a, in_tenant):
    from apps.approvals.models import Approval, ApprovalStep, ApprovalTask

    applicant = staff_make(town_a)
    approver = staff_make(town_a)
    client = api_client(town_a)
    client.force_authenticate(applicant.user)
    attachment = upload(client, "a.png", PNG, object_type="seal_use",
                        object_id="77").json()
    with in_tenant(town_a):
        approval = Approval.objects.create(document_type="seal_use", document_id="77",
                                           applicant=applicant.user, definition_version=1)
        step = ApprovalStep.objects.create(approval=approval, order=1, name="审核",
                                           post_code="leader", mode="any", sla_hours=8)
        ApprovalTask.objects.create(step=step, assignee=approver.user, post_code="leader")
    reader = api_client(town_a)
    reader.force_authenticate(approver.user)

    assert reader.get(f"{URL}{attachment['id']}/download/").status_code == 200


def test_a_locked_attachment_can_be_neither_deleted_nor_replaced(town_a, media_root):
    client = client_of(town_a)
    attachment = upload(client, "a.png", PNG, object_type="seal_use", object_id="5").json()
    with schema_context(town_a.schema_name):
        attachments_lock(object_type="seal_use", object_id="5")

    deleted = client.delete(f"{URL}{attachment['id']}/")
    replaced = client.put(f"{URL}{attachment['id']}/",
                          {"file": SimpleUploadedFile("b.pdf", PDF)}, format="multipart")

    assert (deleted.status_code, deleted.json()["code"]) == (409, "locked")
    assert (replaced.status_code, replaced.json()["code"]) == (409, "locked")
    with schema_context(town_a.schema_name):
        assert Attachment.objects.get(pk=attachment["id"]).sha256 == attachment["sha256"]
    assert len(stored_files(media_root)) == 1


def test_an_unlocked_attachment_is_replaced_and_deleted_and_its_file_collected(
    town_a, media_root, django_capture_on_commit_callbacks
):
    client = client_of(town_a)
    attachment = upload(client, "a.png", PNG).json()

    with django_capture_on_commit_callbacks(execute=True):
        replaced = client.put(f"{URL}{attachment['id']}/",
                              {"file": SimpleUploadedFile("b.pdf", PDF)}, format="multipart")
    assert replaced.json()["content_type"] == "application/pdf"
    assert [p.name for p in stored_files(media_root)] == [hashlib.sha256(PDF).hexdigest()]

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(f"{URL}{attachment['id']}/")

    assert deleted.status_code == 204
    assert stored_files(media_root) == []


def test_a_file_still_used_by_another_row_is_kept(town_a, media_root,
                                                  django_capture_on_commit_callbacks):
    client = client_of(town_a)
    first, _ = upload(client, "a.png", PNG).json(), upload(client, "b.png", PNG)

    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"{URL}{first['id']}/")

    assert len(stored_files(media_root)) == 1


def test_uploads_are_audited(town_a, in_tenant):
    attachment = upload(client_of(town_a), "a.png", PNG).json()

    with in_tenant(town_a):
        event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.object_id) == ("attachment.uploaded", str(attachment["id"]))
    assert event.after["sha256"] == attachment["sha256"]


def test_a_request_without_a_file_is_400(town_a):
    response = client_of(town_a).post(URL, {"kind": "scan"}, format="multipart")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
