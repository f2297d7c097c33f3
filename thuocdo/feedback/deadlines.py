"""Legal deadlines of the feedback desk, counted in Vietnamese working days.

Working-day arithmetic lives in `thuocdo.workdays` (weekends, public holidays, Tết and
the operator's edits to the year's calendar); this module only says what the feedback
desk counts from what.
"""

from datetime import datetime

from thuocdo.workdays.selectors import (
    working_calendar,
    working_days_between,
    working_deadline,
    working_time_fraction,
)

from .models import Case, Kind, KindSetting


def kind_setting(kind: str) -> KindSetting:
    setting, _created = KindSetting.objects.get_or_create(kind=Kind(kind))
    return setting


def _rules(kind: str) -> KindSetting:
    """The kind's rules from the per-process copy (read-only; see `config_cache`)."""
    from .config_cache import intake_config  # noqa: PLC0415 - the cache imports the models

    return intake_config().kind_settings.get(kind) or kind_setting(kind)


def answer_deadline(kind: str, start: datetime) -> datetime:
    return working_deadline(start, _rules(kind).answer_working_days)


def transfer_deadline(kind: str, start: datetime) -> datetime:
    return working_deadline(start, _rules(kind).transfer_working_days)


def new_case_deadlines(kind: str, start: datetime) -> tuple[datetime, datetime]:
    """(answer, transfer) deadlines of a case assigned at `start`, from one calendar read."""
    rules, calendar = _rules(kind), working_calendar()
    return (
        calendar.deadline(start, rules.answer_working_days),
        calendar.deadline(start, rules.transfer_working_days),
    )


def deadline_after_pause(due: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
    """Push a deadline by the working days the clock stood still."""
    paused_days = working_days_between(paused_from.date(), resumed_at.date())
    return working_deadline(due, paused_days) if paused_days else due


def time_used(case: Case, now: datetime) -> float:
    """Share of the answer time used so far (0.5 = half). A paused clock does not move."""
    if case.answer_due_at is None or case.assigned_at is None:
        return 0.0
    moment = case.paused_since or now
    return working_time_fraction(case.assigned_at, case.answer_due_at, moment)
