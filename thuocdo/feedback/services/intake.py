"""Intake: a citizen's submission becomes an item in a new case, routed at once.

Everything is checked before anything is written; the case, the item, its files, its
history and the audit record commit together or not at all. A retried request with the
same idempotency key returns the first item; the same key with a different body is a
conflict.
"""

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import Conflict, ValidationFailed
from thuocdo.core.text import fold_diacritics, nfc
from thuocdo.core.tracking import tracking_code_new
from thuocdo.core.uploads import upload_errors, upload_facts
from thuocdo.units.models import Unit, UnitLevel

from .. import notices
from ..config_cache import active_unit, active_unit_by_code, intake_config
from ..deadlines import new_case_deadlines
from ..models import (
    KIND_CODE_PREFIX,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Channel,
    EventKind,
    Item,
    Kind,
    RoutingMethod,
    Topic,
)
from ..routing import RoutingDecision, feedback_route, routing_threshold

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


def _blocked_term(text: str) -> str | None:
    folded = f" {fold_diacritics(text)} "
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
    if title and body and _blocked_term(f"{title} {body}"):
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
    )


def _fingerprint(data: SubmissionInput, files: Sequence[UploadedFile]) -> str:
    material = {**asdict(data), "files": [[f.name, f.size, upload_facts(f).sha256] for f in files]}
    material = {key: str(value) for key, value in material.items()}
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _replay(key: str, fingerprint: str) -> Item | None:
    # A narrow probe first: almost every key is new, and the join is read only on a replay.
    found = list(Item.objects.filter(idempotency_key=key).values_list("pk", "request_fingerprint")[:1])
    if not found:
        return None
    if found[0][1] != fingerprint:
        raise Conflict(
            _("Khoá chống gửi trùng (Idempotency-Key) đã được dùng cho một nội dung khác."),
            code="idempotency_conflict",
        )
    existing = Item.objects.select_related("case", "case__unit").get(pk=found[0][0])
    existing.replayed = True  # type: ignore[attr-defined] # the API answers 200 instead of 201
    return existing


def case_route_apply(case: Case, decision: RoutingDecision, now: datetime) -> None:
    """Apply an automatic routing decision to a new case (state, unit, clocks, history)."""
    case.routing_confidence = max(0.0, min(1.0, decision.confidence))
    case.routing_reason = decision.reason
    case.routing_model_version = decision.model_version
    case.suggested_unit = decision.unit
    if decision.unit is not None and decision.confidence >= routing_threshold():
        case.routing_method = decision.method
        case.unit = decision.unit
        case.state = CaseState.ASSIGNED
        case.assigned_at = now
        case.answer_due_at, case.transfer_due_at = new_case_deadlines(case.kind, now)
    else:
        case.routing_method = RoutingMethod.TRIAGE
        case.state = CaseState.RECEIVED


def _route_events(case: Case, now: datetime) -> list[CaseEvent]:
    events = [
        CaseEvent(case=case, kind=EventKind.RECEIVED, at=now, state_after=CaseState.RECEIVED),
    ]
    if case.state == CaseState.ASSIGNED:
        events += [
            CaseEvent(
                case=case,
                kind=EventKind.ROUTED,
                at=now,
                state_before=CaseState.RECEIVED,
                state_after=CaseState.TRIAGED,
                note=case.routing_reason,
            ),
            CaseEvent(
                case=case,
                kind=EventKind.ASSIGNED,
                at=now,
                to_unit=case.unit,
                state_before=CaseState.TRIAGED,
                state_after=CaseState.ASSIGNED,
            ),
        ]
    return events


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
    """File a submission: validate, create the case and the item, route, start the clock."""
    key = (idempotency_key or "").strip()
    if len(key) > 80:
        raise ValidationFailed(fields={"idempotency_key": [_("Khoá chống gửi trùng dài quá 80 ký tự.")]})
    fingerprint = _fingerprint(data, files) if key else ""
    if key and (replay := _replay(key, fingerprint)) is not None:
        return replay
    checked = submission_check(data)
    file_problems = upload_errors(files, max_files=MAX_ATTACHMENTS, max_bytes=MAX_ATTACHMENT_BYTES)
    if file_problems:
        raise ValidationFailed(fields={"attachments": file_problems})
    decision = feedback_route(
        topic=checked.topic,
        title=checked.title,
        body=checked.body,
        province=checked.province,
        commune=checked.commune,
        place_text=checked.place_text,
    )
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            item = _submission_store(
                actor, checked, decision, files, channel, key, fingerprint, is_demo, moment
            )
    except IntegrityError:
        # Two retries of one request raced: the other one stored it.
        if key and (replay := _replay(key, fingerprint)) is not None:
            return replay
        raise
    return item


def _submission_store(  # noqa: PLR0917 - private, called once
    actor: Any,
    checked: _Checked,
    decision: RoutingDecision,
    files: Sequence[UploadedFile],
    channel: str,
    key: str,
    fingerprint: str,
    is_demo: bool,
    now: datetime,
) -> Item:
    case = Case(
        kind=checked.kind,
        topic=checked.topic,
        title=checked.title,
        province=checked.province,
        commune=checked.commune,
        received_at=now,
        search_text=fold_diacritics(f"{checked.title} {checked.body}"),
        is_demo=is_demo,
    )
    case_route_apply(case, decision, now)
    case.save()
    item = Item.objects.create(
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
        submitted_at=now,
        idempotency_key=key or None,
        request_fingerprint=fingerprint,
        is_demo=is_demo,
    )
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
    CaseEvent.objects.bulk_create(_route_events(case, now))
    notices.item_received(item)
    if case.state == CaseState.ASSIGNED:
        notices.case_assigned(case)
    else:
        notices.case_needs_triage(case)
    # Last: the audit chain's head stays locked from here to the commit, so every other
    # write of the transaction happens before it (a short serialised section).
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=case,
        unit=case.unit,
        after={
            "tracking_code": item.tracking_code,
            "kind": case.kind,
            "topic": checked.topic.code,
            "state": case.state,
            "unit": case.unit.code if case.unit else None,
            "routing": {"method": case.routing_method, "confidence": round(case.routing_confidence, 3)},
            "channel": channel,
        },
    )
    return item
