"""Demo data for `make run`: Resolution 57 with the real tasks of conclusion notice
05-TB/BCĐTW (from data/05-TB-BCDTW.toml), loaded through the services, then a
deterministic simulated history of reports so that dashboards show a realistic mix.

The history is a data load, not user actions: it is written in bulk, every report is
marked `is_simulated` (the UI says so), and the load is one audit event.
"""

import hashlib
import random
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from thuocdo.accounts.models import User
from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.units.models import Unit

from .models import (
    Assignment,
    Plan,
    Program,
    Report,
    ReportStatus,
    SampleReason,
    TaskGroup,
    Verification,
    VerificationStatus,
)
from .periods import next_period, period_end, period_start
from .services import (
    TaskSpec,
    assignments_refresh_thresholds,
    indicator_define,
    plan_create,
    program_create,
    task_cascade,
    task_create,
)
from .tallies import tallies_rebuild

DATA_FILE = Path(__file__).parent / "data" / "05-TB-BCDTW.toml"
HISTORY_START = date(2025, 7, 1)
SIMULATION_USERNAME = "du-lieu-mo-phong"

# A few indicators, so dashboards can show KPIs: (task code, key, name, unit, target, rollup).
DEMO_INDICATORS = [
    ("05.4a-X", "tthc-truc-tuyen", "Tỷ lệ thủ tục hành chính trực tuyến toàn trình", "%", 80, "mean"),
    ("05.4a-X", "ho-so-so-hoa", "Số hồ sơ được số hoá", "hồ sơ", 1000, "sum"),
    ("05.3d.2-X", "cb-dao-tao-cds", "Tỷ lệ cán bộ được đào tạo kỹ năng số", "%", 100, "share_meeting_target"),
]


def _stable_random(*parts: str) -> random.Random:
    seed = int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:16], 16)
    return random.Random(seed)  # noqa: S311 - simulation, not security


def monitoring_demo_load(*, actor: User, notify: Callable[[str], None] = lambda _m: None) -> Plan:
    """Load the programme and plan through the services; returns the existing plan if loaded."""
    existing = Plan.objects.filter(number="05-TB/BCĐTW").first()
    if existing is not None:
        return existing
    with DATA_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    units = {u.code: u for u in Unit.objects.filter(level="central")}
    program = Program.objects.filter(code="nq57").first() or program_create(
        actor=actor,
        code="nq57",
        number="57-NQ/TW",
        issued_on=date(2024, 12, 22),
        issuer="Bộ Chính trị",
        name="Nghị quyết về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
    )
    meta = data["plan"]
    plan = plan_create(
        actor=actor,
        program=program,
        kind=meta["kind"],
        number=meta["number"],
        title=meta["title"],
        issuer=units[meta["issuer"]],
        issued_on=meta["issued_on"],
    )
    groups = {}
    for order, group in enumerate(data["group"]):
        groups[group["code"]] = TaskGroup.objects.create(
            plan=plan, code=group["code"], name=group["name"], order=order
        )
    coordinator = units["VPTW"]
    for item in data["task"]:
        cascade = item.get("cascade", "")
        spec = TaskSpec(
            code=item["code"],
            title=item["title"],
            description=item.get("description", ""),
            deliverable=item.get("deliverable", ""),
            lead_unit=units[item["lead"]] if item["lead"] else coordinator,
            cooperating_units=[units[c] for c in item.get("cooperating", [])],
            start_on=meta["issued_on"],
            deadline_kind=item["deadline_kind"],
            deadline_on=item.get("deadline_on"),
            deadline_text=item.get("deadline_text", ""),
            recurrence=item.get("recurrence", "monthly"),
            priority=item.get("priority", "normal"),
            group_id=groups[item["group"]].pk,
            assign_lead=not cascade,
        )
        task = task_create(actor=actor, plan=plan, spec=spec)
        if cascade:
            task_cascade(actor=actor, task=task, group=cascade)
    notify(f"  {len(data['task'])} nhiệm vụ của {plan.number}")
    for code, key, name, unit_of_measure, target, rollup in DEMO_INDICATORS:
        indicator_task = plan.tasks.filter(code=code).first()
        if indicator_task is not None:
            indicator_define(
                actor=actor,
                task=indicator_task,
                key=key,
                name=name,
                unit_of_measure=unit_of_measure,
                target=target,
                rollup=rollup,
                target_on=date(2026, 12, 31),
            )
    return plan


@dataclass
class _Profile:
    kind: str
    final_progress: int
    stop_periods_ago: int  # 0: reported up to the last period


def _profile_for(assignment: Assignment, rng: random.Random, today: date) -> _Profile:
    deadline = assignment.task.deadline_on
    if deadline is not None and deadline < today:
        kind = rng.choices(["on_time", "late_done", "overdue"], weights=[60, 15, 25])[0]
    else:
        kind = rng.choices(["diligent", "late", "silent", "done"], weights=[70, 12, 8, 10])[0]
    final = 100 if kind in ("on_time", "late_done", "done") else rng.randint(20, 90)
    stop = {"late": 1, "silent": rng.randint(2, 4)}.get(kind, 0)
    return _Profile(kind, final, stop)


def _simulate_assignment(
    assignment: Assignment, plan: Plan, author: User, today: date, last_period: date
) -> list[Report]:
    """The monthly reports of one assignment, following a profile drawn from a seed that
    depends only on the plan, task and unit codes (the same history on every machine)."""
    rng = _stable_random(plan.number, assignment.task.code, assignment.unit.code)
    profile = _profile_for(assignment, rng, today)
    periods = []
    current = max(HISTORY_START, period_start(assignment.task.start_on or HISTORY_START, "monthly"))
    while current <= last_period:
        periods.append(current)
        current = next_period(current, "monthly")
    if profile.stop_periods_ago:
        periods = periods[: max(0, len(periods) - profile.stop_periods_ago)]
    deadline = assignment.task.deadline_on
    if profile.kind in ("on_time", "late_done", "done") and periods:
        finish = deadline or periods[-1]
        if profile.kind == "late_done" and deadline:
            finish = deadline + timedelta(days=rng.randint(20, 90))
        finish_period = period_start(min(finish, last_period), "monthly")
        periods = [p for p in periods if p <= finish_period] or periods[:1]
    tz = timezone.get_current_timezone()
    reports, progress = [], 0
    for index, period in enumerate(periods):
        remaining = len(periods) - index
        step = (profile.final_progress - progress) // remaining + rng.randint(-3, 6)
        target = profile.final_progress if remaining == 1 else progress + max(0, step)
        progress = max(progress, min(target, profile.final_progress, 100))
        day = period_end(period, "monthly") + timedelta(days=rng.randint(1, 4))
        if progress == 100 and deadline and profile.kind == "late_done":
            day = max(day, deadline + timedelta(days=rng.randint(5, 30)))
        if progress == 100 and deadline and profile.kind == "on_time":
            day = min(day, deadline)
        reports.append(
            Report(
                assignment=assignment,
                period=period,
                progress=progress,
                status=ReportStatus.SUBMITTED,
                created_by=author,
                is_simulated=True,
                submitted_at=datetime.combine(min(day, today), time(9, rng.randint(0, 59)), tzinfo=tz),
                narrative="Báo cáo mô phỏng: đã hoàn thành sản phẩm đầu ra."
                if progress == 100
                else "Báo cáo mô phỏng: đơn vị triển khai theo kế hoạch.",
                obstacles="Thiếu nhân lực có kỹ năng số." if rng.random() < 0.2 else "",
            )
        )
    return reports


def monitoring_history_simulate(*, plan: Plan, today: date | None = None) -> int:
    """Write a deterministic simulated history of monthly reports for every assignment of
    the plan that has none yet, and the matching assignment facts. Returns reports written."""
    today = today or timezone.localdate()
    author, _created = User.objects.get_or_create(
        username=SIMULATION_USERNAME, defaults={"full_name": "Dữ liệu mô phỏng", "is_active": False}
    )
    last_period = period_start(period_start(today, "monthly") - timedelta(days=1), "monthly")
    assignments = list(
        Assignment.objects.filter(task__plan=plan, reports_submitted=0).select_related("task", "unit")
    )
    reports: list[Report] = []
    completions: list[tuple[Assignment, date]] = []
    for assignment in assignments:
        written = _simulate_assignment(assignment, plan, author, today, last_period)
        reports.extend(written)
        if written:
            last = written[-1]
            assignment.progress, assignment.last_period = last.progress, last.period
            assignment.last_report_at, assignment.reports_submitted = last.submitted_at, len(written)
            if last.progress == 100 and last.submitted_at is not None:
                completions.append((assignment, timezone.localdate(last.submitted_at)))
    with transaction.atomic():
        Report.objects.bulk_create(reports, batch_size=2000)
        disputed: set[int] = set()
        verifications = []
        latest_by_assignment = {r.assignment.pk: r for r in reports}
        for assignment, finished in completions:
            report = latest_by_assignment[assignment.pk]
            rng = _stable_random("verify", assignment.task.code, assignment.unit.code)
            roll = rng.random()
            status = (
                VerificationStatus.CONFIRMED
                if roll < 0.7
                else VerificationStatus.DISPUTED
                if roll < 0.8
                else VerificationStatus.PENDING
            )
            verifications.append(
                Verification(
                    report_id=report.pk,
                    reason=SampleReason.COMPLETION_CLAIM,
                    status=status,
                    note="Mô phỏng: minh chứng chưa thể hiện sản phẩm hoàn thành."
                    if status == VerificationStatus.DISPUTED
                    else "",
                    decided_at=report.submitted_at + timedelta(days=7)
                    if status != VerificationStatus.PENDING and report.submitted_at
                    else None,
                )
            )
            if status == VerificationStatus.DISPUTED:
                disputed.add(assignment.pk)
                assignment.disputed = True
            else:
                assignment.completed_on = finished
        Verification.objects.bulk_create(verifications, batch_size=2000)
        Assignment.objects.bulk_update(
            assignments,
            ["progress", "last_period", "last_report_at", "reports_submitted", "completed_on", "disputed"],
            batch_size=2000,
        )
        assignments_refresh_thresholds(
            assignments=Assignment.objects.filter(task__plan=plan).select_related("task")
        )
        tallies_rebuild(plan=plan)
        audit_record(
            actor=None,
            action=AuditAction.DATA_LOAD,
            object_type="delivery.report",
            object_repr=f"simulated history {plan.number}",
            after={"reports": len(reports), "assignments": len(assignments), "disputed": len(disputed)},
            reason="seed_monitoring_demo",
        )
    return len(reports)


def simulation_present() -> bool:
    return Report.objects.filter(is_simulated=True).exists()


__all__ = ["monitoring_demo_load", "monitoring_history_simulate", "simulation_present"]
