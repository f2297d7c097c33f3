"""The real calendar: what the `holidays` package gives for Tết 2026 and the swapped days,
deadlines across them, the fraction of working time used, and the cache across edits."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from thuocdo.workdays.models import CalendarDay, CalendarYear, DaySource
from thuocdo.workdays.selectors import (
    CALENDAR_TIMEZONE,
    calendar_month_grids,
    calendar_revisions,
    is_working_day,
    working_calendar,
    working_days_add,
    working_days_between,
    working_deadline,
    working_time_fraction,
)
from thuocdo.workdays.services import calendar_day_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CALENDAR_TIMEZONE)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=CALENDAR_TIMEZONE)


def test_tet_2026_is_off_from_lunar_new_years_eve_to_the_fourth_day() -> None:
    # Lunar New Year 2026 is Tuesday 17/02/2026; the package gives Monday 16 (Giao thừa)
    # to Friday 20 February off; the weekends around it are off anyway.
    assert not is_working_day(date(2026, 2, 17))
    tet = CalendarDay.objects.filter(day__range=(date(2026, 2, 1), date(2026, 2, 28)))
    assert sorted(tet.values_list("day", flat=True)) == [date(2026, 2, d) for d in range(16, 21)]
    assert tet.get(day=date(2026, 2, 17)).name == "Tết Nguyên Đán"
    assert all(item.source == DaySource.PACKAGE and not item.is_working for item in tet)
    assert is_working_day(date(2026, 2, 13))
    assert is_working_day(date(2026, 2, 23))
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_a_deadline_spanning_tet_moves_past_it() -> None:
    received = at(2026, 2, 12, 14)  # Thursday before Tết
    deadline = working_deadline(received, 5)
    # Fri 13, then Tết (16–20) and two weekends are skipped: Mon 23, Tue 24, Wed 25, Thu 26.
    assert deadline == end_of(date(2026, 2, 26))
    assert deadline.utcoffset() == timedelta(hours=7)
    # Without Tết it would have been Thursday 19 February.
    assert working_days_add(date(2026, 2, 12), 2) == date(2026, 2, 23)


def test_other_2026_holidays_and_the_hung_kings_compensatory_day() -> None:
    assert not is_working_day(date(2026, 1, 1))
    assert not is_working_day(date(2026, 4, 27))  # Giỗ Tổ on Sunday 26/04, off on Monday
    assert not is_working_day(date(2026, 4, 30))
    assert not is_working_day(date(2026, 5, 1))
    assert not is_working_day(date(2026, 9, 1))
    assert not is_working_day(date(2026, 9, 2))


def test_a_make_up_saturday_counts_as_a_working_day() -> None:
    # Saturday 22/08/2026 is worked to take Monday 31/08 off (the 2/9 holiday bridge).
    saturday = CalendarDay.objects.get(day=date(2026, 8, 22))
    assert saturday.is_working
    assert saturday.name == "Ngày làm bù (cho ngày nghỉ 31/08/2026)"
    assert is_working_day(date(2026, 8, 22))
    assert not is_working_day(date(2026, 8, 23))
    assert working_days_add(date(2026, 8, 21), 1) == date(2026, 8, 22)
    # Fri 28 → Sat 22 counted before; after 28/08, Mon 31, Tue 1 and Wed 2 are off.
    assert working_days_add(date(2026, 8, 28), 1) == date(2026, 9, 3)


def test_submission_on_a_non_working_day_counts_like_the_evening_before() -> None:
    friday_evening = at(2026, 3, 6, 23, 30)
    saturday = at(2026, 3, 7, 10)
    sunday = at(2026, 3, 8, 18)
    expected = end_of(date(2026, 3, 9))  # Monday
    assert working_deadline(friday_evening, 1) == expected
    assert working_deadline(saturday, 1) == expected
    assert working_deadline(sunday, 1) == expected
    assert working_deadline(at(2026, 2, 17, 9), 1) == end_of(date(2026, 2, 23))  # received during Tết
    assert working_deadline(saturday, 0) == end_of(date(2026, 3, 7))


def test_deadline_uses_the_local_date_of_an_instant_given_in_utc() -> None:
    # 18:00 UTC on Monday is 01:00 on Tuesday in Hà Nội: Tuesday is the day of receipt.
    from datetime import UTC

    received = datetime(2026, 3, 9, 18, 0, tzinfo=UTC)
    assert working_deadline(received, 1) == end_of(date(2026, 3, 11))


def test_working_time_fraction_counts_working_days_only() -> None:
    received = at(2026, 2, 12, 14)  # Thursday; 5 working days → Thu 26/02
    deadline = working_deadline(received, 4)  # Fri 13, Mon 23, Tue 24, Wed 25
    assert deadline == end_of(date(2026, 2, 25))
    assert working_time_fraction(received, deadline, at(2026, 2, 12, 20)) == 0.0  # the day of receipt
    assert working_time_fraction(received, deadline, at(2026, 2, 14)) == pytest.approx(0.25)
    # Tết does not use up time: still a quarter on Sunday 22/02 at night.
    assert working_time_fraction(received, deadline, at(2026, 2, 22, 23)) == pytest.approx(0.25)
    assert working_time_fraction(received, deadline, at(2026, 2, 24)) == pytest.approx(0.5)
    assert working_time_fraction(received, deadline, at(2026, 2, 25, 4, 48)) == pytest.approx(0.8)
    assert working_time_fraction(received, deadline, deadline) == 1.0
    assert working_time_fraction(received, deadline, at(2026, 2, 27)) == pytest.approx(1.25)
    # Two working days paused: at the deadline only half the time is used.
    assert working_time_fraction(received, deadline, deadline, paused_working_days=2) == pytest.approx(0.5)
    assert working_time_fraction(received, deadline, at(2026, 2, 14), paused_working_days=2) == 0.0


def test_an_operator_edit_is_seen_by_the_next_call_and_the_cache_saves_queries(
    root_admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar_revisions, "seconds", 60.0)  # however slow this machine is
    start = date(2026, 3, 5)  # Thursday
    assert working_days_add(start, 2) == date(2026, 3, 9)
    with CaptureQueriesContext(connection) as queries:
        assert working_days_add(start, 2) == date(2026, 3, 9)
    # The revisions are re-checked at most once a second; the days come from memory.
    assert len(queries.captured_queries) == 0
    # An edit in this process is seen at once, inside its transaction and after it.
    calendar_day_set(actor=root_admin, day=date(2026, 3, 6), is_working=False, name="Nghỉ đột xuất")
    assert working_days_add(start, 2) == date(2026, 3, 10)


def test_a_change_by_another_process_is_seen_through_the_revision_within_a_second(
    root_admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert is_working_day(date(2026, 3, 6))  # this process caches 2026 and the revisions
    # Another process writes the day and a new revision; this process's cache is untouched.
    CalendarDay.objects.create(day=date(2026, 3, 6), is_working=False, name="Nghỉ", source=DaySource.OPERATOR)
    CalendarYear.objects.filter(year=2026).update(revision="another-process")
    monkeypatch.setattr(calendar_revisions, "seconds", 60.0)
    assert is_working_day(date(2026, 3, 6))  # the revisions were checked less than a second ago
    monkeypatch.setattr(calendar_revisions, "seconds", 0.0)
    assert not is_working_day(date(2026, 3, 6))  # re-checked: a new revision, the year is read again


def test_a_rolled_back_edit_does_not_linger_in_the_cache(root_admin) -> None:
    assert is_working_day(date(2026, 3, 6))
    with pytest.raises(RuntimeError), transaction.atomic():
        calendar_day_set(actor=root_admin, day=date(2026, 3, 6), is_working=False, name="Nghỉ")
        assert not is_working_day(date(2026, 3, 6))  # cached inside the doomed transaction
        raise RuntimeError
    assert is_working_day(date(2026, 3, 6))
    calendar_day_set(actor=root_admin, day=date(2026, 3, 5), is_working=False, name="Nghỉ khác")
    assert is_working_day(date(2026, 3, 6))
    assert not is_working_day(date(2026, 3, 5))


def test_a_year_asked_about_is_initialised_from_the_package() -> None:
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert not is_working_day(date(2031, 9, 2))
    record = CalendarYear.objects.get(year=2031)
    assert record.initialised_from.startswith("holidays ")
    assert CalendarDay.objects.filter(day__year=2031, source=DaySource.PACKAGE).exists()


def test_a_snapshot_reads_the_revisions_once_for_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    working_calendar().add(date(2026, 1, 2), 300)  # warm: 2026 and 2027
    monkeypatch.setattr(calendar_revisions, "seconds", 0.0)  # as if a second had passed
    with CaptureQueriesContext(connection) as queries:
        calendar = working_calendar()
        results = [calendar.add(date(2026, 1, 1) + timedelta(days=n), 10) for n in range(100)]
    assert len(queries.captured_queries) == 1
    assert results[0] == date(2026, 1, 15)


def test_month_grids_mark_days_off_and_make_up_days() -> None:
    days = list(CalendarDay.objects.filter(day__year=2026))
    grids = calendar_month_grids(year=2026, days=days)
    assert len(grids) == 12
    cells = {cell.day: cell for grid in grids for week in grid.weeks for cell in week if cell is not None}
    assert len(cells) == 365
    assert cells[date(2026, 2, 17)].css_class == "day-holiday"
    assert cells[date(2026, 8, 22)].css_class == "day-makeup"
    assert cells[date(2026, 8, 23)].css_class == "day-weekend"
    assert cells[date(2026, 3, 9)].css_class == "day-working"
    assert sum(grid.working_days for grid in grids) == working_days_between(
        date(2025, 12, 31), date(2026, 12, 31)
    )
