"""Reads of the working-day calendar, and the working-day arithmetic legal deadlines use.

The default rule is Monday to Friday working. A year's exceptions (`CalendarDay`) are read
once per process and kept in memory with the year's `revision`. Every call starts by
reading the revisions of all years (`CalendarYear`, one small query, at most once a
second per process: decision 0037); a year whose revision differs from the cached one is
read again. Every edit writes a fresh random revision, so a change made by any process is
used within a second, one made by this process at once, and a cached read of a write that
was later rolled back is never used again. See decisions 0014 and 0015.

Callers that compute many dates at once (a list of items) take one snapshot with
`working_calendar()` and call its methods: one revision check for the whole batch.

A year that is asked about but does not exist yet is initialised from the `holidays`
package on the spot (`services.calendar_year_initialise`), so a deadline never silently
ignores holidays.
"""

import calendar as month_calendar
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from thuocdo.core.errors import ValidationFailed
from thuocdo.core.freshness import Rechecked

from .models import CalendarDay, CalendarYear

CALENDAR_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_WORKING_DAYS = 3650  # ten years of working days: far beyond any legal deadline
ONE_DAY = timedelta(days=1)
DAY_MICROSECONDS = 86_400_000_000


@dataclass(frozen=True)
class YearDays:
    """A year's exceptions to the default rule: weekdays off and weekend working days."""

    revision: str
    off: frozenset[date]
    working: frozenset[date]


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def year_out_of_range(field: str) -> ValidationFailed:
    return ValidationFailed(
        fields={
            field: [
                _("Lịch ngày làm việc chỉ có từ năm %(first)s đến năm %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            ]
        }
    )


def _require_aware(value: datetime, field: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(fields={field: [_("Thời điểm phải kèm múi giờ.")]})


class WorkingCalendar:
    """Working-day arithmetic over a source of per-year exceptions.

    `year_days(year)` returns that year's exceptions; the database-backed source is
    `working_calendar()`, tests may pass any function. Days off are honoured only on
    weekdays and working days only on weekends (the services never store anything else).
    """

    def __init__(self, year_days: Callable[[int], YearDays]) -> None:
        self._year_days = year_days
        self._seen: dict[int, YearDays] = {}

    def year(self, year: int) -> YearDays:
        found = self._seen.get(year)
        if found is None:
            if not year_in_range(year):
                raise year_out_of_range("day")
            found = self._seen[year] = self._year_days(year)
        return found

    def is_working_day(self, day: date) -> bool:
        exceptions = self.year(day.year)
        if day.weekday() < 5:
            return day not in exceptions.off
        return day in exceptions.working

    def add(self, start: date, days: int) -> date:
        """The date that is `days` working days after `start` (`start` itself never counts;
        0 gives `start`)."""
        if days < 0 or days > MAX_WORKING_DAYS:
            raise ValidationFailed(
                fields={
                    "days": [
                        _("Số ngày làm việc phải từ 0 đến %(max)s.") % {"max": MAX_WORKING_DAYS},
                    ]
                }
            )
        current = start
        remaining = days
        while remaining:
            current += ONE_DAY
            if self.is_working_day(current):
                remaining -= 1
        return current

    def between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]; 0 when end <= start."""
        if end <= start:
            return 0
        span = (end - start).days
        full_weeks, rest = divmod(span, 7)
        count = full_weeks * 5
        for offset in range(1, rest + 1):
            if (start + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
                count += 1
        for year in range(start.year, end.year + 1):
            exceptions = self.year(year)
            count -= sum(1 for d in exceptions.off if start < d <= end and d.weekday() < 5)
            count += sum(1 for d in exceptions.working if start < d <= end and d.weekday() >= 5)
        return count

    def deadline(self, start: datetime, days: int) -> datetime:
        """The end of the `days`-th working day after the local date of `start`."""
        _require_aware(start, "start")
        local_day = start.astimezone(CALENDAR_TIMEZONE).date()
        return datetime.combine(self.add(local_day, days), time.max, tzinfo=CALENDAR_TIMEZONE)

    def working_microseconds(self, since: datetime, until: datetime) -> int:
        """Working time in [since, until): every working day counts whole (00:00–24:00
        local time), other days count nothing."""
        if until <= since:
            return 0
        since_local = since.astimezone(CALENDAR_TIMEZONE)
        until_local = until.astimezone(CALENDAR_TIMEZONE)
        total = 0
        day = since_local.date()
        while day <= until_local.date():
            if self.is_working_day(day):
                day_start = datetime.combine(day, time.min, tzinfo=CALENDAR_TIMEZONE)
                low = max(since_local, day_start)
                high = min(until_local, day_start + ONE_DAY)
                if high > low:
                    total += (high - low) // timedelta(microseconds=1)
            day += ONE_DAY
        return total

    def time_fraction(
        self, start: datetime, deadline: datetime, now: datetime, paused_working_days: int = 0
    ) -> float:
        """The share of the working time allowed that has been used; see
        `working_time_fraction`."""
        for value, field in ((start, "start"), (deadline, "deadline"), (now, "now")):
            _require_aware(value, field)
        if paused_working_days < 0:
            raise ValidationFailed(fields={"paused_working_days": [_("Số ngày tạm dừng không được âm.")]})
        clock_start = datetime.combine(
            start.astimezone(CALENDAR_TIMEZONE).date() + ONE_DAY, time.min, tzinfo=CALENDAR_TIMEZONE
        )
        allowed = self.working_microseconds(clock_start, deadline)
        if allowed <= 0:
            return 1.0 if now >= deadline else 0.0
        used = self.working_microseconds(clock_start, now) - paused_working_days * DAY_MICROSECONDS
        return max(used, 0) / allowed


# --- the database-backed calendar -----------------------------------------------------------

_cache: dict[int, YearDays] = {}
_cache_lock = threading.Lock()


def _revisions_read() -> dict[int, str]:
    return dict(CalendarYear.objects.values_list("year", "revision"))


# The years' revisions, re-checked at most once a second; an edit in this process is seen
# at once (the services call `calendar_revisions.changed()`; docs/decisions/0037).
calendar_revisions = Rechecked(_revisions_read)


def _year_days_read(year: int, revision: str) -> YearDays:
    off: set[date] = set()
    working: set[date] = set()
    for day, is_working in CalendarDay.objects.filter(day__year=year).values_list("day", "is_working"):
        (working if is_working else off).add(day)
    return YearDays(revision=revision, off=frozenset(off), working=frozenset(working))


def working_calendar() -> WorkingCalendar:
    """A snapshot of the calendar as it is now (the revisions, read at most once a second;
    a year's days are read only when its revision changed since this process last read
    it)."""
    revisions = dict(calendar_revisions.get())  # a copy: a year initialised below is added

    def year_days(year: int) -> YearDays:
        revision = revisions.get(year)
        if revision is None:
            from .services import calendar_year_initialise  # noqa: PLC0415 - services read this module

            initialised, _created = calendar_year_initialise(year=year)
            revision = revisions[year] = initialised.revision
        cached = _cache.get(year)
        if cached is not None and cached.revision == revision:
            return cached
        fresh = _year_days_read(year, revision)
        with _cache_lock:
            _cache[year] = fresh
        return fresh

    return WorkingCalendar(year_days)


def is_working_day(day: date) -> bool:
    """Is `day` a working day in Vietnam (Monday to Friday, unless a holiday, Tết or a
    compensatory day off; a weekend day only when it is a make-up working day)?"""
    return working_calendar().is_working_day(day)


def working_days_add(start: date, days: int) -> date:
    """The date that is `days` working days after `start` (0 <= days <= 3650).

    `start` itself never counts, working or not: day 1 is the first working day after it.
    `days=0` returns `start` unchanged.
    """
    return working_calendar().add(start, days)


def working_days_between(start: date, end: date) -> int:
    """The number of working days in (start, end]: `start` excluded, `end` included; 0 when
    `end` is not after `start`. `working_days_between(s, working_days_add(s, n)) == n`."""
    return working_calendar().between(start, end)


def working_deadline(start: datetime, days: int) -> datetime:
    """The deadline for something received at `start` that must be handled within `days`
    working days: 23:59:59.999999 (Asia/Ho_Chi_Minh) of the `days`-th working day after the
    local date of `start`.

    The day of receipt never counts, whatever the hour. Something received on a
    non-working day (a Saturday, a holiday, Tết) therefore starts counting on the next
    working day, exactly like something received in the last minute of the working day
    before it: received Friday 16:00 or Saturday 10:00 with 1 working day, the deadline is
    the end of Monday (if Monday is a working day). `days=0` gives the end of the day of
    receipt. `start` must be timezone-aware.
    """
    return working_calendar().deadline(start, days)


def working_time_fraction(
    start: datetime, deadline: datetime, now: datetime, paused_working_days: int = 0
) -> float:
    """The share of the allowed working time already used, for reminders (0.5, 0.8) and
    escalation (1.0).

    The rule, consistent with `working_deadline`:
    - time is counted in whole local calendar days: a working day counts 24 hours
      (00:00–24:00 Asia/Ho_Chi_Minh), a weekend, holiday or Tết day counts nothing;
    - the clock starts at 00:00 of the day after the local date of `start` (the day of
      receipt never counts), so the fraction stays 0 on the day of receipt and on the
      non-working days after it;
    - allowed = working time from the clock start to `deadline`; used = working time from
      the clock start to `now`, minus `paused_working_days` whole working days (time the
      item was paused, e.g. waiting for the sender), never below 0. Pass the deadline
      computed without the pause: the pause moves the effective deadline, not `deadline`;
    - the result is used / allowed: 1.0 exactly at `deadline`, above 1.0 after it. With
      no working time allowed (days=0) it is 0.0 before the deadline and 1.0 from it on.
    All three datetimes must be timezone-aware.
    """
    return working_calendar().time_fraction(start, deadline, now, paused_working_days)


# --- reads for the pages and the API ----------------------------------------------------------


def calendar_year_get(*, year: int) -> CalendarYear:
    """The year's record, initialising the year from the package when it does not exist."""
    if not year_in_range(year):
        raise year_out_of_range("year")
    found = CalendarYear.objects.select_related("edited_by").filter(year=year).first()
    if found is None:
        from .services import calendar_year_initialise  # noqa: PLC0415

        found, _created = calendar_year_initialise(year=year)
    return found


def calendar_day_list(*, year: int) -> QuerySet[CalendarDay]:
    """The year's days that differ from the default rule, in date order (the calendar is
    public data: no user filter)."""
    calendar_year_get(year=year)
    return CalendarDay.objects.filter(day__year=year).order_by("day")


@dataclass(frozen=True)
class DayCell:
    day: date
    is_working: bool
    is_weekend: bool
    is_exception: bool
    name: str

    @property
    def css_class(self) -> str:
        if self.is_exception:
            return "day-makeup" if self.is_working else "day-holiday"
        return "day-weekend" if self.is_weekend else "day-working"


@dataclass(frozen=True)
class MonthGrid:
    month: int
    weeks: list[list[DayCell | None]]
    working_days: int


def calendar_month_grids(*, year: int, days: list[CalendarDay]) -> list[MonthGrid]:
    """Twelve month grids (weeks from Monday) with each day's kind, for the year view."""
    by_day = {item.day: item for item in days}
    grids: list[MonthGrid] = []
    for month in range(1, 13):
        weeks: list[list[DayCell | None]] = []
        working = 0
        for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[DayCell | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                exception = by_day.get(day)
                weekend = day.weekday() >= 5
                is_working = exception.is_working if exception is not None else not weekend
                working += is_working
                row.append(
                    DayCell(
                        day=day,
                        is_working=is_working,
                        is_weekend=weekend,
                        is_exception=exception is not None,
                        name=exception.name if exception is not None else "",
                    )
                )
            weeks.append(row)
        grids.append(MonthGrid(month=month, weeks=weeks, working_days=working))
    return grids
