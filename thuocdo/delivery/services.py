"""Writes for monitoring: plans, tasks and cascades, indicators, progress reports,
review, independent verification and leaders' judgements. Every change is audited."""

import hashlib
import json
import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core import rawsql
from thuocdo.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from thuocdo.core.uploads import upload_errors
from thuocdo.units.models import Unit, UnitLevel

from .models import (
    Assignment,
    AssignmentRole,
    CascadeGroup,
    Colour,
    DashboardPin,
    DeadlineKind,
    Evidence,
    Indicator,
    IndicatorValue,
    Judgement,
    Plan,
    Priority,
    Program,
    Recurrence,
    Report,
    ReportStatus,
    Rollup,
    SampleReason,
    Task,
    Verification,
    VerificationStatus,
)
from .periods import period_start
from .permissions import assignment_policy, plan_policy, task_policy, verification_policy
from .status import StatusFacts, status_thresholds
from .tallies import tally_add

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
slug_re = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_EVIDENCE_FILES = 10
TEXT_LIMIT = 20_000
BIG_JUMP_POINTS = 40
THRESHOLD_FIELDS = ["deadline_on", "late_from", "silent_from", "behind_from", "near_deadline_from"]
COUNTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)  # reports that count toward progress
RANDOM_SAMPLE_PERCENT = 5
MINISTRY_KINDS = ("ministry", "ministry_level_agency")


# --- programmes, plans, tasks ------------------------------------------------------------


def program_create(
    *,
    actor: Any,
    code: str,
    number: str,
    name: str,
    issued_on: date | None = None,
    issuer: str = "",
    description: str = "",
) -> Program:
    if not getattr(actor, "is_superuser", False) and not plan_policy.user_may(actor, "manage"):
        plan_policy.record_denial(actor, "manage", None, None)
        raise PermissionDenied()
    with transaction.atomic():
        program = Program.objects.create(
            code=code, number=number, name=name, issued_on=issued_on, issuer=issuer, description=description
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=program, after={"code": code, "number": number}
        )
    return program


def plan_create(
    *,
    actor: Any,
    program: Program,
    kind: str,
    number: str,
    title: str,
    issuer: Unit,
    issued_on: date | None = None,
    source_text: str = "",
    is_simulated: bool = False,
) -> Plan:
    plan_policy.require(actor, "manage", unit=issuer)
    if Plan.objects.filter(program=program, number=number).exists():
        raise ValidationFailed(fields={"number": [_("Số hiệu văn bản đã có trong chương trình này.")]})
    with transaction.atomic():
        plan = Plan.objects.create(
            program=program,
            kind=kind,
            number=number,
            title=title,
            issuer=issuer,
            issued_on=issued_on,
            source_text=source_text,
            is_simulated=is_simulated,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=plan,
            unit=issuer,
            after={"number": number, "kind": kind, "title": title[:200]},
        )
    return plan


@dataclass(frozen=True)
class TaskSpec:
    """A task as loaded from a form, the API, an Excel row or a data file."""

    code: str
    title: str
    lead_unit: Unit
    deadline_kind: str = DeadlineKind.NONE
    deadline_on: date | None = None
    deadline_text: str = ""
    description: str = ""
    deliverable: str = ""
    cooperating_units: Sequence[Unit] = ()
    start_on: date | None = None
    recurrence: str = Recurrence.MONTHLY
    priority: str = Priority.NORMAL
    group_id: int | None = None
    parent_id: int | None = None
    is_simulated: bool = False
    # False for a task given to a whole group: the lead unit coordinates, the group executes.
    assign_lead: bool = True


def task_spec_errors(spec: TaskSpec) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    limits = {"code": 40, "title": 1000, "deliverable": 1000, "deadline_text": 255}
    for name, limit in limits.items():
        if len(getattr(spec, name)) > limit:
            errors[name] = [_("Tối đa %(n)d ký tự.") % {"n": limit}]
    if not spec.code.strip():
        errors["code"] = [_("Thiếu mã nhiệm vụ.")]
    if not spec.title.strip():
        errors["title"] = [_("Thiếu tên nhiệm vụ.")]
    if spec.deadline_kind not in DeadlineKind.values:
        errors["deadline_kind"] = [_("Loại thời hạn không hợp lệ.")]
    elif spec.deadline_kind in (DeadlineKind.DATE, DeadlineKind.MONTH) and spec.deadline_on is None:
        errors["deadline_on"] = [_("Cần ghi rõ ngày hết hạn.")]
    if spec.start_on and spec.deadline_on and spec.deadline_on < spec.start_on:
        errors["deadline_on"] = [_("Thời hạn không được trước ngày bắt đầu.")]
    if spec.recurrence not in Recurrence.values:
        errors["recurrence"] = [_("Chu kỳ báo cáo không hợp lệ.")]
    if spec.priority not in Priority.values:
        errors["priority"] = [_("Mức ưu tiên không hợp lệ.")]
    if spec.lead_unit in spec.cooperating_units:
        errors["cooperating_units"] = [_("Đơn vị chủ trì không đồng thời là đơn vị phối hợp.")]
    return errors


def task_create(*, actor: Any, plan: Plan, spec: TaskSpec) -> Task:
    """Create a task with its lead and cooperating assignments."""
    if plan.issuer is None:
        _require_root(actor)
    else:
        task_policy.require(actor, "manage", unit=plan.issuer)
    errors = task_spec_errors(spec)
    if Task.objects.filter(plan=plan, code=spec.code.strip()).exists():
        errors.setdefault("code", []).append(_("Mã nhiệm vụ đã có trong văn bản này."))
    if spec.group_id is not None and not plan.groups.filter(pk=spec.group_id).exists():
        errors["group_id"] = [_("Nhóm nhiệm vụ không thuộc văn bản này.")]
    if spec.parent_id is not None and not plan.tasks.filter(pk=spec.parent_id).exists():
        errors["parent_id"] = [_("Nhiệm vụ cha không thuộc văn bản này.")]
    inactive = [u.code for u in [spec.lead_unit, *spec.cooperating_units] if not u.is_active]
    if inactive:
        errors["units"] = [_("Đơn vị không còn hoạt động: %(codes)s") % {"codes": ", ".join(inactive)}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        task = _task_insert(plan, spec)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=task,
            unit=spec.lead_unit,
            after={
                "code": task.code,
                "lead": spec.lead_unit.code,
                "cooperating": [u.code for u in spec.cooperating_units],
                "deadline": str(task.deadline_on or ""),
            },
        )
    return task


def _task_insert(plan: Plan, spec: TaskSpec) -> Task:
    task = Task.objects.create(
        plan=plan,
        code=spec.code.strip(),
        title=spec.title.strip(),
        description=spec.description,
        deliverable=spec.deliverable,
        lead_unit=spec.lead_unit,
        start_on=spec.start_on,
        deadline_kind=spec.deadline_kind,
        deadline_on=spec.deadline_on,
        deadline_text=spec.deadline_text,
        recurrence=spec.recurrence,
        priority=spec.priority,
        group_id=spec.group_id,
        parent_id=spec.parent_id,
        is_simulated=spec.is_simulated,
    )
    task.cooperating_units.set(spec.cooperating_units)
    lead = [Assignment(task=task, unit=spec.lead_unit, role=AssignmentRole.LEAD)] if spec.assign_lead else []
    created = lead + [
        Assignment(task=task, unit=u, role=AssignmentRole.COOPERATE) for u in spec.cooperating_units
    ]
    for assignment in created:
        assignment_set_thresholds(assignment, task)
    Assignment.objects.bulk_create(created)
    return task


def _require_root(actor: Any) -> None:
    if not getattr(actor, "is_superuser", False) and not any(
        s.depth == 0 for s in task_policy.scopes(actor, "manage")
    ):
        task_policy.record_denial(actor, "manage", None, None)
        raise PermissionDenied()


def cascade_units(group: str, within: Unit | None = None) -> Any:
    queryset = Unit.objects.filter(is_active=True)
    if group == CascadeGroup.PROVINCES:
        queryset = queryset.filter(level=UnitLevel.PROVINCE)
    elif group == CascadeGroup.COMMUNES:
        queryset = queryset.filter(level=UnitLevel.COMMUNE)
    elif group == CascadeGroup.MINISTRIES:
        queryset = queryset.filter(level=UnitLevel.CENTRAL, kind__in=MINISTRY_KINDS)
    else:
        raise ValidationFailed(fields={"group": [_("Nhóm đơn vị không hợp lệ.")]})
    if within is not None:
        # "All communes of province X": the units below X, never X itself.
        queryset = queryset.filter(Unit.subtree_q(within.path)).exclude(pk=within.pk)
    return queryset


def task_cascade(*, actor: Any, task: Task, group: str, within: Unit | None = None) -> int:
    """Assign `task` to every unit of a group (all provinces, all communes of a province,
    all communes, all ministries) in one bulk insert. Running it again adds only the units
    that joined the group since; returns how many assignments were created."""
    task_policy.require(actor, "manage", task)
    units = cascade_units(group, within)
    if not units.exists():
        raise ValidationFailed(
            _("Nhóm đơn vị được chọn không có đơn vị nào."), fields={"group": [_("Nhóm trống.")]}
        )
    with transaction.atomic():
        assigned = Assignment.objects.filter(task=task).values("unit_id")
        new_ids = list(units.exclude(pk__in=assigned).values_list("pk", flat=True))
        # Every new assignment starts with the same facts, so with the same thresholds.
        template = Assignment(task=task, role=AssignmentRole.EXECUTE)
        assignment_set_thresholds(template, task)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    task=task,
                    unit_id=unit_id,
                    role=AssignmentRole.EXECUTE,
                    **{name: getattr(template, name) for name in THRESHOLD_FIELDS},
                )
                for unit_id in new_ids
            ],
            batch_size=2000,
        )
        before = {"cascade_group": task.cascade_group, "cascade_within": task.cascade_within_id}
        task.cascade_group, task.cascade_within = group, within
        task.save(update_fields=["cascade_group", "cascade_within", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=task,
            unit=task.lead_unit,
            before=before,
            after={
                "cascade_group": group,
                "cascade_within": within.code if within else None,
                "assignments_created": len(new_ids),
            },
            reason=_("Giao nhiệm vụ hàng loạt"),
        )
    return len(new_ids)


# --- indicators ---------------------------------------------------------------------------


DECIMAL_LIMIT = Decimal(10) ** 14  # the columns hold 18 digits, 4 of them after the point


def _decimal(raw: Any) -> Decimal | None:
    """A number as people type it: "12,5" or "12.5"; None unless finite and storable."""
    if isinstance(raw, bool):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) >= DECIMAL_LIMIT:
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        value = value.quantize(Decimal("0.0001"))  # the columns keep four decimal places
    return value


def _indicator_errors(
    *,
    key: str,
    name: str,
    unit_of_measure: str,
    target: Any,
    baseline: Any,
    rollup: str,
    direction: str,
    trajectory: dict[str, Any] | None,
) -> tuple[dict[str, list[str]], Decimal | None, Decimal | None, dict[str, str]]:
    errors: dict[str, list[str]] = {}
    target_value = _decimal(target)
    baseline_value = _decimal(baseline) if baseline not in (None, "") else None
    if target_value is None:
        errors["target"] = [_("Giá trị mục tiêu phải là số.")]
    if baseline not in (None, "") and baseline_value is None:
        errors["baseline"] = [_("Giá trị cơ sở phải là số.")]
    if rollup not in Rollup.values:
        errors["rollup"] = [_("Cách tổng hợp không hợp lệ.")]
    if direction not in ("higher", "lower"):
        errors["direction"] = [_("Chiều đánh giá không hợp lệ.")]
    if not key.strip() or not name.strip() or not unit_of_measure.strip():
        errors["name"] = [_("Cần mã, tên và đơn vị tính của chỉ tiêu.")]
    else:
        if not slug_re.fullmatch(key) or len(key) > 40:
            errors["key"] = [_("Mã chỉ tiêu gồm chữ thường không dấu, số, gạch ngang (tối đa 40 ký tự).")]
        if len(name) > 500:
            errors["name"] = [_("Tên chỉ tiêu tối đa 500 ký tự.")]
        if len(unit_of_measure) > 50:
            errors["unit_of_measure"] = [_("Đơn vị tính tối đa 50 ký tự.")]
    clean_trajectory: dict[str, str] = {}
    for period, expected in (trajectory or {}).items():
        value = _decimal(expected)
        if value is None:
            errors["trajectory"] = [_("Lộ trình chỉ gồm các giá trị số.")]
            break
        clean_trajectory[str(period)] = str(value)
    return errors, target_value, baseline_value, clean_trajectory


def indicator_define(
    *,
    actor: Any,
    task: Task,
    key: str,
    name: str,
    unit_of_measure: str,
    target: Any,
    rollup: str,
    direction: str = "higher",
    baseline: Any = None,
    target_on: date | None = None,
    trajectory: dict[str, Any] | None = None,
    reason: str = "",
) -> Indicator:
    """Define an indicator, or — when `key` exists — a new version of it. Versions are never
    edited: values keep pointing at the definition they were reported against."""
    task_policy.require(actor, "manage", task)
    errors, target_value, baseline_value, clean_trajectory = _indicator_errors(
        key=key,
        name=name,
        unit_of_measure=unit_of_measure,
        target=target,
        baseline=baseline,
        rollup=rollup,
        direction=direction,
        trajectory=trajectory,
    )
    if errors or target_value is None:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        current = Indicator.objects.select_for_update().filter(task=task, key=key, is_current=True).first()
        version = 1
        before = None
        if current is not None:
            if not reason.strip():
                raise ValidationFailed(fields={"reason": [_("Thay đổi định nghĩa chỉ tiêu cần nêu lý do.")]})
            before = {"version": current.version, "target": str(current.target), "rollup": current.rollup}
            current.is_current = False
            current.save(update_fields=["is_current", "updated_at"])
            version = current.version + 1
        indicator = Indicator.objects.create(
            task=task,
            key=key,
            version=version,
            name=name,
            unit_of_measure=unit_of_measure,
            direction=direction,
            baseline=baseline_value,
            target=target_value,
            target_on=target_on,
            rollup=rollup,
            trajectory=clean_trajectory,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if version == 1 else AuditAction.UPDATE,
            obj=indicator,
            unit=task.lead_unit,
            before=before,
            after={"key": key, "version": version, "target": str(target_value), "rollup": rollup},
            reason=reason,
        )
    return indicator


# --- progress reports ---------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorValueInput:
    key: str
    value: Any
    unit_of_measure: str | None = None


def _evidence_errors(files: Sequence[UploadedFile], links: Sequence[str]) -> list[str]:
    errors = []
    if len(files) + len(links) > MAX_EVIDENCE_FILES:
        errors.append(_("Tối đa %(n)d minh chứng cho một báo cáo.") % {"n": MAX_EVIDENCE_FILES})
    # The count covers files and links together and is checked above.
    errors += upload_errors(files, max_files=len(files), max_bytes=MAX_EVIDENCE_BYTES)
    validate_url = URLValidator(schemes=["http", "https"])
    for link in links:
        if len(link) > 1000:
            errors.append(_("Đường dẫn minh chứng dài quá 1.000 ký tự."))
            continue
        try:
            validate_url(link)
        except DjangoValidationError:
            errors.append(_("Đường dẫn minh chứng không hợp lệ: %(link)s") % {"link": link[:200]})
    return errors


def _values_parse(
    task: Task, values: Sequence[IndicatorValueInput], errors: dict[str, list[str]]
) -> dict[Indicator, Decimal]:
    """Indicator values by indicator; problems are added to `errors` per value."""
    if not values:
        return {}
    indicators = {i.key: i for i in task.indicators.filter(is_current=True)}
    parsed: dict[Indicator, Decimal] = {}
    for item in values:
        indicator = indicators.get(item.key)
        field = f"values.{item.key}"
        if indicator is None:
            errors[field] = [_("Nhiệm vụ không có chỉ tiêu này.")]
            continue
        value = _decimal(item.value)
        if value is None:
            errors[field] = [_("Giá trị phải là số.")]
        elif item.unit_of_measure and item.unit_of_measure.strip() != indicator.unit_of_measure:
            errors[field] = [_("Đơn vị tính phải là %(u)s.") % {"u": indicator.unit_of_measure}]
        elif indicator.unit_of_measure == "%" and not Decimal(0) <= value <= Decimal(100):
            errors[field] = [_("Tỷ lệ phải từ 0 đến 100.")]
        else:
            parsed[indicator] = value
    return parsed


def _report_errors(
    *,
    assignment: Assignment,
    period: date,
    progress: Any,
    texts: dict[str, str],
    values: Sequence[IndicatorValueInput],
    today: date,
) -> tuple[dict[str, list[str]], dict[Indicator, Decimal]]:
    errors: dict[str, list[str]] = {}
    task = assignment.task
    recurrence = task.recurrence
    if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
        errors["progress"] = [_("Tiến độ phải là số nguyên từ 0 đến 100.")]
    if period != period_start(period, recurrence):
        errors["period"] = [_("Kỳ báo cáo phải là ngày đầu tháng (hoặc đầu quý).")]
    else:
        first = period_start(task.start_on or timezone.localdate(assignment.created_at), recurrence)
        if period < first:
            errors["period"] = [_("Kỳ báo cáo trước khi nhiệm vụ bắt đầu.")]
        elif period > period_start(today, recurrence):
            errors["period"] = [_("Không thể báo cáo cho kỳ chưa đến.")]
    for field, text in texts.items():
        if len(text) > TEXT_LIMIT:
            errors[field] = [_("Nội dung quá dài (tối đa %(n)d ký tự).") % {"n": TEXT_LIMIT}]
    parsed = _values_parse(task, values, errors)
    return errors, parsed


class _Denied(Exception):
    """Leaves the submission's transaction when the actor may not report on the assignment
    it locked; the denial is recorded after the rollback."""

    def __init__(self, assignment: Assignment) -> None:
        self.assignment = assignment


def report_submit(
    *,
    actor: Any,
    assignment: Assignment | int,
    period: date,
    progress: Any,
    narrative: str = "",
    obstacles: str = "",
    proposals: str = "",
    values: Sequence[IndicatorValueInput] = (),
    evidence_files: Sequence[UploadedFile] = (),
    evidence_links: Sequence[str] = (),
    idempotency_key: str | None = None,
    is_simulated: bool = False,
    submitted_at: Any = None,
) -> Report:
    """Submit a progress report. A second submission for the same period is a correction:
    a new version supersedes the old one, which stays in the history unchanged. Sending
    the same request again with the same idempotency key returns the first report.

    `assignment` may be an id (the API): the assignment, its task and unit are then read in
    the statement that locks it (NotFound if there is none) and the permission is checked
    there, before anything else is read or written."""
    if isinstance(assignment, int):
        known, assignment_id = None, assignment
    else:
        assignment_policy.require(actor, "report", assignment)
        known, assignment_id = assignment, assignment.pk
    texts = {"narrative": narrative, "obstacles": obstacles, "proposals": proposals}
    fingerprint = _request_fingerprint(
        assignment_id=assignment_id,
        period=period,
        progress=progress,
        texts=texts,
        values=values,
        files=evidence_files,
        links=evidence_links,
    )
    if idempotency_key and len(idempotency_key) > 80:
        raise ValidationFailed(fields={"idempotency_key": [_("Khoá chống gửi trùng dài tối đa 80 ký tự.")]})
    try:
        with transaction.atomic():
            # The replay check comes first, as a retry must get the first answer even if the
            # request would no longer pass; it is read in the statement that takes the lock.
            locked, current, keyed_pk = _assignment_lock(
                assignment_id, period, idempotency_key or None, known
            )
            if known is None and not assignment_policy.user_may(actor, "report", locked):
                raise _Denied(locked)
            if keyed_pk is not None:
                return _replay_of(Report.objects.get(pk=keyed_pk), fingerprint)
            errors, parsed_values = _report_errors(
                assignment=locked,
                period=period,
                progress=progress,
                texts=texts,
                values=values,
                today=timezone.localdate(),
            )
            evidence_errors = _evidence_errors(evidence_files, evidence_links)
            if evidence_errors:
                errors["evidence"] = evidence_errors
            if errors:
                raise ValidationFailed(fields=errors)
            report = _report_insert(
                actor=actor,
                locked=locked,
                current=current,
                period=period,
                progress=progress,
                texts=texts,
                values=parsed_values,
                files=evidence_files,
                links=evidence_links,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                is_simulated=is_simulated,
                submitted_at=submitted_at,
            )
    except _Denied as denied:
        assignment_policy.require(actor, "report", denied.assignment)  # records the denial, raises
        raise  # pragma: no cover - require() raised
    except IntegrityError:
        # Two copies of one request raced; the other one won. Answer like a replay.
        if idempotency_key:
            replay = _idempotent_replay(idempotency_key, fingerprint)
            if replay is not None:
                return replay
        raise
    return report


def _request_fingerprint(
    *,
    assignment_id: int,
    period: date,
    progress: Any,
    texts: dict[str, str],
    values: Sequence[IndicatorValueInput],
    files: Sequence[UploadedFile],
    links: Sequence[str],
) -> str:
    """A hash of everything a report request says, to tell a replay from a different request."""
    file_marks = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        file_marks.append([upload.name, upload.size, digest.hexdigest()])
    material = {
        "assignment": assignment_id,
        "period": str(period),
        "progress": str(progress),
        "texts": texts,
        "values": sorted([v.key, str(v.value), v.unit_of_measure or ""] for v in values),
        "files": file_marks,
        "links": list(links),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _idempotent_replay(key: str, fingerprint: str) -> Report | None:
    existing = next(iter(Report.objects.filter(idempotency_key=key).order_by()[:1]), None)  # unique
    return None if existing is None else _replay_of(existing, fingerprint)


def _replay_of(existing: Report, fingerprint: str) -> Report:
    existing.replayed = True  # type: ignore[attr-defined] # read by the API to answer 200, not 201
    if existing.request_fingerprint != fingerprint:
        raise Conflict(
            _("Khoá chống gửi trùng (Idempotency-Key) đã được dùng cho một báo cáo khác."),
            code="idempotency_conflict",
        )
    return existing


def _report_insert(
    *,
    actor: Any,
    locked: Any,
    current: "_CurrentReport | None",
    period: date,
    progress: int,
    texts: dict[str, str],
    values: dict[Indicator, Decimal],
    files: Sequence[UploadedFile],
    links: Sequence[str],
    idempotency_key: str | None,
    fingerprint: str,
    is_simulated: bool,
    submitted_at: Any,
) -> Report:
    previous_progress = locked.progress
    version, supersedes_id = 1, None
    if current is not None:
        if current.status == ReportStatus.DRAFT:
            Report.objects.filter(pk=current.pk).delete()
        else:
            Report.objects.filter(pk=current.pk).update(is_current=False)
            version, supersedes_id = current.version + 1, current.pk
    replaces_counted = current is not None and current.status in COUNTED
    report = Report(
        assignment=locked,
        period=period,
        version=version,
        supersedes_id=supersedes_id,
        status=ReportStatus.SUBMITTED,
        progress=progress,
        created_by=actor,
        submitted_at=submitted_at or timezone.now(),
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        is_simulated=is_simulated,
        **texts,
    )
    rawsql.insert(report)  # this path runs for every report: a statement built once
    indicator_values = IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(report=report, indicator=indicator, value=value)
            for indicator, value in values.items()
        ]
    )
    evidence = _evidence_store(report, actor, files, links)
    if replaces_counted:
        assignment_refresh_facts(locked)  # a counted report left the set: recount
    else:
        assignment_add_report_facts(locked, report)
    reason = _sample_reason(report, previous_progress, unit_disputed=locked.unit_disputed)
    verifications = [rawsql.insert(Verification(report=report, reason=reason))] if reason else []
    # A new report's rows are all in hand: callers that show it need not read them back.
    _prefetched(report, values=indicator_values, evidence=evidence, verifications=verifications)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=report,
        unit=locked.unit,
        after={
            "period": period.isoformat(),
            "progress": progress,
            "version": version,
            "values": {str(k.pk): str(v) for k, v in values.items()},
            "evidence": len(files) + len(links),
        },
    )
    # The province's tally row is shared by its communes' submissions: it comes last, so
    # its lock is held only until the commit that follows.
    tally_add(
        plan_id=locked.task.plan_id,
        unit=locked.unit,
        assignment_id=locked.pk,
        period=period,
        reports=0 if replaces_counted else 1,
        progress=progress - (current.progress if replaces_counted and current else 0),
    )
    return report


def _prefetched(report: Report, **related: Sequence[Any]) -> None:
    """Fill the report's related-object caches as `prefetch_related` would, with rows this
    transaction has just written, so that `report.values.all()` and the like need no query."""
    cache = report.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        queryset = getattr(report, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset


def _evidence_store(
    report: Report, actor: Any, files: Sequence[UploadedFile], links: Sequence[str]
) -> list[Evidence]:
    stored: list[Evidence] = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence = Evidence(
            report=report,
            original_name=(upload.name or "")[:255],
            size=upload.size or 0,
            content_type=mimetypes.guess_type(upload.name or "")[0] or "application/octet-stream",
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        evidence.file.save(upload.name or "minh-chung", upload, save=False)
        evidence.save()
        stored.append(evidence)
    stored += Evidence.objects.bulk_create(
        [Evidence(report=report, url=link, uploaded_by=actor) for link in links]
    )
    return stored


@dataclass(frozen=True)
class _CurrentReport:
    pk: int
    status: str
    version: int
    progress: int


_LOCK_SQL = """
SELECT {assignment}, {task}, {unit},
    (SELECT keyed.id FROM delivery_report keyed WHERE keyed.idempotency_key = %s LIMIT 1),
    cur.id, cur.status, cur.version, cur.progress,
    EXISTS (
        SELECT 1 FROM delivery_verification v
        JOIN delivery_report vr ON vr.id = v.report_id
        JOIN delivery_assignment va ON va.id = vr.assignment_id
        WHERE va.unit_id = a.unit_id AND v.status = '{disputed}'
    )
FROM delivery_assignment a
JOIN delivery_task t ON t.id = a.task_id
JOIN units_unit u ON u.id = a.unit_id
LEFT JOIN delivery_report cur ON cur.assignment_id = a.id AND cur.period = %s AND cur.is_current
WHERE a.id = %s
{lock}
"""


@cache
def _lock_sql(vendor: str) -> str:
    return _LOCK_SQL.format(
        assignment=rawsql.columns(Assignment, "a"),
        task=rawsql.columns(Task, "t"),
        unit=rawsql.columns(Unit, "u"),
        lock="FOR UPDATE OF a" if connection.features.has_select_for_update_of else "",
        disputed=VerificationStatus.DISPUTED.value,  # a constant: the same plan serves every call
    )


def _assignment_lock(
    assignment_id: int, period: date, idempotency_key: str | None, known: Assignment | None
) -> tuple[Any, _CurrentReport | None, int | None]:
    """Lock the assignment and read, in the same statement, its facts afresh, its task and
    unit, its current report of `period` (if any), whether a report of its unit was ever
    found untrue (`unit_disputed`, for sampling) and the report already made with
    `idempotency_key` (if any, of any assignment). When the caller `known`s the assignment,
    its task and unit objects are kept.

    The statement is written out (core.rawsql) because this path runs for every report:
    the ORM took longer to compile it than PostgreSQL takes to run it."""
    sql = _lock_sql(connection.vendor)
    params = [
        idempotency_key,
        connection.ops.adapt_datefield_value(period),
        assignment_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    locked, index = rawsql.instance(Assignment, row)
    task, index = rawsql.instance(Task, row, index)
    unit, index = rawsql.instance(Unit, row, index)
    keyed_pk, current_pk, current_status, current_version, current_progress, unit_disputed = row[index:]
    locked.task, locked.unit = (known.task, known.unit) if known is not None else (task, unit)
    locked.unit_disputed = bool(unit_disputed)  # type: ignore[attr-defined] # read by sampling
    if current_pk is None:
        return locked, None, keyed_pk
    return locked, _CurrentReport(current_pk, current_status, current_version, current_progress), keyed_pk


def _sample_reason(report: Report, previous_progress: int, *, unit_disputed: bool) -> str:
    """Risk-based sampling for independent verification, plus a small random share."""
    if report.progress == 100:
        return SampleReason.COMPLETION_CLAIM
    if report.progress - previous_progress >= BIG_JUMP_POINTS:
        return SampleReason.BIG_JUMP
    if unit_disputed:
        return SampleReason.DISPUTE_HISTORY
    if int(hashlib.sha256(f"sample:{report.pk}".encode()).hexdigest(), 16) % 100 < RANDOM_SAMPLE_PERCENT:
        return SampleReason.RANDOM
    return ""


def assignment_set_thresholds(
    assignment: Assignment, task: Task | None = None, created_on: date | None = None
) -> None:
    """Derive the stored status thresholds from the assignment's facts (not saved here)."""
    task = task or assignment.task
    created = created_on or (
        timezone.localdate(assignment.created_at) if assignment.created_at else timezone.localdate()
    )
    thresholds = status_thresholds(
        StatusFacts(
            start_on=task.start_on or created,
            task_start_on=task.start_on,
            deadline_on=task.deadline_on,
            recurrence=task.recurrence,
            progress=assignment.progress,
            last_period=assignment.last_period,
            completed_on=assignment.completed_on,
            disputed=assignment.disputed,
            has_reports=assignment.reports_submitted > 0,
        )
    )
    assignment.deadline_on = task.deadline_on
    assignment.late_from, assignment.silent_from = thresholds.late_from, thresholds.silent_from
    assignment.behind_from, assignment.near_deadline_from = (
        thresholds.behind_from,
        thresholds.near_deadline_from,
    )


def assignments_refresh_thresholds(*, assignments: Iterable[Assignment], batch_size: int = 5000) -> int:
    """Recompute and store thresholds in bulk (after a task's dates change or a bulk load),
    `batch_size` assignments in memory at a time."""
    batch: list[Assignment] = []
    count = 0
    for assignment in assignments:
        assignment_set_thresholds(assignment)
        batch.append(assignment)
        if len(batch) >= batch_size:
            count += rawsql.update_many(batch, THRESHOLD_FIELDS)
            batch.clear()
    return count + rawsql.update_many(batch, THRESHOLD_FIELDS)


def assignment_refresh_facts(assignment: Assignment) -> Assignment:
    """Recompute the assignment's facts from its counted reports and their verification."""
    reports = list(
        Report.objects.filter(assignment=assignment, is_current=True, status__in=COUNTED).order_by("period")
    )
    disputed_ids = set(
        Verification.objects.filter(
            report__in=[r.pk for r in reports], status=VerificationStatus.DISPUTED
        ).values_list("report_id", flat=True)
    )
    latest = reports[-1] if reports else None
    completion = next((r for r in reports if r.progress == 100 and r.pk not in disputed_ids), None)
    assignment.progress = latest.progress if latest else 0
    assignment.last_period = latest.period if latest else None
    assignment.last_report_at = max((r.submitted_at for r in reports if r.submitted_at), default=None)
    assignment.reports_submitted = len(reports)
    assignment.completed_on = (
        timezone.localdate(completion.submitted_at) if completion and completion.submitted_at else None
    )
    assignment.disputed = latest is not None and latest.pk in disputed_ids
    return _facts_save(assignment)


def assignment_add_report_facts(assignment: Assignment, report: Report) -> Assignment:
    """The facts once `report`, a new counted report, joins the assignment's counted
    reports, when no counted report left them: the same result as
    `assignment_refresh_facts`, computed from the stored facts without reading the other
    reports. The assignment must be locked (select_for_update) and its facts current."""
    if report.progress == 100 and assignment.completed_on is not None:
        # Which claim completes it depends on the periods of both: recount.
        return assignment_refresh_facts(assignment)
    if assignment.last_period is None or report.period > assignment.last_period:
        # The new report is the latest; it has no finding yet, so it is not disputed.
        assignment.progress, assignment.last_period, assignment.disputed = (
            report.progress,
            report.period,
            False,
        )
    if report.submitted_at and (
        assignment.last_report_at is None or report.submitted_at > assignment.last_report_at
    ):
        assignment.last_report_at = report.submitted_at
    assignment.reports_submitted += 1
    if report.progress == 100 and report.submitted_at:
        assignment.completed_on = timezone.localdate(report.submitted_at)
    return _facts_save(assignment)


FACT_FIELDS = (
    "progress",
    "last_period",
    "last_report_at",
    "reports_submitted",
    "completed_on",
    "disputed",
    *THRESHOLD_FIELDS,
)


def _facts_save(assignment: Assignment) -> Assignment:
    assignment_set_thresholds(assignment)
    rawsql.update(assignment, FACT_FIELDS)  # after every report: a statement built once
    return assignment


def report_review(*, actor: Any, report: Report, accept: bool, reason: str = "") -> Report:
    """The level above accepts a submitted report, or returns it with a reason."""
    assignment = report.assignment
    if not assignment_policy.user_may_review(actor, assignment):
        assignment_policy.record_denial(actor, "review", assignment, None)
        raise PermissionDenied()
    if report.status != ReportStatus.SUBMITTED or not report.is_current:
        raise Conflict(_("Chỉ báo cáo đang chờ xem xét mới được tiếp nhận hoặc trả lại."))
    if not accept and not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Trả lại báo cáo cần nêu lý do.")]})
    with transaction.atomic():
        report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
        report.reviewed_by, report.reviewed_at, report.return_reason = actor, timezone.now(), reason.strip()
        report.save(update_fields=["status", "reviewed_by", "reviewed_at", "return_reason"])
        if not accept:  # a returned report stops counting
            tally_add(
                plan_id=assignment.task.plan_id,
                unit=assignment.unit,
                assignment_id=assignment.pk,
                period=report.period,
                reports=-1,
                progress=-report.progress,
            )
        assignment_refresh_facts(Assignment.objects.select_for_update().get(pk=assignment.pk))
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=report,
            unit=assignment.unit,
            before={"status": ReportStatus.SUBMITTED},
            after={"status": report.status},
            reason=reason,
        )
    return report


# --- verification and judgement -------------------------------------------------------------


def verification_request(*, actor: Any, report: Report, reason: str = SampleReason.MANUAL) -> Verification:
    """Put a submitted report in the verification queue by hand."""
    verification_policy.require(actor, "verify", unit=report.assignment.unit)
    if report.status not in COUNTED:
        raise Conflict(_("Chỉ kiểm tra được báo cáo đã gửi."))
    with transaction.atomic():
        verification, created = Verification.objects.get_or_create(report=report, defaults={"reason": reason})
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=verification,
                unit=report.assignment.unit,
                after={"report": report.pk, "reason": reason},
            )
    return verification


def verification_decide(*, actor: Any, verification: Verification, status: str, note: str) -> Verification:
    """Record the verifier's finding. A disputed report no longer counts as the unit claims."""
    verification_policy.require(actor, "verify", verification)
    if status not in (VerificationStatus.CONFIRMED, VerificationStatus.DISPUTED):
        raise ValidationFailed(fields={"status": [_("Kết quả kiểm tra phải là xác nhận hoặc bác bỏ.")]})
    if status == VerificationStatus.DISPUTED and not note.strip():
        raise ValidationFailed(fields={"note": [_("Bác bỏ kết quả cần ghi rõ căn cứ.")]})
    with transaction.atomic():
        before = {"status": verification.status}
        verification.status, verification.note = status, note.strip()
        verification.verifier, verification.decided_at = actor, timezone.now()
        verification.save(update_fields=["status", "note", "verifier", "decided_at"])
        assignment = Assignment.objects.select_for_update().get(pk=verification.report.assignment_id)
        assignment_refresh_facts(assignment)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=verification,
            unit=assignment.unit,
            before=before,
            after={"status": status},
            reason=note,
        )
    return verification


def judgement_record(*, actor: Any, assignment: Assignment, colour: str, reason: str) -> Judgement:
    """A leader's own judgement, kept beside the computed status (never replacing it)."""
    assignment_policy.require(actor, "judge", assignment)
    if colour not in Colour.values:
        raise ValidationFailed(fields={"colour": [_("Màu đánh giá phải là xanh, vàng hoặc đỏ.")]})
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Đánh giá cần nêu lý do.")]})
    with transaction.atomic():
        judgement = Judgement.objects.create(
            assignment=assignment, colour=colour, reason=reason.strip(), judged_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=judgement,
            unit=assignment.unit,
            after={"colour": colour},
            reason=reason,
        )
    return judgement


def units_of(codes: Iterable[str]) -> list[Unit]:
    codes = list(codes)
    found = {u.code: u for u in Unit.objects.filter(code__in=codes, is_active=True)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            fields={"units": [_("Không có đơn vị mã %(codes)s.") % {"codes": ", ".join(missing)}]}
        )
    return [found[c] for c in codes]


def dashboard_pin_add(*, actor: Any, unit: Unit, indicator: Indicator) -> DashboardPin:
    """A unit's leaders and administrators choose what its dashboard shows first."""
    assignment_policy.require(actor, "review", unit=unit)
    existing = DashboardPin.objects.filter(unit=unit, indicator=indicator).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        pin = DashboardPin.objects.create(
            unit=unit,
            indicator=indicator,
            pinned_by=actor,
            order=DashboardPin.objects.filter(unit=unit).count(),
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=pin, unit=unit, after={"indicator": indicator.pk}
        )
    return pin


def dashboard_pin_remove(*, actor: Any, pin: DashboardPin) -> None:
    assignment_policy.require(actor, "review", unit=pin.unit)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=pin,
            unit=pin.unit,
            before={"indicator": pin.indicator_id},
        )
        pin.delete()
