"""Seeding and operators' edits: idempotent seeding that never overwrites an edit, the
validation of every field, permissions (refusals audited) and the audit trail."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.core.errors import NotFound, PermissionDenied, ValidationFailed
from thuocdo.workdays.models import CalendarDay, CalendarYear, DaySource
from thuocdo.workdays.selectors import working_days_add
from thuocdo.workdays.services import (
    calendar_day_reset,
    calendar_day_set,
    calendar_seed,
    holiday_package_days,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]


def snapshot() -> tuple[list[tuple[date, bool, str, str]], dict[int, str]]:
    days = list(CalendarDay.objects.values_list("day", "is_working", "name", "source"))
    return days, dict(CalendarYear.objects.values_list("year", "revision"))


def test_package_days_hold_only_differences_from_the_default_rule() -> None:
    days = holiday_package_days(2026)
    assert all(item.day.weekday() < 5 for item in days if not item.is_working)
    assert all(item.day.weekday() >= 5 for item in days if item.is_working)
    assert date(2026, 4, 26) not in {item.day for item in days}  # Giỗ Tổ on a Sunday: off anyway
    assert [item.day for item in days if item.is_working] == [date(2026, 8, 22)]


def test_seeding_is_idempotent_and_never_overwrites_edits(root_admin) -> None:
    calendar_day_set(actor=root_admin, day=date(2026, 2, 23), is_working=False, name="Nghỉ Tết thêm")
    calendar_day_reset(actor=root_admin, day=date(2026, 11, 24))
    before = snapshot()
    events = AuditEvent.objects.count()
    assert calendar_seed(years=[2025, 2026, 2027]) == [(2025, False), (2026, False), (2027, False)]
    assert snapshot() == before
    assert AuditEvent.objects.count() == events
    assert CalendarDay.objects.get(day=date(2026, 2, 23)).source == DaySource.OPERATOR
    assert not CalendarDay.objects.filter(day=date(2026, 11, 24)).exists()  # a reset stays reset


def test_initialising_a_year_is_one_audited_data_load() -> None:
    assert calendar_seed(years=[2030]) == [(2030, True)]
    event = AuditEvent.objects.filter(action=AuditAction.DATA_LOAD).latest("id")
    assert event.object_type == "workdays.calendaryear"
    assert '"year":2030' in event.after_json


def test_an_operator_edit_changes_a_deadline_and_is_audited(root_admin) -> None:
    # The Government gives one more day of Tết: Monday 23/02/2026.
    assert working_days_add(date(2026, 2, 12), 2) == date(2026, 2, 23)
    revision = CalendarYear.objects.get(year=2026).revision
    item = calendar_day_set(
        actor=root_admin, day=date(2026, 2, 23), is_working=False, name="  Nghỉ Tết bổ sung "
    )
    assert (item.name, item.source, item.updated_by) == ("Nghỉ Tết bổ sung", DaySource.OPERATOR, root_admin)
    assert working_days_add(date(2026, 2, 12), 2) == date(2026, 2, 24)
    year = CalendarYear.objects.get(year=2026)
    assert year.revision != revision
    assert year.edited_by == root_admin
    assert year.edited_at is not None
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor, event.object_type) == (
        AuditAction.CREATE,
        root_admin,
        "workdays.calendarday",
    )

    calendar_day_reset(actor=root_admin, day=date(2026, 2, 23))
    assert working_days_add(date(2026, 2, 12), 2) == date(2026, 2, 23)
    assert AuditEvent.objects.latest("id").action == AuditAction.DELETE


def test_renaming_a_seeded_day_makes_it_the_operators(root_admin) -> None:
    calendar_day_set(
        actor=root_admin, day=date(2026, 2, 16), is_working=False, name="Nghỉ Tết (27 tháng Chạp)"
    )
    item = CalendarDay.objects.get(day=date(2026, 2, 16))
    assert (item.source, item.name) == (DaySource.OPERATOR, "Nghỉ Tết (27 tháng Chạp)")
    event = AuditEvent.objects.latest("id")
    assert event.action == AuditAction.UPDATE
    assert "Giao thừa" in event.before_json


def test_setting_the_same_day_again_changes_nothing(root_admin) -> None:
    calendar_day_set(actor=root_admin, day=date(2026, 3, 6), is_working=False, name="Nghỉ")
    before, events = snapshot(), AuditEvent.objects.count()
    calendar_day_set(actor=root_admin, day=date(2026, 3, 6), is_working=False, name="Nghỉ")
    assert (snapshot(), AuditEvent.objects.count()) == (before, events)


def test_a_make_up_saturday_entered_by_an_operator(root_admin) -> None:
    calendar_day_set(actor=root_admin, day=date(2026, 3, 7), is_working=True, name="Làm bù")
    assert working_days_add(date(2026, 3, 6), 1) == date(2026, 3, 7)


@pytest.mark.parametrize(
    ("day", "is_working", "name", "field"),
    [
        (date(2026, 3, 6), False, "   ", "name"),
        (date(2026, 3, 6), False, "x" * 201, "name"),
        (date(2026, 3, 6), True, "Làm bù", "is_working"),  # a normal Friday marked as working
        (date(2026, 3, 7), False, "Nghỉ", "is_working"),  # a Saturday marked as a day off
        (date(1999, 3, 5), False, "Nghỉ", "day"),
        (date(2101, 3, 7), True, "Làm bù", "day"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(root_admin, day, is_working, name, field) -> None:
    before, events = snapshot(), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_set(actor=root_admin, day=day, is_working=is_working, name=name)
    assert field in caught.value.fields
    assert (snapshot(), AuditEvent.objects.count()) == (before, events)


def test_resetting_a_day_that_follows_the_default_rule_is_not_found(root_admin) -> None:
    before = snapshot()
    with pytest.raises(NotFound):
        calendar_day_reset(actor=root_admin, day=date(2026, 3, 6))
    assert snapshot() == before


@pytest.mark.parametrize("who", ["province_admin", "root_leader", "anonymous"])
def test_only_root_administrators_may_edit_and_refusals_are_audited(request, who) -> None:
    actor = request.getfixturevalue(who)
    before = snapshot()
    denials = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()
    with pytest.raises(PermissionDenied):
        calendar_day_set(actor=actor, day=date(2026, 3, 6), is_working=False, name="Nghỉ")
    with pytest.raises(PermissionDenied):
        calendar_day_reset(actor=actor, day=date(2026, 2, 17))
    assert snapshot() == before
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == denials + 2
    event = AuditEvent.objects.latest("id")
    assert event.object_type == "workdays.calendarday"
    assert '"attempted_action":"manage"' in event.after_json


def test_a_superuser_may_edit(superuser) -> None:
    calendar_day_set(actor=superuser, day=date(2026, 3, 6), is_working=False, name="Nghỉ")
    assert CalendarDay.objects.filter(day=date(2026, 3, 6), updated_by=superuser).exists()


def test_an_inactive_root_administrator_may_not_edit(root_admin) -> None:
    root_admin.is_active = False
    root_admin.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        calendar_day_set(actor=root_admin, day=date(2026, 3, 6), is_working=False, name="Nghỉ")


def test_editing_a_year_not_yet_initialised_initialises_it_first(root_admin) -> None:
    calendar_day_set(actor=root_admin, day=date(2032, 3, 5), is_working=False, name="Nghỉ")
    assert CalendarYear.objects.filter(year=2032).exists()
    assert CalendarDay.objects.filter(day__year=2032, source=DaySource.PACKAGE).exists()


def test_the_command_seeds_the_years_asked_and_keeps_existing_ones(capsys) -> None:
    call_command("calendar_seed", "--year", "2026", "--year", "2033")
    output = capsys.readouterr().out
    assert "2026: đã có, giữ nguyên" in output
    assert "2033: đã khởi tạo từ gói holidays" in output
    with pytest.raises(CommandError, match="2000"):
        call_command("calendar_seed", "--year", "1990")


def test_the_command_defaults_to_last_this_and_the_next_two_years(capsys) -> None:
    from django.utils import timezone

    call_command("calendar_seed")
    this_year = timezone.localdate().year
    assert set(range(this_year - 1, this_year + 3)) <= set(
        CalendarYear.objects.values_list("year", flat=True)
    )
