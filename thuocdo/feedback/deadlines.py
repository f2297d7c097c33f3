"""Legal deadlines of the feedback desk, counted in Vietnamese working days.

Working-day arithmetic lives in `thuocdo.workdays` (weekends, public holidays, Tết and
the operator's edits to the year's calendar); this module only says what the feedback
desk counts from what.
"""

from datetime import datetime

from thuocdo.workdays.selectors import working_days_between, working_deadline, working_time_fraction

from .models import Case, Kind, KindSetting


def kind_setting(kind: str) -> KindSetting:
    setting, _created = KindSetting.objects.get_or_create(kind=Kind(kind))
    return setting


def answer_deadline(kind: str, start: datetime) -> datetime:
    return working_deadline(start, kind_setting(kind).answer_working_days)


def transfer_deadline(kind: str, start: datetime) -> datetime:
    return working_deadline(start, kind_setting(kind).transfer_working_days)


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
