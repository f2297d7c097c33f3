"""Registration and resubmission: public, no account needed. Contact data never goes into the
audit log (it is append-only, so personal data there could never be erased)."""

import hashlib
import json
import mimetypes
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
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
from thuocdo.core.tracking import tracking_code_new, tracking_code_normalize
from thuocdo.core.uploads import upload_errors

from .. import notices
from ..models import (
    Attachment,
    ExpectedResult,
    Initiative,
    InitiativeStatus,
    InitiativeVersion,
    Outcome,
    StrategicArea,
)

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS_TOTAL_BYTES = 50 * 1024 * 1024
MAX_EXPECTED_RESULTS = 10
MAX_DURATION_MONTHS = 120
BUDGET_LIMIT = Decimal(10) ** 12  # million VND; the column holds 13 digits before the point
DECIMAL_LIMIT = Decimal(10) ** 14
TEXT_LIMITS = {
    "title": 300,
    "problem": 20_000,
    "solution": 20_000,
    "lead_organisation": 300,
    "team": 5_000,
    "contact_name": 150,
    "contact_phone": 30,
}


@dataclass(frozen=True)
class ExpectedResultInput:
    name: str
    unit_of_measure: str
    target: Any
    baseline: Any = None


@dataclass(frozen=True)
class InitiativeContent:
    """What a submitter writes (the same for a first submission and a resubmission)."""

    title: str
    problem: str
    solution: str
    area_code: str
    budget_million_vnd: Any
    duration_months: Any
    lead_organisation: str
    team: str
    expected_results: Sequence[ExpectedResultInput] = field(default_factory=tuple)


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str = ""


def _decimal(raw: Any, limit: Decimal = DECIMAL_LIMIT) -> Decimal | None:
    """A number as people type it ("12,5" or "12.5"); None unless finite and storable."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) >= limit:
        return None
    return value.quantize(Decimal("0.0001")) if value != value.quantize(Decimal("0.0001")) else value


@dataclass(frozen=True)
class _CleanContent:
    area: StrategicArea
    budget: Decimal
    duration: int
    results: list[tuple[ExpectedResultInput, Decimal, Decimal | None]]


def _results_parse(
    expected: Sequence[ExpectedResultInput], errors: dict[str, list[str]]
) -> list[tuple[ExpectedResultInput, Decimal, Decimal | None]]:
    """Each result with its parsed target and baseline; problems go to `errors`."""
    if not expected:
        errors["expected_results"] = [_("Cần ít nhất một kết quả dự kiến đo đếm được.")]
        return []
    if len(expected) > MAX_EXPECTED_RESULTS:
        errors["expected_results"] = [_("Tối đa %(n)d kết quả dự kiến.") % {"n": MAX_EXPECTED_RESULTS}]
        return []
    results: list[tuple[ExpectedResultInput, Decimal, Decimal | None]] = []
    problems: list[str] = []
    for index, result in enumerate(expected, start=1):
        target = _decimal(result.target)
        has_baseline = result.baseline not in (None, "")
        baseline = _decimal(result.baseline) if has_baseline else None
        if not result.name.strip() or len(result.name) > 500:
            problems.append(_("Kết quả %(i)d: cần tên, tối đa 500 ký tự.") % {"i": index})
        if not result.unit_of_measure.strip() or len(result.unit_of_measure) > 50:
            problems.append(_("Kết quả %(i)d: cần đơn vị tính, tối đa 50 ký tự.") % {"i": index})
        if target is None:
            problems.append(_("Kết quả %(i)d: giá trị mục tiêu phải là số.") % {"i": index})
        if has_baseline and baseline is None:
            problems.append(_("Kết quả %(i)d: giá trị hiện tại phải là số.") % {"i": index})
        if target is not None:
            results.append((result, target, baseline))
    if problems:
        errors["expected_results"] = problems
    return results


def _content_errors(content: InitiativeContent) -> tuple[dict[str, list[str]], _CleanContent | None]:
    errors: dict[str, list[str]] = {}
    for name in ("title", "problem", "solution", "lead_organisation", "team"):
        value = getattr(content, name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = [_("Trường này là bắt buộc.")]
        elif len(value) > TEXT_LIMITS[name]:
            errors[name] = [_("Tối đa %(n)d ký tự.") % {"n": TEXT_LIMITS[name]}]
    area = StrategicArea.objects.filter(code=content.area_code, is_active=True).first()
    if area is None:
        errors["area"] = [_("Lĩnh vực công nghệ chiến lược không có trong danh mục.")]
    budget = _decimal(content.budget_million_vnd, BUDGET_LIMIT)
    if budget is None or budget < 0:
        errors["budget_million_vnd"] = [_("Kinh phí dự kiến là số không âm, tính bằng triệu đồng.")]
    duration = content.duration_months
    if isinstance(duration, str) and duration.strip().isdigit():
        duration = int(duration)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not 1 <= duration <= MAX_DURATION_MONTHS
    ):
        errors["duration_months"] = [
            _("Thời gian thực hiện là số tháng, từ 1 đến %(n)d.") % {"n": MAX_DURATION_MONTHS}
        ]
    results = _results_parse(content.expected_results, errors)
    if errors or area is None or budget is None:
        return errors, None
    return errors, _CleanContent(area=area, budget=budget, duration=int(duration), results=results)


def _contact_errors(contact: Contact, consent: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not contact.name.strip():
        errors["contact_name"] = [_("Cần họ và tên người đăng ký.")]
    elif len(contact.name) > TEXT_LIMITS["contact_name"]:
        errors["contact_name"] = [_("Tối đa %(n)d ký tự.") % {"n": TEXT_LIMITS["contact_name"]}]
    try:
        validate_email(contact.email)
    except DjangoValidationError:
        errors["contact_email"] = [_("Thư điện tử không hợp lệ.")]
    if len(contact.phone) > TEXT_LIMITS["contact_phone"] or any(
        ch not in "0123456789 +-.()" for ch in contact.phone
    ):
        errors["contact_phone"] = [_("Số điện thoại chỉ gồm chữ số, dấu cách, + - . ( ), tối đa 30 ký tự.")]
    if consent is not True:
        errors["consent"] = [_("Cần đồng ý với thông báo xử lý dữ liệu cá nhân để gửi sáng kiến.")]
    return errors


def attachment_errors(files: Sequence[UploadedFile]) -> list[str]:
    """The evidence rules of monitoring (extension and first bytes must agree), with
    tighter limits for anonymous uploads: at most 5 files, 20 MB each, 50 MB in all."""
    return upload_errors(
        files,
        max_files=MAX_ATTACHMENTS,
        max_bytes=MAX_ATTACHMENT_BYTES,
        max_total_bytes=MAX_ATTACHMENTS_TOTAL_BYTES,
    )


def _fingerprint(content: InitiativeContent, contact: Contact, files: Sequence[UploadedFile]) -> str:
    """A hash of everything a registration says, to tell a replay from a different request."""
    file_marks = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        file_marks.append([upload.name, upload.size, digest.hexdigest()])
    material = {
        "content": {
            **asdict(content),
            "expected_results": [
                [r.name, str(r.unit_of_measure), str(r.target), str(r.baseline)]
                for r in content.expected_results
            ],
        },
        "contact": asdict(contact),
        "files": file_marks,
    }
    return hashlib.sha256(
        json.dumps(material, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _replay(key: str, fingerprint: str) -> Initiative | None:
    existing = Initiative.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise Conflict(
            _("Khoá chống gửi trùng (Idempotency-Key) đã được dùng cho một sáng kiến khác."),
            code="idempotency_conflict",
        )
    existing.replayed = True  # type: ignore[attr-defined] # read by the API to answer 200, not 201
    return existing


def _snapshot(initiative: Initiative, clean: _CleanContent) -> dict[str, Any]:
    return {
        "title": initiative.title,
        "problem": initiative.problem,
        "solution": initiative.solution,
        "area": clean.area.code,
        "budget_million_vnd": str(clean.budget),
        "duration_months": clean.duration,
        "lead_organisation": initiative.lead_organisation,
        "team": initiative.team,
        "expected_results": [
            {
                "name": r.name.strip(),
                "unit_of_measure": r.unit_of_measure.strip(),
                "target": str(target),
                "baseline": None if baseline is None else str(baseline),
            }
            for r, target, baseline in clean.results
        ],
    }


def _version_store(
    initiative: Initiative, clean: _CleanContent, files: Sequence[UploadedFile], now: Any
) -> None:
    """The rows of one version: its frozen content, expected results and attachments."""
    InitiativeVersion.objects.create(
        initiative=initiative,
        version=initiative.version,
        content=_snapshot(initiative, clean),
        submitted_at=now,
    )
    ExpectedResult.objects.bulk_create(
        [
            ExpectedResult(
                initiative=initiative,
                version=initiative.version,
                order=index,
                name=r.name.strip(),
                unit_of_measure=r.unit_of_measure.strip(),
                target=target,
                baseline=baseline,
            )
            for index, (r, target, baseline) in enumerate(clean.results, start=1)
        ]
    )
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = Attachment(
            initiative=initiative,
            version=initiative.version,
            original_name=(upload.name or "")[:255],
            size=upload.size or 0,
            content_type=mimetypes.guess_type(upload.name or "")[0] or "application/octet-stream",
            sha256=digest.hexdigest(),
        )
        attachment.file.save(upload.name or "tep-dinh-kem", upload, save=False)
        attachment.save()


def initiative_register(
    *,
    actor: Any,
    content: InitiativeContent,
    contact: Contact,
    consent: bool,
    attachments: Sequence[UploadedFile] = (),
    honeypot: str = "",
    idempotency_key: str | None = None,
    is_demo: bool = False,
) -> Initiative:
    """Register an initiative. Anyone may (no account needed); `actor` is the signed-in
    user or an anonymous one. Returns the initiative with its tracking code. Sending the
    same request again with the same idempotency key returns the first initiative.

    Abuse protection here is a honeypot field and size limits; a per-client rate limit
    belongs in front of this (the shared limiter being built for all intake forms)."""
    if honeypot:
        # Only a robot fills the field people cannot see. Say nothing more specific.
        raise ValidationFailed(_("Không thể tiếp nhận yêu cầu này."))
    fingerprint = _fingerprint(content, contact, attachments)
    if idempotency_key:
        if len(idempotency_key) > 80:
            raise ValidationFailed(
                fields={"idempotency_key": [_("Khoá chống gửi trùng dài tối đa 80 ký tự.")]}
            )
        replay = _replay(idempotency_key, fingerprint)
        if replay is not None:
            return replay
    errors, clean = _content_errors(content)
    errors.update(_contact_errors(contact, consent))
    file_errors = attachment_errors(attachments)
    if file_errors:
        errors["attachments"] = file_errors
    if errors or clean is None:
        raise ValidationFailed(fields=errors)
    user = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    try:
        with transaction.atomic():
            initiative = Initiative.objects.create(
                tracking_code=_unused_tracking_code(),
                title=content.title.strip(),
                problem=content.problem.strip(),
                solution=content.solution.strip(),
                area=clean.area,
                budget_million_vnd=clean.budget,
                duration_months=clean.duration,
                lead_organisation=content.lead_organisation.strip(),
                team=content.team.strip(),
                contact_name=contact.name.strip(),
                contact_email=contact.email.strip(),
                contact_phone=contact.phone.strip(),
                submitted_by=user,
                consent_at=now,
                submitted_at=now,
                idempotency_key=idempotency_key or None,
                request_fingerprint=fingerprint,
                is_demo=is_demo,
            )
            _version_store(initiative, clean, attachments, now)
            audit_record(
                actor=user,
                action=AuditAction.CREATE,
                obj=initiative,
                after={
                    "tracking_code": initiative.tracking_code,
                    "area": clean.area.code,
                    "attachments": len(attachments),
                    "demo": is_demo,
                },
            )
            notices.initiative_received(initiative)
    except IntegrityError:
        # Two copies of one request raced; the other one won. Answer like a replay.
        if idempotency_key:
            replay = _replay(idempotency_key, fingerprint)
            if replay is not None:
                return replay
        raise
    return initiative


def _unused_tracking_code() -> str:
    while True:
        code = tracking_code_new("SK")
        if not Initiative.objects.filter(tracking_code=code).exists():
            return code


def initiative_resubmit(
    *,
    actor: Any,
    tracking_code: str,
    contact_email: str,
    content: InitiativeContent,
    attachments: Sequence[UploadedFile] = (),
) -> Initiative:
    """After the council asked for revision, the submitter sends version n+1 from the
    tracking page. The tracking code and the e-mail given at registration identify them.
    The earlier version, its reviews and the decision stay as they were."""
    code = tracking_code_normalize(tracking_code)
    initiative = Initiative.objects.filter(tracking_code=code).first() if code else None
    if initiative is None or initiative.contact_email.strip().lower() != contact_email.strip().lower():
        # One message for both, so the form does not confirm which codes exist.
        raise ValidationFailed(
            fields={"contact_email": [_("Mã tra cứu và thư điện tử không khớp với sáng kiến nào.")]}
        )
    errors, clean = _content_errors(content)
    file_errors = attachment_errors(attachments)
    if file_errors:
        errors["attachments"] = file_errors
    if errors or clean is None:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
        decision = locked.decisions.filter(version=locked.version).first()
        if (
            locked.status != InitiativeStatus.DECIDED
            or decision is None
            or (decision.outcome != Outcome.NEEDS_REVISION)
        ):
            raise Conflict(_("Chỉ gửi lại được sáng kiến mà Hội đồng yêu cầu hoàn thiện."))
        now = timezone.now()
        before = {"version": locked.version, "status": locked.status}
        locked.version += 1
        locked.status = InitiativeStatus.SUBMITTED
        locked.title, locked.problem = content.title.strip(), content.problem.strip()
        locked.solution, locked.area = content.solution.strip(), clean.area
        locked.budget_million_vnd, locked.duration_months = clean.budget, clean.duration
        locked.lead_organisation, locked.team = content.lead_organisation.strip(), content.team.strip()
        locked.submitted_at, locked.ineligible_reason = now, ""
        locked.screened_by, locked.screened_at = None, None
        locked.save(
            update_fields=[
                "version",
                "status",
                "title",
                "problem",
                "solution",
                "area",
                "budget_million_vnd",
                "duration_months",
                "lead_organisation",
                "team",
                "submitted_at",
                "ineligible_reason",
                "screened_by",
                "screened_at",
                "updated_at",
            ]
        )
        _version_store(locked, clean, attachments, now)
        audit_record(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=AuditAction.UPDATE,
            obj=locked,
            before=before,
            after={"version": locked.version, "status": locked.status, "attachments": len(attachments)},
            reason=_("Gửi lại sau khi Hội đồng yêu cầu hoàn thiện"),
        )
        notices.initiative_received(locked, resubmitted=True)
    return locked
