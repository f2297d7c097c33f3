"""Intake: a citizen's submission becomes an item in a new case.

Everything is checked before anything is written; the case and the item (with its files)
commit together or not at all, before the submitter is answered. The case is stored
`pending`: routing, the history, the notices and the audit record are the processor's
(`processing`, docs/decisions/0037), which runs right after the commit — at once in the
same request for the public form (`feedback_submit`), in a background job for the API
and Open311 (`feedback_accept`). A retried request with the same idempotency key returns
the first item; the same key with a different body is a conflict.
"""

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.core import rawsql
from thuocdo.core.errors import Conflict, ValidationFailed
from thuocdo.core.jobs import enqueue_coalesced_on_commit
from thuocdo.core.request_context import current_request_context
from thuocdo.core.text import fold_diacritics, nfc
from thuocdo.core.tracking import tracking_code_new
from thuocdo.core.uploads import upload_errors, upload_facts
from thuocdo.units.models import Unit, UnitLevel

from ..config_cache import active_unit, active_unit_by_code, intake_config
from ..models import (
    KIND_CODE_PREFIX,
    Attachment,
    Case,
    CaseState,
    Channel,
    Item,
    Kind,
    RoutingMethod,
    Topic,
)
from .processing import pending_case_process

logger = logging.getLogger("thuocdo.feedback")

TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 20, 5000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_PHONE = re.compile(r"^\+?[0-9 .\-]{8,20}$")


@dataclass(frozen=True)
class SubmissionInput:
    """What a submitter sends, as typed (codes and strings), before any checking."""

    kind: str
    topic: str
    title: str
    body: str
    province: str = ""
    commune: str = ""
    place_text: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    is_anonymous: bool = False
    publish_name: bool = False
    consent: bool = False
    latitude: Any = None
    longitude: Any = None


@dataclass(frozen=True)
class _Checked:
    kind: str
    topic: Topic
    title: str
    body: str
    province: Unit | None
    commune: Unit | None
    place_text: str
    contact_name: str
    contact_email: str
    contact_phone: str
    is_anonymous: bool
    publish_name: bool
    latitude: Decimal | None
    longitude: Decimal | None
    search_text: str  # title and body folded: for blocked terms and similarity search


def _coordinate(raw: Any, limit: int, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        errors.setdefault(name, []).append(_("Toạ độ phải là số."))
        return None
    if not value.is_finite() or abs(value) > limit:
        errors.setdefault(name, []).append(_("Toạ độ nằm ngoài giới hạn cho phép."))
        return None
    return value.quantize(Decimal("0.000001"))


def _place(data: SubmissionInput, errors: dict[str, list[str]]) -> tuple[Unit | None, Unit | None]:
    province = commune = None
    if data.province:
        province = active_unit_by_code(data.province)
        if province is None or province.level != UnitLevel.PROVINCE:
            province = None
            errors.setdefault("province", []).append(_("Không có tỉnh, thành phố với mã này."))
    if data.commune:
        commune = active_unit_by_code(data.commune)
        if commune is None or commune.level != UnitLevel.COMMUNE:
            commune = None
            errors.setdefault("commune", []).append(_("Không có xã, phường với mã này."))
        elif province is not None and commune.parent_id != province.pk:
            errors.setdefault("commune", []).append(
                _("Xã, phường này không thuộc %(province)s.") % {"province": province.name}
            )
        elif province is None and not data.province:
            province = active_unit(commune.parent_id) if commune.parent_id else None
    return province, commune


def _blocked_term(folded_text: str) -> str | None:
    folded = f" {folded_text} "
    for term in intake_config().blocked_terms:
        if f" {term} " in folded:
            return term
    return None


def submission_check(data: SubmissionInput) -> _Checked:  # noqa: PLR0912 - one branch per rule, all errors at once
    """Validate a submission; raise ValidationFailed listing every problem by field."""
    errors: dict[str, list[str]] = {}
    if data.kind not in Kind.values:
        errors["kind"] = [_("Loại phải là một trong: phản ánh, kiến nghị, sáng kiến, giải pháp.")]
    config = intake_config()
    topic = config.topics.get(data.topic)
    if topic is None:
        errors["topic"] = [_("Chọn một lĩnh vực trong danh sách.")]
    title, body, place_text = nfc(data.title or ""), nfc(data.body or ""), nfc(data.place_text or "")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = [
            _("Tiêu đề cần từ %(min)d đến %(max)d ký tự.") % {"min": TITLE_MIN, "max": TITLE_MAX}
        ]
    if not BODY_MIN <= len(body) <= BODY_MAX:
        errors["body"] = [
            _("Nội dung cần từ %(min)d đến %(max)d ký tự.") % {"min": BODY_MIN, "max": BODY_MAX}
        ]
    if len(place_text) > 300:
        errors["place_text"] = [_("Địa điểm dài quá 300 ký tự.")]
    province, commune = _place(data, errors)
    name, email, phone = (
        nfc(data.contact_name or ""),
        (data.contact_email or "").strip(),
        (data.contact_phone or "").strip(),
    )
    if len(name) > 150:
        errors["contact_name"] = [_("Họ và tên dài quá 150 ký tự.")]
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["contact_email"] = [_("Địa chỉ thư điện tử không hợp lệ.")]
    if phone and (not _PHONE.match(phone) or not 9 <= sum(ch.isdigit() for ch in phone) <= 12):
        errors["contact_phone"] = [_("Số điện thoại không hợp lệ.")]
    if data.is_anonymous:
        if data.kind in Kind.values and not config.kind_settings[data.kind].allow_anonymous:
            errors["is_anonymous"] = [
                _("Loại này không nhận gửi ẩn danh; vui lòng cho biết họ tên và liên hệ.")
            ]
        name = ""
    else:
        if not name:
            errors["contact_name"] = [_("Vui lòng cho biết họ và tên (hoặc chọn gửi ẩn danh).")]
        if not email and not phone:
            errors["contact_email"] = [_("Vui lòng để lại thư điện tử hoặc số điện thoại để nhận trả lời.")]
    if not data.consent:
        errors["consent"] = [_("Cần đồng ý với thông báo về xử lý dữ liệu cá nhân.")]
    latitude = _coordinate(data.latitude, 90, "latitude", errors)
    longitude = _coordinate(data.longitude, 180, "longitude", errors)
    search_text = fold_diacritics(f"{title} {body}") if title and body else ""
    if search_text and _blocked_term(search_text):
        errors["body"] = [*errors.get("body", []), _("Nội dung có từ ngữ không được phép.")]
    if errors:
        raise ValidationFailed(fields=errors)
    assert topic is not None  # noqa: S101 - guaranteed by the error check above
    return _Checked(
        kind=data.kind,
        topic=topic,
        title=title,
        body=body,
        province=province,
        commune=commune,
        place_text=place_text,
        contact_name=name,
        contact_email=email.lower(),
        contact_phone=phone,
        is_anonymous=data.is_anonymous,
        publish_name=data.publish_name and not data.is_anonymous,
        latitude=latitude,
        longitude=longitude,
        search_text=search_text,
    )


def _fingerprint(data: SubmissionInput, files: Sequence[UploadedFile]) -> str:
    # The fields' values as text (`asdict` would deep-copy them first: same result, slower).
    material = {field.name: str(getattr(data, field.name)) for field in fields(data)}
    material["files"] = str([[f.name, f.size, upload_facts(f).sha256] for f in files])
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _replay(key: str, fingerprint: str) -> Item | None:
    found = Item.objects.select_related("case", "case__unit").filter(idempotency_key=key).first()
    if found is None:
        return None
    if found.request_fingerprint != fingerprint:
        raise Conflict(
            _("Khoá chống gửi trùng (Idempotency-Key) đã được dùng cho một nội dung khác."),
            code="idempotency_conflict",
        )
    found.replayed = True  # type: ignore[attr-defined] # the API answers 200 instead of 201
    return found


def feedback_accept(
    *,
    actor: Any,
    data: SubmissionInput,
    files: Sequence[UploadedFile] = (),
    channel: str = Channel.WEB,
    idempotency_key: str = "",
    open311_token: str | None = None,
    is_demo: bool = False,
    now: datetime | None = None,
    kick: bool = True,
) -> Item:
    """Accept a submission: validate it, store the case (pending) and the item, and queue
    the processor for after the commit (`kick`). Routing, history, notices and the audit
    record are the processor's (`processing`, docs/decisions/0037).

    A retry with the same idempotency key gets the stored item (`replayed`); the same key
    with another body is a conflict. The unique key decides, so the usual new key costs
    no lookup."""
    key = (idempotency_key or "").strip()
    if len(key) > 80:
        raise ValidationFailed(fields={"idempotency_key": [_("Khoá chống gửi trùng dài quá 80 ký tự.")]})
    fingerprint = _fingerprint(data, files) if key else ""
    try:
        checked = submission_check(data)
        file_problems = upload_errors(files, max_files=MAX_ATTACHMENTS, max_bytes=MAX_ATTACHMENT_BYTES)
        if file_problems:
            raise ValidationFailed(fields={"attachments": file_problems})
    except ValidationFailed:
        # A stored request's retry still gets its item, and a used key still conflicts,
        # even when the rules changed in between or the other body is not valid.
        if key and (replay := _replay(key, fingerprint)) is not None:
            return replay
        raise
    moment = now or timezone.now()
    # The case and the item are written by one statement, atomic on its own
    # (`rawsql.insert_pair`): the usual submission needs no transaction, and no BEGIN and
    # COMMIT round trips. Attachments need one; inside a caller's transaction, a savepoint
    # keeps that transaction usable for the replay below.
    separate = bool(files) or transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if separate else nullcontext():
            item = _submission_store(
                actor, checked, files, channel, key, fingerprint, open311_token, is_demo, moment
            )
            if kick:
                _processor_kick()
    except IntegrityError:
        # The key was used before (a retry), or two retries raced: the stored item answers.
        if key and (replay := _replay(key, fingerprint)) is not None:
            return replay
        raise
    return item


def _processor_kick() -> None:
    from ..tasks import feedback_intake_process  # noqa: PLC0415 - the jobs import the services

    enqueue_coalesced_on_commit(feedback_intake_process)


def feedback_submit(
    *,
    actor: Any,
    data: SubmissionInput,
    files: Sequence[UploadedFile] = (),
    channel: str = Channel.WEB,
    idempotency_key: str = "",
    is_demo: bool = False,
    now: datetime | None = None,
) -> Item:
    """Accept a submission and process it at once, for a person waiting for the answer
    (the public form) and the demo: the returned item's case is routed. Should processing
    fail, the item is kept (pending) and the processor is queued to try again."""
    item = feedback_accept(
        actor=actor,
        data=data,
        files=files,
        channel=channel,
        idempotency_key=idempotency_key,
        is_demo=is_demo,
        now=now,
        kick=False,
    )
    if item.case.routing_method != RoutingMethod.PENDING:
        return item
    try:
        pending_case_process(item=item, now=now)
    except Exception:
        logger.exception("Feedback case %s could not be processed at once; it stays pending", item.case_id)
        _processor_kick()
    return item


def _submission_store(  # noqa: PLR0917 - private, called once
    actor: Any,
    checked: _Checked,
    files: Sequence[UploadedFile],
    channel: str,
    key: str,
    fingerprint: str,
    open311_token: str | None,
    is_demo: bool,
    now: datetime,
) -> Item:
    # Every submission writes these two rows: one statement built once (core.rawsql).
    case = Case(
        kind=checked.kind,
        topic=checked.topic,
        title=checked.title,
        province=checked.province,
        commune=checked.commune,
        received_at=now,
        state=CaseState.RECEIVED,
        routing_method=RoutingMethod.PENDING,
        search_text=checked.search_text,
        is_demo=is_demo,
    )
    context = current_request_context()
    item = Item(
        case=case,
        tracking_code=tracking_code_new(KIND_CODE_PREFIX[Kind(checked.kind)]),
        kind=checked.kind,
        topic=checked.topic,
        title=checked.title,
        body=checked.body,
        place_text=checked.place_text,
        province=checked.province,
        commune=checked.commune,
        latitude=checked.latitude,
        longitude=checked.longitude,
        contact_name=checked.contact_name,
        contact_email=checked.contact_email,
        contact_phone=checked.contact_phone,
        is_anonymous=checked.is_anonymous,
        publish_name=checked.publish_name,
        consent_at=now,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        channel=channel,
        submitted_ip=context.ip_address or "",
        request_id=context.request_id or "",
        submitted_at=now,
        idempotency_key=key or None,
        request_fingerprint=fingerprint,
        open311_token=open311_token,
        is_demo=is_demo,
    )
    rawsql.insert_pair(case, item, "case")
    for upload in files:
        facts = upload_facts(upload)
        attachment = Attachment(
            item=item,
            original_name=facts.name,
            content_type=facts.content_type,
            size=facts.size,
            sha256=facts.sha256,
        )
        attachment.file.save(facts.name, upload, save=False)
        attachment.save()
    return item
