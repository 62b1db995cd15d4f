"""The type of an uploaded file from its bytes, against an allow-list; the name is ignored."""

import zipfile
from pathlib import Path

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
OFD = "application/ofd"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", OFD: ".ofd", XLSX: ".xlsx", DOCX: ".docx"}
HEAD_BYTES = 16
_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
_ZIP = b"PK\x03\x04"
# A zip is one of these when it holds every inner path named (OOXML, GB/T 33190 OFD).
_ZIP_KINDS = ((XLSX, ("[Content_Types].xml", "xl/workbook.xml")),
              (DOCX, ("[Content_Types].xml", "word/document.xml")),
              (OFD, ("OFD.xml",)))
MAX_ZIP_ENTRIES = 10_000


def _zip_type(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    for content_type, inner in _ZIP_KINDS:
        if all(name in names for name in inner):
            return content_type
    return None


def sniff(head: bytes, path: Path) -> str | None:
    """The allowed content type of the file at `path` (whose first bytes are `head`), or
    None when it is not one of the allowed types."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head.startswith(_ZIP):
        return _zip_type(path)
    return None
