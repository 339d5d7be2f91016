"""What is inside an uploaded PDF or workbook decides whether it is kept: script and launch actions in a PDF,
formulas, DDE and external links in a workbook are refused; a zip is measured while it is unpacked (a bomb whose
headers lie is refused); a file too large is 413 with a message naming its kind. Files made here with the stdlib."""

import io
import struct
import zipfile
import zlib

import pytest

from tests.conftest import error_code
from tests.disclosure.test_files_decisions_api import disclosure_id, upload, xlsx_bytes  # noqa: F401

pytestmark = pytest.mark.sqlite_only  # the bytes decide, in Python: nothing here depends on the database

MB = 1024 * 1024


def pdf(*objects: bytes) -> bytes:
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (i, o) for i, o in enumerate(objects, start=1))
    return b"%PDF-1.7\n" + body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


@pytest.mark.parametrize("catalog", [
    b"<< /Type /Catalog /OpenAction 3 0 R >>",
    b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>",
    b"<< /Type /Action /S /Launch /F (cmd.exe) >>",
    b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert(1)) >>",  # the names written with #xx escapes
    b"<</S/JavaScript/JS(x)>>",  # no spaces at all
], ids=["open-action", "javascript", "launch", "hex-escaped", "packed"])
def test_pdf_with_script_or_actions_is_refused(api, disclosure_id, catalog):  # noqa: F811
    r = upload(api, disclosure_id, "通知.pdf", pdf(catalog, b"<< /Type /Pages /Kids [] /Count 0 >>"))
    assert r.status_code == 422 and error_code(r) == "validation_error"
    assert "脚本" in r.json()["error"]["message"]
    assert api.get(f"/disclosures/{disclosure_id}", "villager").json()["attachments"] == []


def object_stream(*objects: bytes) -> bytes:
    """A PDF 1.5 object stream: objects packed and Flate-compressed, so none of their names is in the raw bytes."""
    packed = zlib.compress(b" ".join(objects))
    return b"<< /Type /ObjStm /N %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (
        len(objects), len(packed), packed)


def test_pdf_with_script_inside_a_compressed_object_stream_is_refused(api, disclosure_id):  # noqa: F811
    data = pdf(CATALOG, object_stream(b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"))
    assert b"JavaScript" not in data
    r = upload(api, disclosure_id, "通知.pdf", data)
    assert r.status_code == 422 and "脚本" in r.json()["error"]["message"]


def test_pdf_with_a_plain_compressed_stream_is_kept(api, disclosure_id):  # noqa: F811
    data = pdf(CATALOG, object_stream(b"<< /Type /Pages /Kids [] /Count 0 >>"))
    assert upload(api, disclosure_id, "通知.pdf", data).status_code == 201


def test_plain_pdf_is_kept(api, disclosure_id):  # noqa: F811
    data = pdf(CATALOG, b"<< /Type /Pages /Kids [] /Count 0 /JSON (not a script) >>")  # /JSON is not /JS
    assert upload(api, disclosure_id, "通知.pdf", data).status_code == 201


def workbook(sheet: str = '<c r="A1" t="inlineStr"><is><t>1</t></is></c>', **extra: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet><sheetData><row r="1">{sheet}</row></sheetData>'
                                              "</worksheet>")
        for name, data in extra.items():
            z.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


@pytest.mark.parametrize("data,words", [
    (workbook('<c r="A1"><f>SUM(B1:B9)</f><v>3</v></c>'), "公式"),
    (workbook('<c r="A1"><x:f t="shared" si="0"/></c>'), "公式"),
    (workbook('<c r="A1" t="inlineStr"><is><t>=cmd|\' /C calc\'!A0</t></is></c>'), "DDE"),
    (workbook(xl__externalLinks__externalLink1_xml=b"<externalLink><ddeLink ddeService='cmd'/></externalLink>"),
     "链接"),
], ids=["formula", "shared-formula", "dde-cell", "external-link"])
def test_workbook_that_computes_is_refused(api, disclosure_id, data, words):  # noqa: F811
    r = upload(api, disclosure_id, "账目.xlsx", data)
    assert r.status_code == 422 and words in r.json()["error"]["message"]


def test_plain_workbook_is_kept(api, disclosure_id):  # noqa: F811
    assert upload(api, disclosure_id, "账目.xlsx", workbook()).status_code == 201
    assert upload(api, disclosure_id, "账目.xlsx", xlsx_bytes()).status_code == 201  # as openpyxl writes it


def _lie_about_sizes(data: bytes, size: int) -> bytes:
    """The zip with every member's uncompressed size in the central directory (and local headers) set to `size`."""
    out = bytearray(data)
    at = 0
    while (at := out.find(b"PK\x01\x02", at)) != -1:  # central directory: uncompressed size at +24
        out[at + 24:at + 28] = struct.pack("<I", size)
        at += 4
    at = 0
    while (at := out.find(b"PK\x03\x04", at)) != -1:  # local header: uncompressed size at +22
        out[at + 22:at + 26] = struct.pack("<I", size)
        at += 4
    return bytes(out)


def test_zip_bomb_with_lying_headers_is_refused(api, disclosure_id):  # noqa: F811
    bomb = workbook(xl__media__pad_xml=b"\0" * (200 * MB))  # 200 MB of zeros in about 200 kB
    assert len(bomb) < 1 * MB
    lying = _lie_about_sizes(bomb, 100)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(lying)).infolist()) < 1000
    r = upload(api, disclosure_id, "账目.xlsx", lying)
    assert r.status_code == 422 and error_code(r) == "validation_error"


def test_zip_bomb_is_stopped_while_unpacking(api, disclosure_id, monkeypatch):  # noqa: F811
    """Counted as it is read, not from the headers: the headers' sizes are not even looked at."""
    from app.disclosure import filescan

    bomb = workbook(xl__media__pad_xml=b"\0" * (60 * MB))
    seen = []
    real = filescan._chunks

    def counting(archive, member):
        for size, window in real(archive, member):
            seen.append(size)
            yield size, window

    monkeypatch.setattr(filescan, "_chunks", counting)
    r = upload(api, disclosure_id, "账目.xlsx", bomb)
    assert r.status_code == 422 and "50 MB" in r.json()["error"]["message"]
    assert 50 * MB <= sum(seen) <= 50 * MB + 128 * 1024  # it stopped at the cap, not at the end


@pytest.mark.parametrize("data,kind", [
    (b"%PDF-1.4\n" + b"0" * (5 * MB), "PDF 文件不能超过 5 MB"),
    (b"\xff\xd8\xff\xe0" + b"0" * (5 * MB), "照片不能超过 5 MB"),
    (b"PK\x03\x04" + b"0" * (5 * MB), "Excel 文件不能超过 5 MB"),
], ids=["pdf", "photo", "xlsx"])
def test_too_large_names_the_kind(api, disclosure_id, data, kind):  # noqa: F811
    r = upload(api, disclosure_id, "big", data)
    assert r.status_code == 413 and error_code(r) == "too_large"
    assert kind in r.json()["error"]["message"]


def test_goods_photo_too_large_is_413_naming_photos(api):
    r = api.client.put("/api/v1/shops/1/goods/1/photo", files={"photo": ("p.jpg", b"\xff" * (5 * MB + 100))},
                       headers=api.headers("official"))
    assert r.status_code == 413 and "照片不能超过 5 MB" in r.json()["error"]["message"]
