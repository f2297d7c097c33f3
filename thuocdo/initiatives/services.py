"""Writes for breakthrough initiatives: registration and resubmission (public), screening,
expert assignment, conflict declarations and scores, the council decision, and the task a
selected initiative becomes. Every change is audited; contact data never goes into the
audit log (it is append-only, so personal data there could never be erased)."""

import hashlib
import json
import mimetypes
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.accounts.models import Role, RoleAssignment
from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import Conflict, ValidationFailed
from thuocdo.core.tracking import tracking_code_new, tracking_code_normalize
from thuocdo.delivery.models import DeadlineKind, Plan, PlanKind, Priority, Program, Recurrence, Rollup, Task
from thuocdo.delivery.services import (
    EVIDENCE_SIGNATURES,
    TaskSpec,
    indicator_define,
    plan_create,
    task_create,
)
from thuocdo.units.models import Unit
from thuocdo.units.selectors import unit_root

from .models import (
    Attachment,
    ConflictStatus,
    CouncilDecision,
    ExpectedResult,
    Initiative,
    InitiativeStatus,
    InitiativeVersion,
    Outcome,
    Review,
    ReviewScore,
    ReviewStatus,
    Rubric,
    RubricCriterion,
    StrategicArea,
)
from .permissions import initiative_policy, reference_data_policy, review_policy

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DATA_DIR = Path(__file__).resolve().parent / "data"
MIN_REVIEWS = 2  # a council decision needs at least this many submitted reviews without conflict
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS_TOTAL_BYTES = 50 * 1024 * 1024
MAX_EXPECTED_RESULTS = 10
MAX_DURATION_MONTHS = 120
BUDGET_LIMIT = Decimal(10) ** 12  # million VND; the column holds 13 digits before the point
DECIMAL_LIMIT = Decimal(10) ** 14
SCORE_MIN, SCORE_MAX = 0, 10
TEXT_LIMITS = {
    "title": 300,
    "problem": 20_000,
    "solution": 20_000,
    "lead_organisation": 300,
    "team": 5_000,
    "contact_name": 150,
    "contact_phone": 30,
}
DECISION_TEXT_LIMIT = 20_000
# Selected initiatives go, unless the council names another plan, into this plan of the
# first programme, issued by the root and created the first time it is needed.
SELECTED_PLAN_NUMBER = "SKĐP/BCĐTW"
SELECTED_PLAN_TITLE = "Danh mục sáng kiến đột phá được Hội đồng xét chọn lựa chọn"


# --- reference data: strategic areas and rubrics ---------------------------------------------


def strategic_areas_load(*, path: Path | None = None) -> dict[str, int]:
    """Load the areas from the TOML file: matched by code, names updated, areas missing
    from the file deactivated (never deleted). A second run changes nothing."""
    data = tomllib.loads((path or DATA_DIR / "strategic_areas.toml").read_text(encoding="utf-8"))
    records = data.get("area", [])
    codes = [str(r.get("code", "")) for r in records]
    if len(set(codes)) != len(codes) or any(not c for c in codes):
        raise ValidationFailed(fields={"area": [_("Mã lĩnh vực bị trùng hoặc để trống.")]})
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    with transaction.atomic():
        existing = {a.code: a for a in StrategicArea.objects.select_for_update()}
        for record in records:
            values = {
                "name": str(record["name"]),
                "description": str(record.get("description", "")),
                "order": int(record.get("order", 0)),
                "is_active": True,
            }
            area = existing.get(record["code"])
            if area is None:
                StrategicArea.objects.create(code=record["code"], **values)
                counts["created"] += 1
            elif any(getattr(area, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(area, name, value)
                area.save(update_fields=[*values, "updated_at"])
                counts["updated"] += 1
        gone = StrategicArea.objects.filter(is_active=True).exclude(code__in=codes)
        counts["deactivated"] = gone.update(is_active=False)
        if any(counts.values()):
            audit_record(
                actor=None,
                action=AuditAction.DATA_LOAD,
                object_type="initiatives.strategicarea",
                object_repr="strategic_areas.toml",
                after=counts,
                reason="load_initiative_data",
            )
    return counts


@dataclass(frozen=True)
class CriterionInput:
    code: str
    name: str
    weight: int
    description: str = ""
    order: int = 0


def rubric_errors(criteria: Sequence[CriterionInput]) -> dict[str, list[str]]:
    """Weights are whole percentages that sum to exactly 100; codes are unique slugs."""
    errors: dict[str, list[str]] = {}
    if not criteria:
        errors["criteria"] = [_("Bộ tiêu chí cần ít nhất một tiêu chí.")]
        return errors
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        errors["criteria"] = [_("Mã tiêu chí bị trùng.")]
    for criterion in criteria:
        if not SLUG.fullmatch(criterion.code) or len(criterion.code) > 40:
            errors.setdefault("criteria", []).append(
                _("Mã tiêu chí %(code)s chỉ gồm chữ thường không dấu, số, gạch ngang.")
                % {"code": criterion.code}
            )
        if not criterion.name.strip():
            errors.setdefault("criteria", []).append(_("Tiêu chí cần có tên."))
        if isinstance(criterion.weight, bool) or not isinstance(criterion.weight, int):
            errors["weights"] = [_("Trọng số phải là số nguyên.")]
        elif not 0 < criterion.weight <= 100:
            errors["weights"] = [_("Mỗi trọng số phải lớn hơn 0 và không quá 100.")]
    if "weights" not in errors:
        total = sum(c.weight for c in criteria)
        if total != 100:
            errors["weights"] = [_("Tổng trọng số phải bằng 100 (hiện là %(total)d).") % {"total": total}]
    return errors


def rubric_save(
    *,
    actor: Any,
    name: str,
    criteria: Sequence[CriterionInput],
    is_active: bool = True,
    rubric: Rubric | None = None,
) -> Rubric:
    """Create a rubric, or change one no review was scored against yet. Activating it
    retires the rubric that was active."""
    if actor is not None:
        reference_data_policy.require(actor, "change")
    errors = rubric_errors(criteria)
    if not name.strip() or len(name) > 200:
        errors["name"] = [_("Tên bộ tiêu chí từ 1 đến 200 ký tự.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if rubric is not None and rubric.pk and Review.objects.filter(rubric=rubric).exists():
        raise Conflict(_("Bộ tiêu chí đã được dùng để chấm điểm; hãy tạo bộ tiêu chí mới thay thế."))
    with transaction.atomic():
        if is_active:
            others = Rubric.objects.filter(is_active=True)
            if rubric is not None and rubric.pk is not None:
                others = others.exclude(pk=rubric.pk)
            others.update(is_active=False)
        rubric = rubric if rubric is not None else Rubric()
        created = rubric.pk is None
        rubric.name, rubric.is_active = name.strip(), is_active
        if created:
            rubric.save()
        else:
            rubric.save(update_fields=["name", "is_active", "updated_at"])
            rubric.criteria.all().delete()
        RubricCriterion.objects.bulk_create(
            [
                RubricCriterion(
                    rubric=rubric,
                    code=c.code,
                    name=c.name.strip(),
                    description=c.description,
                    weight=c.weight,
                    order=c.order or index,
                )
                for index, c in enumerate(criteria, start=1)
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=rubric,
            after={"active": is_active, "weights": {c.code: c.weight for c in criteria}},
        )
    return rubric


def rubric_default_load(*, path: Path | None = None) -> Rubric | None:
    """Create the default rubric from its TOML file when no rubric exists yet."""
    if Rubric.objects.exists():
        return None
    data = tomllib.loads((path or DATA_DIR / "default_rubric.toml").read_text(encoding="utf-8"))
    criteria = [
        CriterionInput(
            code=str(c["code"]),
            name=str(c["name"]),
            weight=int(c["weight"]),
            description=str(c.get("description", "")),
            order=index,
        )
        for index, c in enumerate(data.get("criterion", []), start=1)
    ]
    return rubric_save(actor=None, name=str(data["name"]), criteria=criteria)


def strategic_area_save(
    *, actor: Any, area: StrategicArea, name: str, description: str, order: int, is_active: bool
) -> StrategicArea:
    """An edit from the admin; a new area gets its code once, and the code never changes."""
    reference_data_policy.require(actor, "change")
    if area.pk is None and (not SLUG.fullmatch(area.code or "") or len(area.code) > 40):
        raise ValidationFailed(fields={"code": [_("Mã chỉ gồm chữ thường không dấu, số, gạch ngang.")]})
    if not name.strip() or len(name) > 200:
        raise ValidationFailed(fields={"name": [_("Tên lĩnh vực từ 1 đến 200 ký tự.")]})
    with transaction.atomic():
        created = area.pk is None
        area.name, area.description, area.order, area.is_active = name.strip(), description, order, is_active
        if created:
            area.save()
        else:
            area.save(update_fields=["name", "description", "order", "is_active", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=area,
            after={"code": area.code, "name": area.name, "active": is_active},
        )
    return area


# --- registration ----------------------------------------------------------------------------


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
    errors: list[str] = []
    if len(files) > MAX_ATTACHMENTS:
        errors.append(_("Tối đa %(n)d tệp đính kèm.") % {"n": MAX_ATTACHMENTS})
    total = 0
    for upload in files:
        name = upload.name or ""
        extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        signatures = EVIDENCE_SIGNATURES.get(extension)
        if signatures is None:
            errors.append(
                _("Tệp %(name)s: chỉ nhận PDF, ảnh PNG/JPEG, Word, Excel, OpenDocument.") % {"name": name}
            )
            continue
        size = upload.size or 0
        total += size
        if upload.size is None or size > MAX_ATTACHMENT_BYTES:
            errors.append(_("Tệp %(name)s vượt quá 20 MB.") % {"name": name})
            continue
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(signature) for signature in signatures):
            errors.append(_("Tệp %(name)s không đúng định dạng như phần mở rộng.") % {"name": name})
    if total > MAX_ATTACHMENTS_TOTAL_BYTES:
        errors.append(_("Tổng dung lượng tệp đính kèm vượt quá 50 MB."))
    return errors


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
    return locked


# --- screening and expert assignment ------------------------------------------------------------


def _locked(initiative: Initiative) -> Initiative:
    return Initiative.objects.select_for_update().select_related("area").get(pk=initiative.pk)


def _transition(
    actor: Any, initiative: Initiative, to: str, *, reason: str = "", extra: dict[str, Any] | None = None
) -> None:
    before = initiative.status
    initiative.status = to
    initiative.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=initiative,
        before={"status": before},
        after={"status": to, **(extra or {})},
        reason=reason,
    )


def initiative_screening_start(*, actor: Any, initiative: Initiative) -> Initiative:
    """The Standing Office takes a submitted initiative into eligibility screening."""
    initiative_policy.require(actor, "screen", initiative)
    with transaction.atomic():
        locked = _locked(initiative)
        if locked.status != InitiativeStatus.SUBMITTED:
            raise Conflict(_("Chỉ sáng kiến mới tiếp nhận mới được đưa vào xét điều kiện."))
        _transition(actor, locked, InitiativeStatus.SCREENING)
    return locked


def initiative_screen(*, actor: Any, initiative: Initiative, eligible: bool, reason: str = "") -> Initiative:
    """The eligibility finding: eligible goes to expert review; ineligible needs a reason,
    which the submitter sees on the tracking page."""
    initiative_policy.require(actor, "screen", initiative)
    reason = reason.strip()
    if not eligible and not reason:
        raise ValidationFailed(fields={"reason": [_("Cần nêu lý do không đủ điều kiện.")]})
    if len(reason) > 5000:
        raise ValidationFailed(fields={"reason": [_("Tối đa %(n)d ký tự.") % {"n": 5000}]})
    with transaction.atomic():
        locked = _locked(initiative)
        if locked.status != InitiativeStatus.SCREENING:
            raise Conflict(_("Sáng kiến không ở bước xét điều kiện."))
        locked.ineligible_reason = "" if eligible else reason
        locked.screened_by, locked.screened_at = actor, timezone.now()
        locked.save(update_fields=["ineligible_reason", "screened_by", "screened_at", "updated_at"])
        _transition(
            actor,
            locked,
            InitiativeStatus.IN_REVIEW if eligible else InitiativeStatus.INELIGIBLE,
            reason=reason,
        )
    return locked


def is_expert(user: Any) -> bool:
    return RoleAssignment.objects.filter(user_id=user.pk, role=Role.EXPERT, unit__is_active=True).exists()


def review_assign(*, actor: Any, initiative: Initiative, expert: Any) -> Review:
    """Assign an expert to review the current version. The expert must hold the expert
    role, must not be the submitter, and is assigned at most once per version."""
    initiative_policy.require(actor, "assign", initiative)
    if expert is None or not expert.is_active or not is_expert(expert):
        raise ValidationFailed(fields={"expert": [_("Người được chọn không phải chuyên gia.")]})
    if initiative.submitted_by_id is not None and initiative.submitted_by_id == expert.pk:
        raise ValidationFailed(fields={"expert": [_("Người đăng ký sáng kiến không thể tự thẩm định.")]})
    with transaction.atomic():
        locked = _locked(initiative)
        if locked.status not in (InitiativeStatus.IN_REVIEW, InitiativeStatus.REVIEWED):
            raise Conflict(_("Chỉ phân công chuyên gia khi sáng kiến đang thẩm định."))
        if Review.objects.filter(initiative=locked, version=locked.version, expert=expert).exists():
            raise ValidationFailed(fields={"expert": [_("Chuyên gia này đã được phân công.")]})
        review = Review.objects.create(
            initiative=locked,
            version=locked.version,
            expert=expert,
            assigned_by=actor,
            assigned_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=review,
            after={"initiative": locked.pk, "version": locked.version, "expert": expert.get_username()},
        )
        if locked.status == InitiativeStatus.REVIEWED:
            _transition(actor, locked, InitiativeStatus.IN_REVIEW, reason=_("Phân công thêm chuyên gia"))
    return review


def _require_reviewer(actor: Any, review: Review) -> Initiative:
    review_policy.require(actor, "review", review)
    initiative = _locked(review.initiative)
    if initiative.status != InitiativeStatus.IN_REVIEW or review.version != initiative.version:
        raise Conflict(_("Sáng kiến không còn ở bước thẩm định."))
    return initiative


def _close_round_if_done(actor: Any, initiative: Initiative) -> None:
    """When every assigned expert has submitted or declared a conflict, and at least two
    scored, the round is reviewed and ready for the council."""
    reviews = Review.objects.filter(initiative=initiative, version=initiative.version)
    submitted = reviews.filter(status=ReviewStatus.SUBMITTED).count()
    pending = reviews.filter(status=ReviewStatus.ASSIGNED).exists()
    if submitted >= MIN_REVIEWS and not pending:
        _transition(actor, initiative, InitiativeStatus.REVIEWED)


def review_declare_conflict(*, actor: Any, review: Review, has_conflict: bool, note: str = "") -> Review:
    """The expert declares, before scoring, whether they have a conflict of interest. With
    one they cannot score; the office assigns another expert."""
    note = note.strip()
    if has_conflict and not note:
        raise ValidationFailed(fields={"note": [_("Cần nêu rõ xung đột lợi ích.")]})
    if len(note) > 5000:
        raise ValidationFailed(fields={"note": [_("Tối đa %(n)d ký tự.") % {"n": 5000}]})
    with transaction.atomic():
        initiative = _require_reviewer(actor, review)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.conflict != ConflictStatus.UNDECLARED:
            raise Conflict(_("Đã khai báo xung đột lợi ích cho phiếu này."))
        locked.conflict = ConflictStatus.CONFLICT if has_conflict else ConflictStatus.NONE
        locked.conflict_note, locked.declared_at = note, timezone.now()
        if has_conflict:
            locked.status = ReviewStatus.CONFLICT
        locked.save(update_fields=["conflict", "conflict_note", "declared_at", "status"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"conflict": ConflictStatus.UNDECLARED},
            after={"conflict": locked.conflict},
            reason=note,
        )
        if has_conflict:
            _close_round_if_done(actor, initiative)
    return locked


def rubric_active() -> Rubric:
    rubric = Rubric.objects.filter(is_active=True).prefetch_related("criteria").first()
    if rubric is None:
        raise Conflict(_("Chưa có bộ tiêu chí chấm điểm đang áp dụng."))
    return rubric


def review_submit(*, actor: Any, review: Review, scores: Mapping[str, Any], comment: str = "") -> Review:
    """Score every criterion of the active rubric from 0 to 10. The total is the weighted
    sum on a scale of 100. A submitted review is final."""
    rubric = rubric_active()
    criteria = list(rubric.criteria.all())
    errors: dict[str, list[str]] = {}
    clean: dict[int, int] = {}
    known = {c.code for c in criteria}
    for code in scores:
        if code not in known:
            errors[f"scores.{code}"] = [_("Không có tiêu chí này.")]
    for criterion in criteria:
        raw = scores.get(criterion.code)
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int) or not SCORE_MIN <= raw <= SCORE_MAX:
            errors[f"scores.{criterion.code}"] = [_("Điểm là số nguyên từ 0 đến 10.")]
        else:
            clean[criterion.pk] = raw
    if len(comment) > DECISION_TEXT_LIMIT:
        errors["comment"] = [_("Tối đa %(n)d ký tự.") % {"n": DECISION_TEXT_LIMIT}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        initiative = _require_reviewer(actor, review)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status == ReviewStatus.SUBMITTED:
            raise Conflict(_("Phiếu chấm đã nộp, không sửa được."))
        if locked.conflict != ConflictStatus.NONE:
            raise Conflict(_("Cần khai báo không có xung đột lợi ích trước khi chấm điểm."))
        total = (sum(Decimal(clean[c.pk] * c.weight) for c in criteria) / Decimal(10)).quantize(
            Decimal("0.01")
        )
        ReviewScore.objects.bulk_create(
            [ReviewScore(review=locked, criterion=c, weight=c.weight, score=clean[c.pk]) for c in criteria]
        )
        locked.rubric, locked.total, locked.comment = rubric, total, comment.strip()
        locked.status, locked.submitted_at = ReviewStatus.SUBMITTED, timezone.now()
        locked.save(update_fields=["rubric", "total", "comment", "status", "submitted_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"status": ReviewStatus.ASSIGNED},
            after={"status": ReviewStatus.SUBMITTED, "total": str(total)},
        )
        _close_round_if_done(actor, initiative)
    return locked


# --- the council decision and the monitored task ----------------------------------------------------


def review_round_score(initiative: Initiative) -> tuple[Decimal | None, int]:
    """The mean of the submitted reviews' totals for the current version, and their count."""
    row = Review.objects.filter(
        initiative=initiative, version=initiative.version, status=ReviewStatus.SUBMITTED
    ).aggregate(mean=Avg("total"), count=Count("pk"))
    mean = row["mean"]
    return (None if mean is None else Decimal(mean).quantize(Decimal("0.01"))), int(row["count"])


def _selected_plan(actor: Any) -> Plan:
    """The plan selected initiatives go into by default, under the first programme."""
    program = Program.objects.order_by("pk").first()
    if program is None:
        raise ValidationFailed(
            fields={"plan": [_("Chưa có chương trình nào để đưa nhiệm vụ vào; hãy chọn một kế hoạch.")]}
        )
    plan = Plan.objects.filter(program=program, number=SELECTED_PLAN_NUMBER).first()
    if plan is not None:
        return plan
    return plan_create(
        actor=actor,
        program=program,
        kind=PlanKind.DECISION,
        number=SELECTED_PLAN_NUMBER,
        title=SELECTED_PLAN_TITLE,
        issuer=unit_root(),
        issued_on=timezone.localdate(),
    )


def _task_from_initiative(
    *, actor: Any, initiative: Initiative, unit: Unit, plan: Plan, start_on: date
) -> Task:
    """The selected initiative as a task of `plan`, led by `unit`, due when its duration
    ends, with its measurable expected results as the task's indicators."""
    deadline = start_on + relativedelta(months=initiative.duration_months) - timedelta(days=1)
    results = list(initiative.expected_results.filter(version=initiative.version))
    public_path = reverse("initiatives:public_detail", args=[initiative.pk])
    description = "\n\n".join(
        [
            _("Sáng kiến đột phá được Hội đồng xét chọn lựa chọn (xem %(path)s).") % {"path": public_path},
            _("Vấn đề: %(text)s") % {"text": initiative.problem},
            _("Giải pháp: %(text)s") % {"text": initiative.solution},
            _("Tổ chức đề xuất: %(org)s") % {"org": initiative.lead_organisation},
        ]
    )
    deliverable = "; ".join(f"{r.name}: {r.target.normalize():f} {r.unit_of_measure}" for r in results)
    spec = TaskSpec(
        code=f"SK-{initiative.pk}",
        title=initiative.title,
        lead_unit=unit,
        deadline_kind=DeadlineKind.DATE,
        deadline_on=deadline,
        deadline_text=_("%(n)d tháng kể từ ngày Hội đồng lựa chọn") % {"n": initiative.duration_months},
        description=description,
        deliverable=deliverable[:1000],
        start_on=start_on,
        recurrence=Recurrence.MONTHLY,
        priority=Priority.HIGH,
        is_simulated=False,
    )
    task = task_create(actor=actor, plan=plan, spec=spec)
    for index, result in enumerate(results, start=1):
        indicator_define(
            actor=actor,
            task=task,
            key=f"ket-qua-{index}",
            name=result.name,
            unit_of_measure=result.unit_of_measure,
            target=result.target,
            baseline=result.baseline,
            target_on=deadline,
            rollup=Rollup.SUM,
        )
    return task


def _decision_errors(
    *, outcome: str, texts: dict[str, str], meeting_on: date, responsible_unit: Unit | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Quyết định phải là lựa chọn, không lựa chọn hoặc cần hoàn thiện.")]
    for name, text in texts.items():
        if len(text) > DECISION_TEXT_LIMIT:
            errors[name] = [_("Tối đa %(n)d ký tự.") % {"n": DECISION_TEXT_LIMIT}]
    if not texts["reasons"].strip():
        errors["reasons"] = [_("Cần nêu lý do của quyết định.")]
    if not texts["minutes_summary"].strip():
        errors["minutes_summary"] = [_("Cần tóm tắt biên bản họp Hội đồng.")]
    if meeting_on > timezone.localdate():
        errors["meeting_on"] = [_("Ngày họp không được sau hôm nay.")]
    if outcome == Outcome.SELECTED:
        if responsible_unit is None:
            errors["responsible_unit"] = [_("Cần chọn đơn vị chủ trì thực hiện sáng kiến.")]
        elif not responsible_unit.is_active:
            errors["responsible_unit"] = [_("Đơn vị không còn hoạt động.")]
    return errors


def initiative_decide(
    *,
    actor: Any,
    initiative: Initiative,
    outcome: str,
    reasons: str,
    minutes_summary: str,
    minutes: str = "",
    meeting_on: date | None = None,
    responsible_unit: Unit | None = None,
    plan: Plan | None = None,
) -> CouncilDecision:
    """Record the council's decision on the current version; it is published at once. It
    needs at least two submitted reviews without conflict; reviews still outstanding are
    withdrawn. A selected initiative becomes a task of `plan` (by default the plan of
    selected initiatives) led by `responsible_unit`, with its expected results as
    indicators, in the same transaction."""
    initiative_policy.require(actor, "decide", initiative)
    meeting_on = meeting_on or timezone.localdate()
    errors = _decision_errors(
        outcome=outcome,
        texts={"reasons": reasons, "minutes_summary": minutes_summary, "minutes": minutes},
        meeting_on=meeting_on,
        responsible_unit=responsible_unit,
    )
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = _locked(initiative)
        if locked.status not in (InitiativeStatus.IN_REVIEW, InitiativeStatus.REVIEWED):
            raise Conflict(_("Sáng kiến chưa qua thẩm định hoặc đã có quyết định."))
        mean, counted = review_round_score(locked)
        if counted < MIN_REVIEWS or mean is None:
            raise ValidationFailed(
                fields={
                    "reviews": [
                        _("Cần ít nhất %(n)d phiếu chấm đã nộp, không có xung đột lợi ích (hiện có %(k)d).")
                        % {"n": MIN_REVIEWS, "k": counted}
                    ]
                }
            )
        withdrawn = Review.objects.filter(
            initiative=locked, version=locked.version, status=ReviewStatus.ASSIGNED
        ).update(status=ReviewStatus.WITHDRAWN)
        target_plan = None
        if outcome == Outcome.SELECTED:
            assert responsible_unit is not None  # checked above  # noqa: S101
            target_plan = plan or _selected_plan(actor)
            task = _task_from_initiative(
                actor=actor,
                initiative=locked,
                unit=responsible_unit,
                plan=target_plan,
                start_on=timezone.localdate(),
            )
            locked.task = task
            locked.save(update_fields=["task", "updated_at"])
        decision = CouncilDecision.objects.create(
            initiative=locked,
            version=locked.version,
            outcome=outcome,
            reasons=reasons.strip(),
            minutes_summary=minutes_summary.strip(),
            minutes=minutes.strip(),
            meeting_on=meeting_on,
            aggregated_score=mean,
            reviews_counted=counted,
            responsible_unit=responsible_unit if outcome == Outcome.SELECTED else None,
            plan=target_plan,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=decision,
            unit=decision.responsible_unit,
            after={
                "initiative": locked.pk,
                "version": locked.version,
                "outcome": outcome,
                "score": str(mean),
                "reviews": counted,
                "withdrawn": withdrawn,
                "task": locked.task_id,
            },
            reason=reasons.strip()[:2000],
        )
        _transition(actor, locked, InitiativeStatus.DECIDED, extra={"outcome": outcome})
    return decision
