"""Monitoring endpoints (/api/v1/monitoring). Plans, tasks, indicators, assignments' status
and scorecards are public; reports, review, verification and judgements need a token or a
session and are checked by the services and scoped by the selectors. Thin: parse, call one
service or selector, render."""

from typing import Any, Literal

from django.db.models import F, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params import HeaderEx, P

from thuocdo.core.errors import NotFound, ValidationFailed
from thuocdo.units.models import Unit, UnitLevel
from thuocdo.units.selectors import unit_get

from . import selectors, services
from .models import Evidence, Indicator, Report, Task, Verification, VerificationStatus
from .permissions import verification_policy
from .schemas import (
    AssignmentFilters,
    AssignmentOut,
    CascadeIn,
    CascadeOut,
    IndicatorIn,
    IndicatorOut,
    IndicatorRollupOut,
    JudgementIn,
    JudgementOut,
    PlanDetailOut,
    PlanOut,
    ReportIn,
    ReportOut,
    ReportUploadIn,
    ReportValueIn,
    ReviewIn,
    ScorecardOut,
    TaskIn,
    TaskOut,
    VerificationDecideIn,
    VerificationQueueItem,
)

router = Router(tags=["Theo dõi, đánh giá"])

IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        max_length=80,
        description="Gửi lại cùng khoá sẽ nhận lại đúng báo cáo đã tạo, không tạo bản thứ hai",
    ),
]


# --- lookups by id (404 when missing) ------------------------------------------------------------


def _task_get(task_id: int) -> Task:
    task = Task.objects.select_related("plan__issuer", "lead_unit", "group").filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    return task


def _report_get(report_id: int) -> Report:
    report = (
        Report.objects.select_related("assignment__unit", "assignment__task").filter(pk=report_id).first()
    )
    if report is None:
        raise NotFound()
    return report


def _verification_get(verification_id: int) -> Verification:
    verification = (
        Verification.objects.select_related("report__assignment__unit", "report__assignment__task")
        .filter(pk=verification_id)
        .first()
    )
    if verification is None:
        raise NotFound()
    return verification


def _units(codes: list[str], field: str) -> list[Unit]:
    """Units named by code in a request body; unknown codes are an error on that field."""
    try:
        return services.units_of(codes)
    except ValidationFailed as error:
        raise ValidationFailed(fields={field: [m for msgs in error.fields.values() for m in msgs]}) from error


# --- plans and tasks ---------------------------------------------------------------------------


@router.get("/plans", response=list[PlanOut], auth=None, summary="Danh sách kế hoạch, văn bản chỉ đạo")
@paginate(LimitOffsetPagination)
def plan_list(request: HttpRequest) -> object:
    # A total order, so that pages neither repeat nor skip plans.
    return selectors.plan_list().order_by(F("issued_on").desc(nulls_last=True), "number", "pk")


@router.get("/plans/{plan_id}", response=PlanDetailOut, auth=None, summary="Chi tiết kế hoạch")
def plan_detail(request: HttpRequest, plan_id: int) -> object:
    return selectors.plan_get(plan_id=plan_id)


@router.get("/plans/{plan_id}/tasks", response=list[TaskOut], auth=None, summary="Nhiệm vụ của kế hoạch")
@paginate(LimitOffsetPagination)
def task_list(request: HttpRequest, plan_id: int) -> object:
    plan = selectors.plan_get(plan_id=plan_id)
    return selectors.task_list(plan=plan).prefetch_related("cooperating_units")


@router.post("/plans/{plan_id}/tasks", response={201: TaskOut}, summary="Thêm nhiệm vụ vào kế hoạch")
def task_create(request: HttpRequest, plan_id: int, payload: TaskIn) -> object:
    plan = selectors.plan_get(plan_id=plan_id)
    [lead_unit] = _units([payload.lead_unit], "lead_unit")
    spec = services.TaskSpec(
        code=payload.code,
        title=payload.title,
        lead_unit=lead_unit,
        cooperating_units=_units(payload.cooperating_units, "cooperating_units"),
        deadline_kind=payload.deadline_kind,
        deadline_on=payload.deadline_on,
        deadline_text=payload.deadline_text,
        description=payload.description,
        deliverable=payload.deliverable,
        start_on=payload.start_on,
        recurrence=payload.recurrence,
        priority=payload.priority,
        group_id=payload.group_id,
        parent_id=payload.parent_id,
        assign_lead=payload.assign_lead,
    )
    return Status(201, services.task_create(actor=request.user, plan=plan, spec=spec))


@router.post("/tasks/{task_id}/cascade", response=CascadeOut, summary="Giao nhiệm vụ cho cả nhóm đơn vị")
def task_cascade(request: HttpRequest, task_id: int, payload: CascadeIn) -> object:
    task = _task_get(task_id)
    within = _units([payload.within], "within")[0] if payload.within else None
    created = services.task_cascade(actor=request.user, task=task, group=payload.group, within=within)
    return {"created": created}


# --- indicators --------------------------------------------------------------------------------


@router.get(
    "/tasks/{task_id}/indicators", response=list[IndicatorOut], auth=None, summary="Chỉ tiêu của nhiệm vụ"
)
def indicator_list(request: HttpRequest, task_id: int, history: bool = False) -> object:
    """The current definition of each indicator; with `history=true`, every version."""
    task = _task_get(task_id)
    indicators: QuerySet[Indicator] = task.indicators.all()
    if not history:
        indicators = indicators.filter(is_current=True)
    return indicators.order_by("key", "-version")


@router.post(
    "/tasks/{task_id}/indicators",
    response={201: IndicatorOut},
    summary="Định nghĩa chỉ tiêu, hoặc phiên bản mới của chỉ tiêu đã có",
)
def indicator_define(request: HttpRequest, task_id: int, payload: IndicatorIn) -> object:
    task = _task_get(task_id)
    indicator = services.indicator_define(
        actor=request.user,
        task=task,
        key=payload.key,
        name=payload.name,
        unit_of_measure=payload.unit_of_measure,
        target=payload.target,
        rollup=payload.rollup,
        direction=payload.direction,
        baseline=payload.baseline,
        target_on=payload.target_on,
        trajectory=payload.trajectory,
        reason=payload.reason,
    )
    return Status(201, indicator)


# --- assignments (public) ---------------------------------------------------------------------


@router.get(
    "/assignments", response=list[AssignmentOut], auth=None, summary="Giao nhiệm vụ và trạng thái (công khai)"
)
@paginate(LimitOffsetPagination)
def assignment_list(request: HttpRequest, filters: Query[AssignmentFilters]) -> object:
    assignments = selectors.with_status(
        selectors.scoped_assignments(
            within=unit_get(code=filters.unit) if filters.unit else None,
            plan=selectors.plan_get(plan_id=filters.plan) if filters.plan else None,
            task=_task_get(filters.task) if filters.task else None,
        )
    )
    if filters.status:
        assignments = assignments.filter(status_code=filters.status)
    if filters.colour:
        assignments = assignments.filter(colour_code=filters.colour)
    return assignments.select_related("unit", "task").order_by("task__plan_id", "task__code", "unit__path")


@router.get(
    "/assignments/{assignment_id}", response=AssignmentOut, auth=None, summary="Một giao nhiệm vụ (công khai)"
)
def assignment_detail(request: HttpRequest, assignment_id: int) -> object:
    return selectors.assignment_get(assignment_id=assignment_id)


# --- reports --------------------------------------------------------------------------------------


def _evidence_out(evidence: Evidence) -> dict[str, Any]:
    is_file = bool(evidence.file)
    return {
        "id": evidence.pk,
        "kind": "file" if is_file else "link",
        "name": evidence.original_name if is_file else evidence.url,
        "url": reverse("delivery:evidence", args=[evidence.pk]) if is_file else evidence.url,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "description": evidence.description,
        "uploaded_at": evidence.uploaded_at,
    }


def _verification_out(verification: Verification, *, show_note: bool) -> dict[str, Any]:
    return {
        "id": verification.pk,
        "reason": verification.reason,
        "status": verification.status,
        "drawn_at": verification.drawn_at,
        "decided_at": verification.decided_at,
        "note": verification.note if show_note else None,
    }


def _report_out(report: Report, *, show_notes: bool) -> dict[str, Any]:
    """A report with its values and evidence. Verification notes are internal to the
    verifiers: they appear only when `show_notes`."""
    verification = next(iter(report.verifications.all()), None)
    values = sorted(report.values.all(), key=lambda v: v.indicator.key)
    return {
        "id": report.pk,
        "assignment_id": report.assignment_id,
        "period": report.period,
        "version": report.version,
        "is_current": report.is_current,
        "supersedes_id": report.supersedes_id,
        "status": report.status,
        "progress": report.progress,
        "narrative": report.narrative,
        "obstacles": report.obstacles,
        "proposals": report.proposals,
        "submitted_at": report.submitted_at,
        "reviewed_at": report.reviewed_at,
        "return_reason": report.return_reason,
        "values": [
            {
                "key": v.indicator.key,
                "name": v.indicator.name,
                "indicator_version": v.indicator.version,
                "unit_of_measure": v.indicator.unit_of_measure,
                "value": v.value,
            }
            for v in values
        ],
        "evidence": [_evidence_out(e) for e in report.evidence.all()],
        "verification": _verification_out(verification, show_note=show_notes) if verification else None,
    }


def _may_see_notes(request: HttpRequest, unit: Unit) -> bool:
    return verification_policy.user_may_in_unit(request.user, "view", unit)


def _fresh_report_out(request: HttpRequest, report: Report, unit: Unit) -> dict[str, Any]:
    prefetch_related_objects([report], "values__indicator", "evidence", "verifications")
    return _report_out(report, show_notes=_may_see_notes(request, unit))


@router.get(
    "/assignments/{assignment_id}/reports",
    response=list[ReportOut],
    summary="Lịch sử báo cáo của một giao nhiệm vụ (trong phạm vi được xem)",
)
def report_list(request: HttpRequest, assignment_id: int) -> object:
    assignment = selectors.assignment_get(assignment_id=assignment_id)
    show_notes = _may_see_notes(request, assignment.unit)
    return [
        _report_out(report, show_notes=show_notes)
        for report in selectors.report_history(actor=request.user, assignment=assignment)
    ]


def _report_submit(
    request: HttpRequest,
    *,
    assignment_id: int,
    payload: ReportIn | ReportUploadIn,
    values: list[ReportValueIn],
    files: list[UploadedFile],
    idempotency_key: str | None,
) -> Status[dict[str, Any]]:
    report = services.report_submit(
        actor=request.user,
        assignment=assignment_id,
        period=payload.period,
        progress=payload.progress,
        narrative=payload.narrative,
        obstacles=payload.obstacles,
        proposals=payload.proposals,
        values=[
            services.IndicatorValueInput(key=v.key, value=v.value, unit_of_measure=v.unit) for v in values
        ],
        evidence_files=files,
        evidence_links=payload.evidence_links,
        idempotency_key=idempotency_key or None,
    )
    # A replay answers 200 with the report the key first created, a new report 201.
    status = 200 if getattr(report, "replayed", False) else 201
    return Status(status, _fresh_report_out(request, report, report.assignment.unit))


@router.post(
    "/assignments/{assignment_id}/reports",
    response={200: ReportOut, 201: ReportOut},
    summary="Gửi báo cáo tiến độ (JSON)",
)
def report_submit(
    request: HttpRequest, assignment_id: int, payload: ReportIn, idempotency_key: IdempotencyKey = None
) -> object:
    return _report_submit(
        request,
        assignment_id=assignment_id,
        payload=payload,
        values=payload.values,
        files=[],
        idempotency_key=idempotency_key,
    )


@router.post(
    "/assignments/{assignment_id}/reports/upload",
    response={200: ReportOut, 201: ReportOut},
    summary="Gửi báo cáo tiến độ kèm tệp minh chứng (multipart)",
)
def report_upload(
    request: HttpRequest,
    assignment_id: int,
    payload: Form[ReportUploadIn],
    files: File[list[UploadedFile]],
    idempotency_key: IdempotencyKey = None,
) -> object:
    return _report_submit(
        request,
        assignment_id=assignment_id,
        payload=payload,
        values=payload.values or [],
        files=files,
        idempotency_key=idempotency_key,
    )


@router.post("/reports/{report_id}/review", response=ReportOut, summary="Tiếp nhận hoặc trả lại báo cáo")
def report_review(request: HttpRequest, report_id: int, payload: ReviewIn) -> object:
    report = services.report_review(
        actor=request.user,
        report=_report_get(report_id),
        accept=payload.decision == "accept",
        reason=payload.reason,
    )
    return _fresh_report_out(request, report, report.assignment.unit)


# --- verification and judgement -----------------------------------------------------------------


class VerificationFilters(Schema):
    status: VerificationStatus = VerificationStatus.PENDING


@router.get(
    "/verifications",
    response=list[VerificationQueueItem],
    summary="Danh sách kiểm tra độc lập (kiểm tra viên)",
)
@paginate(LimitOffsetPagination)
def verification_list(request: HttpRequest, filters: Query[VerificationFilters]) -> object:
    verification_policy.require(request.user, "view")
    return selectors.verification_queue(actor=request.user, status=filters.status)


@router.post(
    "/verifications/{verification_id}", response=VerificationQueueItem, summary="Ghi kết luận kiểm tra"
)
def verification_decide(request: HttpRequest, verification_id: int, payload: VerificationDecideIn) -> object:
    return services.verification_decide(
        actor=request.user,
        verification=_verification_get(verification_id),
        status=payload.status,
        note=payload.note,
    )


@router.post(
    "/reports/{report_id}/verification",
    response=VerificationQueueItem,
    summary="Đưa báo cáo vào danh sách kiểm tra độc lập",
)
def verification_request(request: HttpRequest, report_id: int) -> object:
    report = _report_get(report_id)
    verification = services.verification_request(actor=request.user, report=report)
    verification.report = report
    return verification


@router.post(
    "/assignments/{assignment_id}/judgements",
    response={201: JudgementOut},
    summary="Ghi đánh giá của lãnh đạo",
)
def judgement_record(request: HttpRequest, assignment_id: int, payload: JudgementIn) -> object:
    assignment = selectors.assignment_get(assignment_id=assignment_id)
    judgement = services.judgement_record(
        actor=request.user, assignment=assignment, colour=payload.colour, reason=payload.reason
    )
    return Status(201, judgement)


# --- scorecards -------------------------------------------------------------------------------------


class PlanFilter(Schema):
    plan: int | None = None


@router.get(
    "/scorecards/{unit_code}", response=ScorecardOut, auth=None, summary="Bảng điểm của đơn vị (công khai)"
)
def scorecard_detail(request: HttpRequest, unit_code: str, filters: Query[PlanFilter]) -> object:
    return selectors.unit_scorecard(
        unit=unit_get(code=unit_code),
        plan=selectors.plan_get(plan_id=filters.plan) if filters.plan else None,
    )


class LeagueFilters(PlanFilter):
    level: Literal["province", "ministry"] = "province"


LEAGUE_LEVELS = {"province": UnitLevel.PROVINCE, "ministry": UnitLevel.CENTRAL}


@router.get(
    "/league", response=list[ScorecardOut], auth=None, summary="Bảng xếp hạng tỉnh hoặc bộ, ngành (công khai)"
)
def league_table(request: HttpRequest, filters: Query[LeagueFilters]) -> object:
    return selectors.league_table(
        level=LEAGUE_LEVELS[filters.level],
        plan=selectors.plan_get(plan_id=filters.plan) if filters.plan else None,
    )


class RollupFilter(Schema):
    within: str | None = None


@router.get(
    "/indicators/{indicator_id}/rollup",
    response=IndicatorRollupOut,
    auth=None,
    summary="Giá trị tổng hợp của chỉ tiêu trên một cây đơn vị (công khai)",
)
def indicator_rollup(request: HttpRequest, indicator_id: int, filters: Query[RollupFilter]) -> object:
    indicator = Indicator.objects.select_related("task").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound()
    result = selectors.indicator_rollup(
        indicator=indicator, within=unit_get(code=filters.within) if filters.within else None
    )
    return {
        "indicator_id": indicator.pk,
        "key": indicator.key,
        "name": indicator.name,
        "unit_of_measure": indicator.unit_of_measure,
        "rollup": indicator.rollup,
        "target": indicator.target,
        "value": result.value,
        "units_reporting": result.units_reporting,
        "units_assigned": result.units_assigned,
        "meets_target": result.meets_target,
    }
