"""Files for the invoice tests: real bytes of the allowed types, and one that is not."""

import hashlib
import tempfile
from pathlib import Path

from apps.attachments.upload import ReceivedFile

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 10
TEXT = "发票金额：800 元\n".encode()


def received(data: bytes, name: str) -> ReceivedFile:
    """Bytes as the upload handler hands them over: on disk, hashed, with their head."""
    handle = tempfile.NamedTemporaryFile(delete=False)  # noqa: SIM115 (closed by ReceivedFile)
    handle.write(data)
    handle.flush()
    handle.seek(0)
    return ReceivedFile(handle=handle, path=Path(handle.name), name=name, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), head=data[:16])
