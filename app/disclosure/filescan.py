"""What is inside an uploaded PDF or Excel workbook, read from its bytes before it is kept: a PDF that runs
script or launches a program when opened, and a workbook that computes (formulas, DDE, links to other files), are
refused; a zip is measured while it is unpacked, never by the sizes its headers claim."""

import re
import zipfile
import zlib
from collections.abc import Iterator

from app.errors import ValidationFailed

PDF_ACTIONS = frozenset({b"OpenAction", b"JS", b"JavaScript", b"Launch"})
PDF_SCRIPT = ("不接受含有脚本或自动操作的 PDF 文件（如打开时运行的 JavaScript、启动程序），"
              "请重新导出或打印为 PDF 后再上传")
# A PDF name: a slash and regular characters, any of them possibly written as #xx (/J#53 is /JS).
_PDF_NAME = re.compile(rb"/((?:[^\x00\t\n\x0c\r ()<>\[\]{}/%#]|#[0-9A-Fa-f]{2})+)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")

MAX_XLSX_MEMBERS = 2000
MAX_XLSX_UNPACKED = 50 * 1024 * 1024  # counted while unpacking: a zip bomb is stopped at this many bytes
XLSX_TOO_LARGE = "Excel 文件解压后内容过大（不能超过 50 MB），请删减后再上传"
XLSX_FORMULA = "不接受含有公式的 Excel 文件，请把公式转成数值（复制后“选择性粘贴 → 数值”）后再上传"
XLSX_LINK = "不接受含有外部链接或 DDE 的 Excel 文件，请删除链接后再上传"
XLSX_MACRO = "不接受带宏的 Excel 文件，请另存为 .xlsx"
_CHUNK = 64 * 1024
_OVERLAP = 64  # bytes kept between chunks, so that a pattern cut in two is still seen
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")  # <f>, <f t="shared" …/>, <x:f>
_DDE = re.compile(rb"(?i)ddeLink|externalLink|=\s*[a-z0-9_.-]+\s*\|")  # =cmd|' /C calc'!A0


MAX_PDF_UNPACKED = 50 * 1024 * 1024  # all of a PDF's compressed streams together, counted while inflating
PDF_TOO_LARGE = "PDF 文件解压后内容过大，请压缩或分成几个文件后再上传"
_PDF_STREAM = re.compile(rb"stream\r?\n")


def check_pdf(data: bytes) -> None:
    """Refuse a PDF holding JavaScript or an action run when it opens (also in the #xx escaped spelling, and inside
    compressed object streams, which are inflated under a running cap)."""
    _check_pdf_names(data)
    budget = MAX_PDF_UNPACKED
    for match in _PDF_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        rest = data[match.end():]
        try:
            while rest and budget > 0:
                piece = inflater.decompress(rest, min(budget, _CHUNK * 16))
                budget -= len(piece)
                _check_pdf_names(piece)
                rest = inflater.unconsumed_tail
        except zlib.error:
            continue  # not a Flate stream (an image, plain text): its raw bytes were read above
        if budget <= 0:
            raise ValidationFailed(PDF_TOO_LARGE)


def _check_pdf_names(data: bytes) -> None:
    for match in _PDF_NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        if name in PDF_ACTIONS:
            raise ValidationFailed(PDF_SCRIPT)


def check_xlsx(archive: zipfile.ZipFile, *, not_allowed: str) -> None:
    """A workbook: [Content_Types].xml and the xl/ folder, no macros, no external links or DDE, no formulas, and
    at most MAX_XLSX_UNPACKED bytes once unpacked, counted as each part is read."""
    members = archive.infolist()
    if len(members) > MAX_XLSX_MEMBERS:
        raise ValidationFailed(XLSX_TOO_LARGE)
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ValidationFailed(not_allowed)
    if any("vbaproject" in n.lower() for n in names):
        raise ValidationFailed(XLSX_MACRO)
    if any(n.lower().startswith("xl/externallinks/") for n in names):
        raise ValidationFailed(XLSX_LINK)
    unpacked = 0
    for member in members:
        sheet = member.filename.startswith("xl/worksheets/") or member.filename.startswith("xl/chartsheets/")
        for size, window in _chunks(archive, member):
            unpacked += size
            if unpacked > MAX_XLSX_UNPACKED:
                raise ValidationFailed(XLSX_TOO_LARGE)
            if sheet and _FORMULA.search(window):
                raise ValidationFailed(XLSX_FORMULA)
            if _DDE.search(window):
                raise ValidationFailed(XLSX_LINK)


def _chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[tuple[int, bytes]]:
    """The member's unpacked bytes, a piece at a time: (the piece's size, the piece after the previous one's end)."""
    tail = b""
    with archive.open(member) as stream:
        while piece := stream.read(_CHUNK):
            yield len(piece), tail + piece
            tail = piece[-_OVERLAP:]
