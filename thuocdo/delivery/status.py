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
    elapsed, length = (today - start_on).days, (deadline_on - start_on).days
    return max(0, min(100, elapsed * 100 // length))  # integers: no rounding surprises


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


# --- the same rules in SQL ----------------------------------------------------------------
#
# Every rule compares something with today. At write time (a report, a review, a
# verification, a new assignment) the services store, per assignment, the first day on
# which each time-dependent rule applies; at request time the database only compares those
# dates with today. Status is still computed when asked, over plain columns of one table.


@dataclass(frozen=True)
class StatusThresholds:
    late_from: date  # from this day one due period is missed
    silent_from: date  # from this day SILENT_PERIODS are missed
    behind_from: date | None  # from this day progress is behind the trajectory
    near_deadline_from: date | None  # from this day the near-deadline rule applies


def _period_from_index(index: int, recurrence: str) -> date:
    if recurrence == "quarterly":
        return date(index // 4, (index % 4) * 3 + 1, 1)
    return date(index // 12, index % 12 + 1, 1)


def status_thresholds(facts: StatusFacts) -> StatusThresholds:
    """The days from which each time-dependent rule of `assignment_status` applies."""
    recurrence = "quarterly" if facts.recurrence == "quarterly" else "monthly"
    base = (
        period_index(facts.last_period, recurrence)
        if facts.last_period is not None
        else period_index(facts.start_on, recurrence) - 1
    )
    grace = timedelta(days=REPORT_GRACE_DAYS)
    # missed >= k  <=>  period_index(today - grace) >= base + k + 1
    late_from = _period_from_index(base + 2, recurrence) + grace
    silent_from = _period_from_index(base + SILENT_PERIODS + 1, recurrence) + grace
    behind_from = None
    start, deadline = facts.task_start_on, facts.deadline_on
    needed = facts.progress + TRAJECTORY_TOLERANCE + 1  # expected progress that makes it "behind"
    if start is not None and deadline is not None and deadline > start and needed <= 100:
        length = (deadline - start).days
        behind_from = start + timedelta(days=-(-needed * length // 100))  # ceil(needed * length / 100)
    near = None
    if deadline is not None and facts.progress < NEAR_DEADLINE_PROGRESS:
        near = deadline - timedelta(days=NEAR_DEADLINE_DAYS)
    return StatusThresholds(late_from, silent_from, behind_from, near)


def _sql_rules(today: date) -> list[tuple[Q, str, str, str]]:
    """The rules of `assignment_status`, in order, as (condition, status, colour, reason)."""
    completed = Q(completed_on__isnull=False, disputed=False)
    on_time = Q(deadline_on__isnull=True) | Q(completed_on__lte=F("deadline_on"))
    return [
        (completed & on_time, Status.DONE_ON_TIME, "green", ""),
        (completed, Status.DONE_LATE, "amber", ""),
        (Q(deadline_on__lt=today), Status.OVERDUE, "red", ""),
        (Q(disputed=True), Status.AT_RISK, "red", Reason.DISPUTED),
        (Q(silent_from__lte=today), Status.AT_RISK, "red", Reason.SILENT),
        (Q(late_from__lte=today), Status.AT_RISK, "amber", Reason.LATE),
        (Q(behind_from__lte=today), Status.AT_RISK, "amber", Reason.BEHIND),
        (Q(near_deadline_from__lte=today), Status.AT_RISK, "amber", Reason.NEAR_DEADLINE),
        (Q(reports_submitted=0), Status.NOT_STARTED, "green", ""),
    ]


# What the rule number of `annotate_rule` stands for; the last entry is "no rule matched".
RULE_OUTCOMES = [(status, colour, reason) for _q, status, colour, reason in _sql_rules(date.today())] + [  # noqa: DTZ011 - labels only
    (Status.ON_TRACK, "green", "")
]


def annotate_rule(queryset: QuerySet[Any], today: date) -> QuerySet[Any]:
    """Annotate `rule`: the number of the first rule that applies (see RULE_OUTCOMES), and
    `timely`. One integer expression per row: what counting statuses in bulk needs."""
    rules = _sql_rules(today)
    return queryset.annotate(
        rule=Case(
            *[When(condition, then=Value(index)) for index, (condition, *_rest) in enumerate(rules)],
            default=Value(len(rules)),
            output_field=IntegerField(),
        ),
        timely=Case(When(late_from__gt=today, then=Value(1)), default=Value(0), output_field=IntegerField()),
    )


def annotate_status(queryset: QuerySet[Any], today: date) -> QuerySet[Any]:
    """Annotate assignments with `status_code`, `colour_code`, `reason_code` and `timely`
    (1 when no due period is missed), from the stored thresholds and today."""
    rules = _sql_rules(today)

    def case(position: int, default: str) -> Case:
        whens = [When(rule[0], then=Value(rule[position])) for rule in rules]
        return Case(*whens, default=Value(default), output_field=CharField())

    return queryset.annotate(
        status_code=case(1, Status.ON_TRACK),
        colour_code=case(2, "green"),
        reason_code=case(3, ""),
        timely=Case(When(late_from__gt=today, then=Value(1)), default=Value(0), output_field=IntegerField()),
    )
