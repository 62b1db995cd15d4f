"""The allow-list of file types, decided from the bytes alone."""

import io
import zipfile

import pytest

from apps.attachments import sniff


def _zip(tmp_path, names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    path = tmp_path / "file"
    path.write_bytes(buffer.getvalue())
    return path.read_bytes()[: sniff.HEAD_BYTES], path


@pytest.mark.parametrize(("names", "expected"), [
    (["[Content_Types].xml", "xl/workbook.xml"], sniff.XLSX),
    (["[Content_Types].xml", "word/document.xml"], sniff.DOCX),
    (["OFD.xml", "Doc_0/Document.xml"], sniff.OFD),
    (["[Content_Types].xml"], None),
    (["payload.exe"], None),
])
def test_a_zip_is_allowed_only_with_the_inner_paths_of_its_type(tmp_path, names, expected):
    head, path = _zip(tmp_path, names)

    assert sniff.sniff(head, path) == expected


@pytest.mark.parametrize(("data", "expected"), [
    (b"%PDF-1.7\n", sniff.PDF),
    (b"\x89PNG\r\n\x1a\n\x00\x00", sniff.PNG),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", sniff.JPEG),
    (b"MZ\x90\x00\x03\x00\x00\x00", None),
    (b"<!DOCTYPE html><script>", None),
    (b"PK\x03\x04broken", None),
    (b"", None),
])
def test_magic_bytes_decide(tmp_path, data, expected):
    path = tmp_path / "file"
    path.write_bytes(data)

    assert sniff.sniff(data[: sniff.HEAD_BYTES], path) == expected
