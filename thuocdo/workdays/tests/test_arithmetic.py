"""Working-day arithmetic as properties, over calendars drawn at random (no database) and over
the real seeded calendar."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thuocdo.core.errors import ValidationFailed
from thuocdo.workdays.selectors import (
    CALENDAR_TIMEZONE,
    WorkingCalendar,
    YearDays,
    working_calendar,
    working_days_add,
    working_days_between,
)

FIRST = date(2024, 1, 1)
LAST = date(2028, 12, 31)
ALL_DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
WEEKDAYS = [d for d in ALL_DAYS if d.weekday() < 5]
WEEKENDS = [d for d in ALL_DAYS if d.weekday() >= 5]


def calendar_of(off: set[date], working: set[date]) -> WorkingCalendar:
    def year_days(year: int) -> YearDays:
        return YearDays(
            revision="test",
            off=frozenset(d for d in off if d.year == year),
            working=frozenset(d for d in working if d.year == year),
        )

    return WorkingCalendar(year_days)


calendars = st.builds(
    calendar_of,
    st.sets(st.sampled_from(WEEKDAYS), max_size=60),
    st.sets(st.sampled_from(WEEKENDS), max_size=15),
)
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
counts = st.integers(min_value=0, max_value=300)


def brute_count(cal: WorkingCalendar, start: date, end: date) -> int:
    return sum(cal.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


@given(calendars, starts, counts)
def test_adding_then_counting_round_trips(cal: WorkingCalendar, start: date, days: int) -> None:
    end = cal.add(start, days)
    assert cal.between(start, end) == days
    assert brute_count(cal, start, end) == days


@given(calendars, starts, st.integers(min_value=1, max_value=300))
def test_never_lands_on_a_non_working_day(cal: WorkingCalendar, start: date, days: int) -> None:
    end = cal.add(start, days)
    assert cal.is_working_day(end)
    assert end > start
    # and it is the first date that reaches the count
    assert cal.between(start, end - timedelta(days=1)) == days - 1


@given(calendars, starts, counts, counts)
def test_monotonic_in_days(cal: WorkingCalendar, start: date, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert cal.add(start, low) <= cal.add(start, high)


@given(calendars, starts, st.integers(min_value=0, max_value=60), counts)
def test_monotonic_in_start(cal: WorkingCalendar, start: date, shift: int, days: int) -> None:
    assert cal.add(start, days) <= cal.add(start + timedelta(days=shift), days)


@given(st.sets(st.sampled_from(WEEKDAYS), max_size=60), starts, st.integers(min_value=1, max_value=300))
def test_weekends_are_always_skipped(off: set[date], start: date, days: int) -> None:
    cal = calendar_of(off, set())
    end = cal.add(start, days)
    assert end.weekday() < 5
    assert end not in off
    # without days off, five working days are exactly one calendar week
    plain = calendar_of(set(), set())
    assert plain.add(start, days + 5) == plain.add(start, days) + timedelta(days=7)


@given(calendars, starts, starts)
def test_between_matches_counting_day_by_day(cal: WorkingCalendar, start: date, end: date) -> None:
    assert cal.between(start, end) == (brute_count(cal, start, end) if end > start else 0)


@given(calendars, starts, st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=23))
def test_deadline_fraction_is_monotonic_and_reaches_one_at_the_deadline(
    cal: WorkingCalendar, start_day: date, days: int, hour: int
) -> None:
    start = datetime(start_day.year, start_day.month, start_day.day, hour, tzinfo=CALENDAR_TIMEZONE)
    deadline = cal.deadline(start, days)
    assert deadline.date() == cal.add(start_day, days)
    assert cal.time_fraction(start, deadline, deadline) == 1.0
    assert cal.time_fraction(start, deadline, start) == 0.0
    previous = 0.0
    moment = start
    while moment <= deadline + timedelta(days=10):
        fraction = cal.time_fraction(start, deadline, moment)
        assert fraction >= previous
        previous = fraction
        moment += timedelta(hours=11)
    assert previous > 1.0


def test_adding_refuses_negative_and_huge_counts() -> None:
    cal = calendar_of(set(), set())
    with pytest.raises(ValidationFailed) as caught:
        cal.add(date(2026, 1, 5), -1)
    assert "days" in caught.value.fields
    with pytest.raises(ValidationFailed):
        cal.add(date(2026, 1, 5), 3651)


def test_days_outside_the_calendar_are_refused() -> None:
    cal = calendar_of(set(), set())
    with pytest.raises(ValidationFailed):
        cal.is_working_day(date(1999, 12, 31))


def test_naive_datetimes_are_refused() -> None:
    cal = calendar_of(set(), set())
    with pytest.raises(ValidationFailed) as caught:
        cal.deadline(datetime(2026, 1, 5, 9), 3)  # noqa: DTZ001 - the point of the test
    assert "start" in caught.value.fields


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(starts, st.integers(min_value=0, max_value=250))
def test_real_calendar_round_trips(start: date, days: int) -> None:
    end = working_days_add(start, days)
    assert working_days_between(start, end) == days
    if days:
        assert working_calendar().is_working_day(end)
