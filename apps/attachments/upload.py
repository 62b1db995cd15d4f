"""Receiving an upload: the size limit is enforced while the request body is read, and the
bytes go straight into a temporary file next to the store, hashed as they arrive."""

import hashlib
import os
import tempfile
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from apps.attachments.sniff import HEAD_BYTES
from county_platform.errors import DomainError


def tenant_root(schema_name: str) -> Path:
    """MEDIA_ROOT/<schema>: every path below it is made by the server."""
    return Path(settings.MEDIA_ROOT) / schema_name


def too_large() -> DomainError:
    limit = settings.UPLOAD_MAX_BYTES
    return DomainError("too_large", f"文件不能超过 {limit // (1024 * 1024) or 1} MB。", 413,
                       limit=limit)


class ReceivedFile(UploadedFile):
    """An uploaded file already on disk, with its digest and first bytes."""

    def __init__(self, *, handle, path: Path, name: str, size: int, sha256: str, head: bytes):
        super().__init__(file=handle, name=name, size=size)
        self.path, self.sha256, self.head = path, sha256, head

    def close(self):
        super().close()
        # Once stored, the temporary path is gone; otherwise it must not linger.
        with suppress(FileNotFoundError):
            os.unlink(self.path)


class LimitedUploadHandler(FileUploadHandler):
    """Counts every file byte of the request against UPLOAD_MAX_BYTES and stops the read at
    the first byte over it (413 `too_large`, nothing kept)."""

    def __init__(self, request=None, *, schema_name: str):
        super().__init__(request)
        self.limit = settings.UPLOAD_MAX_BYTES
        self.received = 0
        self.incoming = tenant_root(schema_name) / ".incoming"
        self.handle = None
        self.completed: list[ReceivedFile] = []

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + 64 * 1024:
            raise too_large()  # refused before a single byte is read

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.handle = tempfile.NamedTemporaryFile(dir=self.incoming, delete=False)  # noqa: SIM115
        self.digest, self.head, self.size = hashlib.sha256(), b"", 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._discard()
            for received in self.completed:
                received.close()
            raise too_large()
        self.handle.write(raw_data)
        self.digest.update(raw_data)
        self.size += len(raw_data)
        if len(self.head) < HEAD_BYTES:
            self.head = (self.head + raw_data)[:HEAD_BYTES]
        return None

    def file_complete(self, file_size):
        self.handle.flush()
        self.handle.seek(0)
        received = ReceivedFile(handle=self.handle, path=Path(self.handle.name),
                                name=self.file_name, size=self.size,
                                sha256=self.digest.hexdigest(), head=self.head)
        self.handle = None
        self.completed.append(received)
        return received

    def upload_interrupted(self):
        self._discard()

    def _discard(self):
        if self.handle is not None:
            self.handle.close()
            with suppress(FileNotFoundError):
                os.unlink(self.handle.name)
            self.handle = None
