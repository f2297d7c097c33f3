"""The status of an assignment: one set of rules, written twice on purpose.

`assignment_status()` applies the rules to one assignment in Python (clear, and tested
with property-based tests). `annotate_status()` applies the same rules as SQL
expressions, so that dashboards count colours over hundreds of thousands of assignments
inside the database at request time. A test proves the two agree on random cases.

The rules (docs/status-rules.md explains them for users):

1. Completed (a report of 100% that was not disputed): done on time if completed on or
   before the deadline, else done late.
2. Past the deadline and not completed: overdue.
3. A report disputed by a verifier: at risk (red) — the claimed progress does not hold.
4. Silent (no report for two or more due periods): at risk (red) — a blind spot.
5. Late (the last due period not reported), behind the expected trajectory by more than
   TRAJECTORY_TOLERANCE points, or less than NEAR_DEADLINE_PROGRESS % done within
   NEAR_DEADLINE_DAYS of the deadline: at risk (amber).
6. No report yet and none due: not started (green).
7. Otherwise: on track (green).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import Case, CharField, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractQuarter, ExtractYear, TruncDate
from django.utils.translation import gettext_lazy as _

NEAR_DEADLINE_DAYS = 14
NEAR_DEADLINE_PROGRESS = 80
TRAJECTORY_TOLERANCE = 20
REPORT_GRACE_DAYS = 5
SILENT_PERIODS = 2


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa bắt đầu")
    ON_TRACK = "on_track", _("Đúng tiến độ")
    AT_RISK = "at_risk", _("Có nguy cơ chậm")
    OVERDUE = "overdue", _("Quá hạn")
    DONE_ON_TIME = "done_on_time", _("Hoàn thành đúng hạn")
    DONE_LATE = "done_late", _("Hoàn thành muộn")


class Reason(models.TextChoices):
    DISPUTED = "disputed", _("Kết quả bị bác bỏ khi kiểm tra")
    SILENT = "silent", _("Không báo cáo từ hai kỳ trở lên")
    LATE = "late", _("Chậm báo cáo kỳ gần nhất")
    BEHIND = "behind", _("Chậm so với lộ trình")
    NEAR_DEADLINE = "near_deadline", _("Sắp đến hạn, khối lượng còn nhiều")


@dataclass(frozen=True)
class StatusFacts:
    """What the rules look at, for one assignment."""

    start_on: date  # the task's start, or the day the unit was assigned it: periods count from here
    task_start_on: date | None  # the task's own start: the trajectory needs it
    deadline_on: date | None
    recurrence: str  # "monthly", "quarterly" or "none"
    progress: int
    last_period: date | None
    completed_on: date | None
    disputed: bool
    has_reports: bool


@dataclass(frozen=True)
class StatusResult:
    status: str
    colour: str
    reason: str = ""


def period_index(day: date, recurrence: str) -> int:
    """Months or quarters counted from year 0, so that differences count periods."""
    if recurrence == "quarterly":
        return day.year * 4 + (day.month - 1) // 3
    return day.year * 12 + day.month - 1


def latest_due_period_index(today: date, recurrence: str) -> int:
    """The newest period whose report is due by today (period end + grace days)."""
    grace_ago = today - timedelta(days=REPORT_GRACE_DAYS)
    return period_index(grace_ago, recurrence) - 1


def missed_periods(facts: StatusFacts, today: date) -> int:
    recurrence = "monthly" if facts.recurrence == "none" else facts.recurrence
    due = latest_due_period_index(today, recurrence)
    if facts.last_period is not None:
        return max(0, due - period_index(facts.last_period, recurrence))
    return max(0, due - period_index(facts.start_on, recurrence) + 1)


def expected_progress(start_on: date | None, deadline_on: date | None, today: date) -> int:
    """Linear trajectory from 0 % at the task's start to 100 % at its deadline (0 without both)."""
    if start_on is None or deadline_on is None or deadline_on <= start_on:
        return 0
    elapsed = (today - start_on).days / (deadline_on - start_on).days
    return int(max(0.0, min(1.0, elapsed)) * 100)


def assignment_status(facts: StatusFacts, today: date) -> StatusResult:  # noqa: PLR0911 - one rule, one return
    if facts.completed_on is not None and not facts.disputed:
        on_time = facts.deadline_on is None or facts.completed_on <= facts.deadline_on
        return (
            StatusResult(Status.DONE_ON_TIME, "green") if on_time else StatusResult(Status.DONE_LATE, "amber")
        )
    if facts.deadline_on is not None and today > facts.deadline_on:
        return StatusResult(Status.OVERDUE, "red")
    if facts.disputed:
        return StatusResult(Status.AT_RISK, "red", Reason.DISPUTED)
    missed = missed_periods(facts, today)
    if missed >= SILENT_PERIODS:
        return StatusResult(Status.AT_RISK, "red", Reason.SILENT)
    if missed == 1:
        return StatusResult(Status.AT_RISK, "amber", Reason.LATE)
    if (
        facts.progress
        < expected_progress(facts.task_start_on, facts.deadline_on, today) - TRAJECTORY_TOLERANCE
    ):
        return StatusResult(Status.AT_RISK, "amber", Reason.BEHIND)
    if (
        facts.deadline_on is not None
        and facts.deadline_on - today <= timedelta(days=NEAR_DEADLINE_DAYS)
        and facts.progress < NEAR_DEADLINE_PROGRESS
    ):
        return StatusResult(Status.AT_RISK, "amber", Reason.NEAR_DEADLINE)
    if not facts.has_reports:
        return StatusResult(Status.NOT_STARTED, "green")
    return StatusResult(Status.ON_TRACK, "green")


# --- the same rules in SQL --------------------------------------------------------------


def _sql_period_index(field: Any, quarterly: bool) -> Any:
    if quarterly:
        # No division: PostgreSQL's EXTRACT returns numeric, so "/ 3" would keep a fraction.
        return ExtractYear(field) * 4 + ExtractQuarter(field) - 1
    return ExtractYear(field) * 12 + ExtractMonth(field) - 1


def _sql_missed(today: date) -> Any:
    """Missed periods, per assignment, for both recurrences."""
    start = Coalesce(F("task__start_on"), TruncDate(F("created_at")))
    branches = []
    for quarterly in (False, True):
        due = latest_due_period_index(today, "quarterly" if quarterly else "monthly")
        after_last = Value(due) - _sql_period_index(F("last_period"), quarterly)
        since_start = Value(due) - _sql_period_index(start, quarterly) + 1
        missed = Case(
            When(last_period__isnull=False, then=after_last), default=since_start, output_field=IntegerField()
        )
        condition = Q(task__recurrence="quarterly") if quarterly else ~Q(task__recurrence="quarterly")
        branches.append(When(condition, then=missed))
    return Case(*branches, output_field=IntegerField())


def annotate_status(queryset: QuerySet[Any], today: date, expected_by_task: dict[int, int]) -> QuerySet[Any]:
    """Annotate assignments with `status_code`, `colour_code` and `reason_code`.

    `expected_by_task` maps task ids in the queryset to `expected_progress()` for today;
    `expected_progress_by_task()` builds it with one small query over the tasks.
    """
    behind = Q(pk__in=[])
    for task_id, expected in expected_by_task.items():
        threshold = expected - TRAJECTORY_TOLERANCE
        if threshold > 0:
            behind |= Q(task_id=task_id, progress__lt=threshold)
    completed = Q(completed_on__isnull=False, disputed=False)
    on_time = Q(task__deadline_on__isnull=True) | Q(completed_on__lte=F("task__deadline_on"))
    past_deadline = Q(task__deadline_on__lt=today)
    near_deadline = Q(
        task__deadline_on__lte=today + timedelta(days=NEAR_DEADLINE_DAYS), progress__lt=NEAR_DEADLINE_PROGRESS
    )
    queryset = queryset.annotate(missed_count=_sql_missed(today))
    silent = Q(missed_count__gte=SILENT_PERIODS)
    late = Q(missed_count=1)
    rules: list[tuple[Q, str, str, str]] = [
        (completed & on_time, Status.DONE_ON_TIME, "green", ""),
        (completed, Status.DONE_LATE, "amber", ""),
        (past_deadline, Status.OVERDUE, "red", ""),
        (Q(disputed=True), Status.AT_RISK, "red", Reason.DISPUTED),
        (silent, Status.AT_RISK, "red", Reason.SILENT),
        (late, Status.AT_RISK, "amber", Reason.LATE),
        (behind, Status.AT_RISK, "amber", Reason.BEHIND),
        (near_deadline, Status.AT_RISK, "amber", Reason.NEAR_DEADLINE),
        (Q(reports_submitted=0), Status.NOT_STARTED, "green", ""),
    ]

    def case(position: int, default: str) -> Case:
        whens = [When(rule[0], then=Value(rule[position])) for rule in rules]
        return Case(*whens, default=Value(default), output_field=CharField())

    return queryset.annotate(
        status_code=case(1, Status.ON_TRACK), colour_code=case(2, "green"), reason_code=case(3, "")
    )


def expected_progress_by_task(
    task_rows: list[tuple[int, date | None, date | None]], today: date
) -> dict[int, int]:
    """(task id, start, deadline) rows -> expected progress today, for `annotate_status`."""
    return {
        task_id: expected_progress(start_on or today, deadline_on, today)
        for task_id, start_on, deadline_on in task_rows
    }
