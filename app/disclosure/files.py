"""Attachments of disclosures and decision steps: photos of signed documents (re-encoded, with a thumbnail), PDF
and Excel files kept as downloads. Only the bytes decide what a file is, never its name or the type the client
claims; a renamed executable, a zip that is not a workbook or an image bomb is refused with a clear reason.

`check_upload()` does the heavy part (decoding and re-encoding a photo) and is called outside the database's writer;
`attach()` then stores the result in the caller's transaction."""

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass

from sqlmodel import Session

from app.audit.service import record_action
from app.disclosure.filescan import check_pdf, check_xlsx
from app.disclosure.models import DECISION_TARGET, DISCLOSURE_TARGET, Disclosure, DisclosureAction, DisclosureFile
from app.disclosure.service import current_version, new_version
from app.errors import TooLarge, ValidationFailed
from app.idempotency import create_once
from app.images import MAX_UPLOAD_BYTES, process_photo
from app.org.access import OFFICIALS, Actor
from app.text import MAX_REASON, clean_text

MB = 1024 * 1024
MAX_FILE_BYTES = MAX_UPLOAD_BYTES  # 5 MB: photos, PDF and Excel alike
KIND_NAMES = {"photo": "照片", "pdf": "PDF 文件", "xlsx": "Excel 文件"}
PHOTO_SIZE = (1600, 1600)
THUMB_SIZE = (320, 320)
NOT_ALLOWED = "只能上传照片（JPG、PNG）、PDF 或 Excel（.xlsx）文件"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF", b"GIF87a", b"GIF89a")


@dataclass
class CheckedFile:
    kind: str  # photo | pdf | xlsx
    file_name: str
    content_type: str
    data: bytes
    thumbnail: bytes | None = None


def check_upload(data: bytes, file_name: str | None) -> CheckedFile:
    """What the uploaded bytes are, checked and (for a photo) re-encoded; anything else is refused."""
    if not data:
        raise ValidationFailed("请选择要上传的文件")
    kind = _kind(data)
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(f"{KIND_NAMES.get(kind, '文件')}不能超过 {MAX_FILE_BYTES // MB} MB")
    name = _file_name(file_name)
    if kind == "pdf":
        check_pdf(data)
        return CheckedFile("pdf", _with_suffix(name, ".pdf"), "application/pdf", data)
    if kind == "xlsx":
        _check_xlsx(data)
        return CheckedFile("xlsx", _with_suffix(name, ".xlsx"), XLSX_TYPE, data)
    if kind == "photo":
        photo, content_type = _photo(data, PHOTO_SIZE)
        thumb, _ = _photo(photo, THUMB_SIZE)  # from the clean copy: the original is decoded once
        return CheckedFile("photo", _with_suffix(name, ".jpg"), content_type, photo, thumb)
    raise ValidationFailed(NOT_ALLOWED)


def _kind(data: bytes) -> str | None:
    """What the first bytes say the file is: photo, pdf, xlsx (any zip, checked later), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(_IMAGE_MAGIC):
        return "photo"
    return None


def _photo(data: bytes, size: tuple[int, int]) -> tuple[bytes, str]:
    """The goods-photo pipeline (content check, pixel caps, metadata stripped, a fresh JPEG) at this size."""
    return process_photo(data, size)


def _check_xlsx(data: bytes) -> None:
    """A workbook (app/disclosure/filescan.py); a zip that cannot be read through is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx(archive, not_allowed=NOT_ALLOWED)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        # a damaged or lying archive (a member longer than its header says fails its CRC), an unknown compression,
        # a password
        raise ValidationFailed(NOT_ALLOWED) from exc


def _file_name(value: str | None) -> str:
    name = (value or "").replace("\\", "/").rsplit("/", 1)[-1]
    return clean_text(name, label="文件名", max_length=200, required=False)[:100] or "附件"


def _with_suffix(name: str, suffix: str) -> str:
    """The name as typed, ending with the suffix of what the file really is (a.exe holding a PDF → a.exe.pdf)."""
    return name if name.lower().endswith(suffix) else f"{name}{suffix}"


def attach(session: Session, *, actor_id: int, village_id: int, checked: CheckedFile, disclosure_id: int | None = None,
           version: int | None = None, decision_step_id: int | None = None, label: str = "",
           idempotency_key: str | None = None) -> DisclosureFile:
    """Store a checked file on a decision step, or on a disclosure's `version` as it is published (the publish
    form's file). With a key (a page form's), once. A file added to a published disclosure: `attach_to_published`."""
    payload = {"disclosure_id": disclosure_id, "decision_step_id": decision_step_id, "name": checked.file_name,
               "sha256": hashlib.sha256(checked.data).hexdigest()}
    return create_once(session, scope=f"user:{actor_id}:disclosure.attach", key=idempotency_key, payload=payload,
                       model=DisclosureFile,
                       action=lambda: _attach(session, actor_id=actor_id, village_id=village_id, checked=checked,
                                              disclosure_id=disclosure_id, version=version,
                                              decision_step_id=decision_step_id, label=label))


def attach_to_published(session: Session, *, actor: Actor, disclosure: Disclosure, checked: CheckedFile,
                        idempotency_key: str | None = None) -> DisclosureFile:
    """A file added to a disclosure already published makes a new version ("补充附件：<name>"): what villagers
    read before stays as it was, without the file. With a key (a page form's), once."""
    actor.require(disclosure.village_id, OFFICIALS, "只有本村村干部可以上传")
    payload = {"disclosure_id": disclosure.id, "name": checked.file_name,
               "sha256": hashlib.sha256(checked.data).hexdigest()}
    return create_once(session, scope=f"user:{actor.id}:disclosure.attach", key=idempotency_key, payload=payload,
                       model=DisclosureFile,
                       action=lambda: _attach_to_published(session, actor=actor, disclosure=disclosure,
                                                           checked=checked))


def _attach_to_published(session: Session, *, actor: Actor, disclosure: Disclosure, checked: CheckedFile
                         ) -> DisclosureFile:
    current = current_version(session, disclosure)
    version = new_version(session, actor=actor, disclosure=disclosure, title=current.title, body=current.body,
                          reason=f"补充附件：{checked.file_name}"[:MAX_REASON])
    return _attach(session, actor_id=actor.id, village_id=disclosure.village_id, checked=checked,
                   disclosure_id=disclosure.id, version=version, decision_step_id=None, label=disclosure.title)


def _attach(session: Session, *, actor_id: int, village_id: int, checked: CheckedFile, disclosure_id: int | None,
            version: int | None, decision_step_id: int | None, label: str) -> DisclosureFile:
    row = DisclosureFile(village_id=village_id, disclosure_id=disclosure_id, decision_step_id=decision_step_id,
                         version=version if disclosure_id is not None else None, kind=checked.kind,
                         file_name=checked.file_name, content_type=checked.content_type,
                         size=len(checked.data), data=checked.data, thumbnail=checked.thumbnail, uploaded_by=actor_id)
    session.add(row)
    session.flush()
    target, target_id = ((DISCLOSURE_TARGET, disclosure_id) if disclosure_id is not None
                         else (DECISION_TARGET, decision_step_id))
    record_action(session, actor_id=actor_id, action=DisclosureAction.attach, village_id=village_id,
                  target_type=target, target_id=target_id, target_label=label,
                  detail={"file": row.file_name, "kind": row.kind, "size": row.size})
    return row
