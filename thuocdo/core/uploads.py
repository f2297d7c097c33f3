"""Checking uploaded files before anything is stored: count, size, extension and the
file's first bytes (a renamed .exe does not pass as a PDF)."""

import hashlib
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# Extension -> the file's first bytes. Office formats are zip containers.
DOCUMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
}


@dataclass(frozen=True)
class UploadFacts:
    name: str
    size: int
    content_type: str
    sha256: str


def upload_errors(
    files: Sequence[UploadedFile],
    *,
    max_files: int,
    max_bytes: int,
    max_total_bytes: int | None = None,
    signatures: Mapping[str, tuple[bytes, ...]] = DOCUMENT_SIGNATURES,
) -> list[str]:
    """Every problem with the files, in Vietnamese; an empty list means all may be stored.
    The monitoring evidence, the feedback desk and initiatives all check uploads here."""
    errors = []
    if len(files) > max_files:
        errors.append(_("Tối đa %(n)d tệp đính kèm.") % {"n": max_files})
    megabytes = max_bytes // (1024 * 1024)
    for upload in files:
        name = upload.name or ""
        extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        expected = signatures.get(extension)
        if expected is None:
            errors.append(
                _("Tệp %(name)s: chỉ nhận PDF, ảnh PNG/JPEG, Word, Excel, OpenDocument.") % {"name": name}
            )
            continue
        if upload.size is None or upload.size > max_bytes:
            errors.append(_("Tệp %(name)s vượt quá %(mb)d MB.") % {"name": name, "mb": megabytes})
            continue
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(signature) for signature in expected):
            errors.append(_("Tệp %(name)s không đúng định dạng như phần mở rộng.") % {"name": name})
    if max_total_bytes is not None and sum(upload.size or 0 for upload in files) > max_total_bytes:
        errors.append(
            _("Tổng dung lượng tệp đính kèm vượt quá %(mb)d MB.") % {"mb": max_total_bytes // (1024 * 1024)}
        )
    return errors


def upload_facts(upload: UploadedFile) -> UploadFacts:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "tep")[:255]
    return UploadFacts(
        name=name,
        size=upload.size or 0,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        sha256=digest.hexdigest(),
    )
