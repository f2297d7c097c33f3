"""The status rules of an assignment: examples for each rule, properties over random
assignments, and proof that the SQL version (`annotate_status`) agrees with the Python one
(`assignment_status`) on both database backends."""

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.utils.timezone import localdate
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from thuocdo.delivery.models import (
    Assignment,
    AssignmentRole,
    DeadlineKind,
    Plan,
    PlanKind,
    Program,
    Task,
)
from thuocdo.delivery.services import assignments_refresh_thresholds
from thuocdo.delivery.status import (
    NEAR_DEADLINE_DAYS,
    NEAR_DEADLINE_PROGRESS,
    REPORT_GRACE_DAYS,
    RULE_OUTCOMES,
    SILENT_PERIODS,
    TRAJECTORY_TOLERANCE,
    Reason,
    Status,
    StatusFacts,
    StatusResult,
    annotate_rule,
    annotate_status,
    assignment_status,
    expected_progress,
    missed_periods,
)
from thuocdo.units.models import Unit

# A task of 2025 with a straight trajectory: 0 % on 1 January, 100 % on 31 December.
START = date(2025, 1, 1)
DEADLINE = date(2025, 12, 31)


def facts(**changes: object) -> StatusFacts:
    """A monthly task of 2025 with no report yet; each test changes what it is about."""
    base = StatusFacts(
        start_on=START,
        task_start_on=START,
        deadline_on=DEADLINE,
        recurrence="monthly",
        progress=0,
        last_period=None,
        completed_on=None,
        disputed=False,
        has_reports=False,
    )
    return replace(base, **changes)


def reported(period: date, progress: int, **changes: object) -> StatusFacts:
    """A task whose unit reported `progress` % for the period starting on `period`."""
    return facts(last_period=period, progress=progress, has_reports=True, **changes)


def status_of(subject: StatusFacts, today: date) -> tuple[str, str, str]:
    result = assignment_status(subject, today)
    return (result.status, result.colour, result.reason)


# --- the constants the examples below are written against ---------------------------------


def test_constants_are_those_the_documentation_states():
    """docs/status-rules.md quotes these values; change both together."""
    assert (NEAR_DEADLINE_DAYS, NEAR_DEADLINE_PROGRESS) == (14, 80)
    assert (TRAJECTORY_TOLERANCE, REPORT_GRACE_DAYS, SILENT_PERIODS) == (20, 5, 2)


# --- rule 1: completed ----------------------------------------------------------------------


def test_completed_on_the_deadline_is_done_on_time():
    subject = reported(date(2025, 12, 1), 100, completed_on=DEADLINE)

    assert status_of(subject, date(2026, 3, 1)) == (Status.DONE_ON_TIME, "green", "")


def test_completed_after_the_deadline_is_done_late():
    subject = reported(date(2026, 1, 1), 100, completed_on=DEADLINE + timedelta(days=1))

    assert status_of(subject, date(2026, 3, 1)) == (Status.DONE_LATE, "amber", "")


def test_completed_without_a_deadline_is_done_on_time():
    subject = reported(date(2027, 5, 1), 100, deadline_on=None, completed_on=date(2027, 5, 20))

    assert status_of(subject, date(2027, 12, 31)) == (Status.DONE_ON_TIME, "green", "")


def test_completion_outranks_silence_and_trajectory():
    """Once done, reporting and trajectory no longer matter."""
    subject = reported(date(2025, 3, 1), 100, completed_on=date(2025, 3, 15))

    assert status_of(subject, date(2025, 11, 1)) == (Status.DONE_ON_TIME, "green", "")


# --- rule 2: overdue ------------------------------------------------------------------------


def test_deadline_today_is_not_overdue_and_the_day_after_is():
    subject = reported(date(2025, 11, 1), 90)

    assert status_of(subject, DEADLINE) == (Status.ON_TRACK, "green", "")
    assert status_of(subject, DEADLINE + timedelta(days=1)) == (Status.OVERDUE, "red", "")


def test_overdue_outranks_every_at_risk_reason():
    subject = facts(disputed=True, progress=10)

    assert status_of(subject, date(2026, 6, 1)) == (Status.OVERDUE, "red", "")


# --- rule 3: disputed -----------------------------------------------------------------------


def test_a_disputed_report_is_at_risk_red():
    subject = reported(date(2025, 5, 1), 60, disputed=True)

    assert status_of(subject, date(2025, 6, 3)) == (Status.AT_RISK, "red", Reason.DISPUTED)


def test_a_disputed_report_past_the_deadline_is_overdue():
    subject = reported(date(2025, 12, 1), 60, disputed=True)

    assert status_of(subject, date(2026, 1, 2)) == (Status.OVERDUE, "red", "")


def test_a_completed_but_disputed_assignment_is_not_done():
    subject = reported(date(2025, 5, 1), 100, completed_on=date(2025, 5, 20), disputed=True)

    assert status_of(subject, date(2025, 6, 3)) == (Status.AT_RISK, "red", Reason.DISPUTED)
    assert status_of(subject, date(2026, 1, 1)) == (Status.OVERDUE, "red", "")


# --- rules 4 and 5: the reporting calendar --------------------------------------------------


def test_no_report_for_two_periods_is_silent_red():
    """Assigned in March, nothing reported: March was due by 5 April, April by 5 May."""
    subject = facts(start_on=date(2025, 3, 10), task_start_on=None)

    assert missed_periods(subject, date(2025, 5, 6)) == 2
    assert status_of(subject, date(2025, 5, 6)) == (Status.AT_RISK, "red", Reason.SILENT)


def test_two_periods_missed_after_a_report_is_silent_red():
    subject = reported(date(2025, 3, 1), 30)

    assert missed_periods(subject, date(2025, 6, 6)) == 2
    assert status_of(subject, date(2025, 6, 6)) == (Status.AT_RISK, "red", Reason.SILENT)


def test_exactly_one_missed_period_is_late_amber():
    subject = reported(date(2025, 4, 1), 40)

    assert missed_periods(subject, date(2025, 6, 6)) == 1
    assert status_of(subject, date(2025, 6, 6)) == (Status.AT_RISK, "amber", Reason.LATE)


def test_the_grace_days_end_on_the_fifth_day_after_the_period():
    """May's report is due by 5 June: on 5 June nothing is missing yet, on 6 June it is."""
    subject = reported(date(2025, 4, 1), 40)
    last_day_of_grace = date(2025, 5, 31) + timedelta(days=REPORT_GRACE_DAYS)

    assert last_day_of_grace == date(2025, 6, 5)
    assert missed_periods(subject, last_day_of_grace) == 0
    assert status_of(subject, last_day_of_grace) == (Status.ON_TRACK, "green", "")
    assert missed_periods(subject, last_day_of_grace + timedelta(days=1)) == 1
    assert status_of(subject, last_day_of_grace + timedelta(days=1)) == (
        Status.AT_RISK,
        "amber",
        Reason.LATE,
    )


def test_a_report_of_zero_percent_is_a_report():
    """Reporting 0 % is honest news, not silence."""
    subject = reported(date(2025, 5, 1), 0, deadline_on=None)

    assert status_of(subject, date(2025, 6, 20)) == (Status.ON_TRACK, "green", "")


def test_silence_outranks_lateness_and_trajectory():
    subject = reported(date(2025, 1, 1), 0)

    assert status_of(subject, date(2025, 9, 1)) == (Status.AT_RISK, "red", Reason.SILENT)


def test_a_report_for_a_future_period_counts_as_nothing_missed():
    subject = reported(date(2025, 8, 1), 70)

    assert missed_periods(subject, date(2025, 6, 20)) == 0


def test_quarterly_reports_are_due_five_days_after_each_quarter():
    subject = reported(date(2025, 1, 1), 30, recurrence="quarterly", deadline_on=None)

    assert missed_periods(subject, date(2025, 7, 5)) == 0
    assert status_of(subject, date(2025, 7, 5)) == (Status.ON_TRACK, "green", "")
    assert missed_periods(subject, date(2025, 7, 6)) == 1
    assert status_of(subject, date(2025, 7, 6)) == (Status.AT_RISK, "amber", Reason.LATE)
    assert missed_periods(subject, date(2025, 10, 6)) == 2
    assert status_of(subject, date(2025, 10, 6)) == (Status.AT_RISK, "red", Reason.SILENT)


def test_the_same_silence_counts_more_periods_when_monthly():
    quarterly = reported(date(2025, 1, 1), 30, recurrence="quarterly", deadline_on=None)
    monthly = replace(quarterly, recurrence="monthly")

    assert missed_periods(quarterly, date(2025, 4, 20)) == 0
    assert missed_periods(monthly, date(2025, 4, 20)) == 2


def test_a_quarterly_task_starting_mid_quarter_counts_that_quarter():
    subject = facts(recurrence="quarterly", start_on=date(2025, 2, 15), task_start_on=None)

    assert missed_periods(subject, date(2025, 4, 5)) == 0
    assert missed_periods(subject, date(2025, 4, 6)) == 1


def test_a_task_without_recurrence_is_reported_on_monthly():
    subject = reported(date(2025, 4, 1), 40, recurrence="none")

    assert missed_periods(subject, date(2025, 6, 6)) == missed_periods(
        replace(subject, recurrence="monthly"), date(2025, 6, 6)
    )
    assert status_of(subject, date(2025, 6, 6)) == (Status.AT_RISK, "amber", Reason.LATE)


# --- rule 5: trajectory and the deadline near -----------------------------------------------


def test_expected_progress_is_a_straight_line_from_start_to_deadline():
    assert expected_progress(START, DEADLINE, date(2024, 12, 1)) == 0
    assert expected_progress(START, DEADLINE, date(2025, 7, 2)) == 50  # 182 of 364 days
    assert expected_progress(START, DEADLINE, date(2026, 6, 1)) == 100
    assert expected_progress(None, DEADLINE, date(2025, 7, 2)) == 0
    assert expected_progress(START, None, date(2025, 7, 2)) == 0
    assert expected_progress(DEADLINE, START, date(2025, 7, 2)) == 0


def test_behind_the_trajectory_by_more_than_the_tolerance_is_at_risk_amber():
    """Halfway through the year 50 % is expected; 30 % is still within 20 points."""
    today = date(2025, 7, 2)
    behind = reported(date(2025, 6, 1), 50 - TRAJECTORY_TOLERANCE - 1)
    within = reported(date(2025, 6, 1), 50 - TRAJECTORY_TOLERANCE)

    assert status_of(behind, today) == (Status.AT_RISK, "amber", Reason.BEHIND)
    assert status_of(within, today) == (Status.ON_TRACK, "green", "")


def test_without_a_task_start_there_is_no_trajectory():
    """The day a unit was assigned a task is not the task's start: no trajectory then."""
    subject = reported(date(2025, 6, 1), 0, task_start_on=None)

    assert status_of(subject, date(2025, 7, 2)) == (Status.ON_TRACK, "green", "")


def test_little_done_within_fourteen_days_of_the_deadline_is_at_risk_amber():
    near = DEADLINE - timedelta(days=NEAR_DEADLINE_DAYS)
    subject = reported(date(2025, 11, 1), NEAR_DEADLINE_PROGRESS - 1, task_start_on=None)

    assert status_of(subject, near) == (Status.AT_RISK, "amber", Reason.NEAR_DEADLINE)
    assert status_of(subject, near - timedelta(days=1)) == (Status.ON_TRACK, "green", "")
    assert status_of(replace(subject, progress=NEAR_DEADLINE_PROGRESS), near) == (
        Status.ON_TRACK,
        "green",
        "",
    )


def test_lateness_outranks_trajectory():
    subject = reported(date(2025, 4, 1), 0)

    assert status_of(subject, date(2025, 6, 6)) == (Status.AT_RISK, "amber", Reason.LATE)


# --- rules 6 and 7: not started, on track ---------------------------------------------------


def test_nothing_due_yet_and_no_report_is_not_started():
    subject = facts(start_on=date(2025, 6, 1), task_start_on=date(2025, 6, 1))

    assert missed_periods(subject, date(2025, 7, 5)) == 0
    assert status_of(subject, date(2025, 7, 5)) == (Status.NOT_STARTED, "green", "")
    assert status_of(subject, date(2025, 7, 6)) == (Status.AT_RISK, "amber", Reason.LATE)


def test_a_task_with_no_deadline_and_no_kpi_is_judged_by_its_reports_alone():
    subject = facts(deadline_on=None, task_start_on=None, start_on=date(2025, 1, 10))

    assert status_of(subject, date(2025, 1, 20)) == (Status.NOT_STARTED, "green", "")
    assert status_of(subject, date(2025, 2, 6)) == (Status.AT_RISK, "amber", Reason.LATE)
    assert status_of(subject, date(2027, 12, 31)) == (Status.AT_RISK, "red", Reason.SILENT)
    reporting = reported(date(2027, 11, 1), 5, deadline_on=None, task_start_on=None)
    assert status_of(reporting, date(2027, 12, 31)) == (Status.ON_TRACK, "green", "")


def test_reported_and_on_the_trajectory_is_on_track():
    subject = reported(date(2025, 8, 1), 70)

    assert status_of(subject, date(2025, 9, 5)) == (Status.ON_TRACK, "green", "")


# --- properties -----------------------------------------------------------------------------

FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2027, 12, 31)
days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
recurrences = st.sampled_from(["monthly", "quarterly", "none"])

COLOURS = {
    Status.NOT_STARTED: {"green"},
    Status.ON_TRACK: {"green"},
    Status.DONE_ON_TIME: {"green"},
    Status.AT_RISK: {"amber", "red"},
    Status.OVERDUE: {"red"},
    Status.DONE_LATE: {"amber"},
}


def period_start(day: date, recurrence: str) -> date:
    if recurrence == "quarterly":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day.replace(day=1)


@st.composite
def status_facts(draw: st.DrawFn, assigned_on: date | None = None) -> StatusFacts:
    """Any assignment: periods count from the task's start, else from the assignment date."""
    recurrence = draw(recurrences)
    task_start_on = draw(st.none() | days)
    last_period = draw(st.none() | days.map(lambda day: period_start(day, recurrence)))
    return StatusFacts(
        start_on=task_start_on or assigned_on or draw(days),
        task_start_on=task_start_on,
        deadline_on=draw(st.none() | days),
        recurrence=recurrence,
        progress=draw(st.integers(min_value=0, max_value=100)),
        last_period=last_period,
        completed_on=draw(st.none() | days),
        disputed=draw(st.booleans()),
        has_reports=last_period is not None,
    )


@given(subject=status_facts(), today=days)
def test_colour_always_matches_status(subject, today):
    result = assignment_status(subject, today)

    assert result.colour in COLOURS[result.status]
    assert bool(result.reason) == (result.status == Status.AT_RISK)


@given(subject=status_facts(), today=days)
def test_completed_and_not_disputed_is_always_done(subject, today):
    result = assignment_status(subject, today)

    done = subject.completed_on is not None and not subject.disputed
    assert (result.status in {Status.DONE_ON_TIME, Status.DONE_LATE}) == done


@given(
    subject=status_facts(),
    today=days,
    overdue_by=st.integers(min_value=1, max_value=1500),
    days_later=st.integers(min_value=1, max_value=1500),
)
def test_overdue_stays_overdue_until_completed(subject, today, overdue_by, days_later):
    subject = replace(subject, deadline_on=today - timedelta(days=overdue_by))
    if not subject.disputed:
        subject = replace(subject, completed_on=None)
    later = today + timedelta(days=days_later)

    assert assignment_status(subject, today).status == Status.OVERDUE
    assert assignment_status(subject, later).status == Status.OVERDUE
    completed = replace(subject, completed_on=today, disputed=False)
    assert assignment_status(completed, later) == StatusResult(Status.DONE_LATE, "amber")


@given(subject=status_facts(), today=days, days_later=st.integers(min_value=0, max_value=1500))
def test_missed_periods_is_non_negative_and_grows_with_time(subject, today, days_later):
    missed = missed_periods(subject, today)

    assert missed >= 0
    assert missed_periods(subject, today + timedelta(days=days_later)) >= missed


# --- the database agrees with Python --------------------------------------------------------

aware_datetimes = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds, timezones below
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@contextmanager
def rolled_back():
    """Each hypothesis example runs in its own savepoint, undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def database_status(subject: StatusFacts, assigned_at: datetime, today: date) -> tuple[str, str, str]:
    """Store `subject` as Program/Plan/Task/Assignment rows and read `annotate_status` back."""
    program = Program.objects.create(code="kiem-thu-trang-thai", number="57-NQ/TW", name="Kiểm thử")
    plan = Plan.objects.create(program=program, kind=PlanKind.PLAN, number="02-KH/BCĐTW", title="Kiểm thử")
    task = Task.objects.create(
        plan=plan,
        code="1",
        title="Nhiệm vụ kiểm thử",
        lead_unit=Unit.objects.get(code="00004"),
        start_on=subject.task_start_on,
        deadline_kind=DeadlineKind.NONE if subject.deadline_on is None else DeadlineKind.DATE,
        deadline_on=subject.deadline_on,
        recurrence=subject.recurrence,
    )
    assignment = Assignment.objects.create(
        task=task,
        unit=task.lead_unit,
        role=AssignmentRole.LEAD,
        progress=subject.progress,
        last_period=subject.last_period,
        reports_submitted=1 if subject.has_reports else 0,
        completed_on=subject.completed_on,
        disputed=subject.disputed,
    )
    Assignment.objects.filter(pk=assignment.pk).update(created_at=assigned_at)  # auto_now_add ignores it
    assignment.refresh_from_db()
    assert subject.start_on == (task.start_on or localdate(assignment.created_at))

    assignments_refresh_thresholds(assignments=[assignment])  # as the services do on every write
    annotated = annotate_status(Assignment.objects.filter(pk=assignment.pk), today)
    outcome = annotated.values_list("status_code", "colour_code", "reason_code").get()
    # The bulk form (one rule number per row, used by dashboards) must say the same.
    rule = (
        annotate_rule(Assignment.objects.filter(pk=assignment.pk), today).values_list("rule", flat=True).get()
    )
    assert RULE_OUTCOMES[rule] == outcome
    return outcome


def with_assignment_date(subject: StatusFacts, assigned_at: datetime) -> StatusFacts:
    """Without a task start, periods count from the local day the unit was assigned."""
    return replace(subject, start_on=subject.task_start_on or localdate(assigned_at))


agreement_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Found by the test below: on PostgreSQL (14 and later) EXTRACT returns numeric, so
# `(ExtractMonth(...) - 1) / 3` in `_sql_period_index` is not an integer division there.
# A quarterly assignment with no report yet whose start falls in the second or third month
# of a quarter gets a fractional missed count: "late" (exactly 1) never matches and
# "silent" (2 or more) comes one quarter later than in Python.
MINIMAL_DISAGREEMENT = StatusFacts(
    start_on=date(2025, 2, 1),
    task_start_on=date(2025, 2, 1),
    deadline_on=None,
    recurrence="quarterly",
    progress=0,
    last_period=None,
    completed_on=None,
    disputed=False,
    has_reports=False,
)


@pytest.mark.django_db
def test_minimal_disagreement_quarterly_start_mid_quarter():
    """Python: late (Q1 due by 5 April, not reported). PostgreSQL: not started."""
    today = date(2025, 4, 6)

    assert status_of(MINIMAL_DISAGREEMENT, today) == (Status.AT_RISK, "amber", Reason.LATE)
    with rolled_back():
        assigned_at = datetime(2025, 2, 1, 3, tzinfo=UTC)
        assert database_status(MINIMAL_DISAGREEMENT, assigned_at, today) == status_of(
            MINIMAL_DISAGREEMENT, today
        )


@pytest.mark.django_db
@agreement_settings
@given(subject=status_facts(), assigned_at=aware_datetimes, today=days)
@example(
    subject=MINIMAL_DISAGREEMENT, assigned_at=datetime(2025, 2, 1, 3, tzinfo=UTC), today=date(2025, 4, 6)
)
def test_database_agrees_with_python(subject, assigned_at, today):
    subject = with_assignment_date(subject, assigned_at)

    with rolled_back():
        assert database_status(subject, assigned_at, today) == status_of(subject, today)


@pytest.mark.django_db
@agreement_settings
@given(subject=status_facts(), assigned_at=aware_datetimes, today=days)
@example(  # the assignment date is the local day: 17:00 UTC is already 1 April in Hà Nội
    subject=replace(MINIMAL_DISAGREEMENT, task_start_on=None, recurrence="monthly"),
    assigned_at=datetime(2025, 3, 31, 17, tzinfo=UTC),
    today=date(2025, 5, 5),
)
def test_database_agrees_with_python_apart_from_the_quarter_bug(subject, assigned_at, today):
    """The same agreement where the known PostgreSQL bug cannot show, so that both backends
    keep proving every other rule: quarterly periods count from a quarter's first month."""
    subject = with_assignment_date(subject, assigned_at)
    assume(subject.recurrence != "quarterly" or subject.start_on.month in {1, 4, 7, 10})

    with rolled_back():
        assert database_status(subject, assigned_at, today) == status_of(subject, today)
