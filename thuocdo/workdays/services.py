"""Writes to the working-day calendar: initialising years from the `holidays` package and
operators' edits. Every write changes the year's `revision`, which is how every process
notices that its cached copy of the year is stale (see selectors)."""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import holidays
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import NotFound, ValidationFailed

from .models import CalendarDay, CalendarYear, DaySource
from .permissions import calendar_day_policy
from .selectors import calendar_revisions, year_in_range, year_out_of_range

NAME_MAX_LENGTH = 200
_SUBSTITUTED = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


@dataclass(frozen=True)
class PackageDay:
    day: date
    is_working: bool
    name: str


def holiday_package_days(year: int) -> list[PackageDay]:
    """What the `holidays` package says about a year in Vietnam, reduced to the days that
    differ from the default rule: holidays on weekdays (a holiday on a weekend is already
    off; the package lists its compensatory weekday separately) and weekend working days."""
    source = holidays.country_holidays("VN", years=year, language="vi")
    days = [
        PackageDay(day=day, is_working=False, name=str(name)[:NAME_MAX_LENGTH])
        for day, name in sorted(source.items())
        if day.year == year and day.weekday() < 5
    ]
    # "Ngày nghỉ (thay cho ngày 26/04/2025)": the weekday off paid for by working that Saturday.
    replaced_by: dict[date, date] = {}
    for day, name in source.items():
        match = _SUBSTITUTED.search(str(name))
        if match:
            dd, mm, yyyy = (int(part) for part in match.groups())
            replaced_by[date(yyyy, mm, dd)] = day
    for day in sorted(getattr(source, "weekend_workdays", ())):
        if day.year != year or day.weekday() < 5:
            continue
        off = replaced_by.get(day)
        # Stored data, not interface text: always Vietnamese, whatever the active language.
        name = f"Ngày làm bù (cho ngày nghỉ {off:%d/%m/%Y})" if off is not None else "Ngày làm bù"
        days.append(PackageDay(day=day, is_working=True, name=name))
    return sorted(days, key=lambda item: item.day)


def _new_revision() -> str:
    return uuid.uuid4().hex


def _check_year(year: int, field: str = "year") -> None:
    if not year_in_range(year):
        raise year_out_of_range(field)


def calendar_year_initialise(*, year: int, actor: Any = None) -> tuple[CalendarYear, bool]:
    """Create a year's calendar from the `holidays` package, once. A year that exists is
    returned untouched (with False), so operators' edits are never overwritten. Audited as a
    data load; `actor` None means the system (a command, or a first question about the
    year)."""
    _check_year(year)
    existing = CalendarYear.objects.filter(year=year).first()
    if existing is not None:
        return existing, False
    package_days = holiday_package_days(year)
    try:
        with transaction.atomic():
            calendar_revisions.changed()
            record = CalendarYear.objects.create(
                year=year,
                initialised_at=timezone.now(),
                initialised_from=f"holidays {holidays.__version__}",
                revision=_new_revision(),
            )
            taken = set(CalendarDay.objects.filter(day__year=year).values_list("day", flat=True))
            CalendarDay.objects.bulk_create(
                CalendarDay(
                    day=item.day, is_working=item.is_working, name=item.name, source=DaySource.PACKAGE
                )
                for item in package_days
                if item.day not in taken
            )
            audit_record(
                actor=actor,
                action=AuditAction.DATA_LOAD,
                obj=record,
                after={
                    "year": year,
                    "source": record.initialised_from,
                    "days_off": sum(1 for item in package_days if not item.is_working),
                    "working_weekend_days": sum(1 for item in package_days if item.is_working),
                },
                reason=_("Khởi tạo lịch ngày làm việc năm %(year)s") % {"year": year},
            )
    except IntegrityError:
        # Another process initialised the same year at the same moment: use theirs.
        return CalendarYear.objects.get(year=year), False
    return record, True


def calendar_seed(*, years: Iterable[int], actor: Any = None) -> list[tuple[int, bool]]:
    """Initialise each year that does not exist yet; (year, created) for each."""
    return [(year, calendar_year_initialise(year=year, actor=actor)[1]) for year in years]


def _day_state(item: CalendarDay | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {"day": item.day, "is_working": item.is_working, "name": item.name, "source": item.source}


def _year_touch(*, year: CalendarYear, actor: Any) -> None:
    calendar_revisions.changed()
    year.revision = _new_revision()
    year.edited_at = timezone.now()
    year.edited_by = actor if getattr(actor, "is_authenticated", False) else None
    year.save(update_fields=["revision", "edited_at", "edited_by"])


def _locked_year(year: int) -> CalendarYear:
    calendar_year_initialise(year=year)
    return CalendarYear.objects.select_for_update().get(year=year)


def calendar_day_set(*, actor: Any, day: date, is_working: bool, name: str) -> CalendarDay:
    """Make `day` an exception to the default rule: a weekday off (`is_working=False`: a
    holiday, Tết, a compensatory day) or a weekend working day (`is_working=True`: a make-up
    day). Administrators at the root and superusers only; audited."""
    calendar_day_policy.require_manage(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Cần nhập tên ngày (ví dụ: Tết Nguyên Đán, Nghỉ bù, Làm bù).")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("Tên ngày tối đa %(max)s ký tự.") % {"max": NAME_MAX_LENGTH}]
    if not year_in_range(day.year):
        errors["day"] = [str(message) for message in year_out_of_range("day").fields["day"]]
    weekend = day.weekday() >= 5
    if is_working and not weekend:
        errors["is_working"] = [
            _("Thứ Hai đến thứ Sáu vốn là ngày làm việc: chỉ đánh dấu ngày làm bù vào thứ Bảy hoặc Chủ nhật.")
        ]
    if not is_working and weekend:
        errors["is_working"] = [
            _(
                "Thứ Bảy và Chủ nhật vốn là ngày nghỉ: ngày lễ rơi vào cuối tuần được nghỉ bù vào một ngày thường."
            )
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        year = _locked_year(day.year)
        current = CalendarDay.objects.filter(day=day).first()
        if current is not None and (current.is_working, current.name) == (is_working, name):
            return current
        before = _day_state(current)
        item = current or CalendarDay(day=day)
        item.is_working = is_working
        item.name = name
        item.source = DaySource.OPERATOR
        item.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        item.save()
        _year_touch(year=year, actor=actor)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE if current is not None else AuditAction.CREATE,
            obj=item,
            before=before,
            after=_day_state(item),
        )
    return item


def calendar_day_reset(*, actor: Any, day: date) -> None:
    """Return `day` to the default rule (remove its exception). The year is not seeded
    again, so a day an operator reset stays reset. Administrators at the root and
    superusers only; audited."""
    calendar_day_policy.require_manage(actor)
    _check_year(day.year, "day")
    with transaction.atomic():
        year = _locked_year(day.year)
        current = CalendarDay.objects.filter(day=day).first()
        if current is None:
            raise NotFound(
                _("Ngày %(day)s đang theo lệ thường, không có gì để bỏ.") % {"day": f"{day:%d/%m/%Y}"}
            )
        before = _day_state(current)
        audit_record(actor=actor, action=AuditAction.DELETE, obj=current, before=before)
        current.delete()
        _year_touch(year=year, actor=actor)
