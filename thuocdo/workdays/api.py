"""The working-day calendar (/api/v1/calendar): a year's days off and make-up days and a
deadline calculator are public; adding, changing and removing a day needs an administrator
at the root (checked by the services). Thin: parse, call one service or selector, render."""

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Query, Router, Status

from . import selectors, services
from .models import CalendarDay
from .schemas import CalendarDayIn, CalendarDayOut, CalendarYearOut, WorkingDaysOut

router = Router(tags=["Lịch ngày làm việc"])


@router.get(
    "/years/{year}", response=CalendarYearOut, auth=None, summary="Ngày nghỉ và ngày làm bù của một năm"
)
def calendar_year(request: HttpRequest, year: int) -> object:
    record = selectors.calendar_year_get(year=year)
    days = list(selectors.calendar_day_list(year=year))
    return {
        "year": record.year,
        "initialised_at": record.initialised_at,
        "initialised_from": record.initialised_from,
        "edited_at": record.edited_at,
        "working_days": sum(
            grid.working_days for grid in selectors.calendar_month_grids(year=year, days=days)
        ),
        "days_off": [item for item in days if not item.is_working],
        "working_weekend_days": [item for item in days if item.is_working],
    }


@router.get("/working-days", response=WorkingDaysOut, auth=None, summary="Tính hạn theo ngày làm việc")
def working_days(
    request: HttpRequest,
    start: Query[datetime],
    days: Query[int],
) -> object:
    """`start`: thời điểm tiếp nhận (ISO 8601; không ghi múi giờ thì hiểu là giờ Việt Nam;
    chỉ ghi ngày thì hiểu là 00:00). Ngày tiếp nhận không được tính: ngày thứ nhất là ngày
    làm việc đầu tiên sau đó."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=selectors.CALENDAR_TIMEZONE)
    deadline = selectors.working_deadline(start, days)
    return {"start": start, "days": days, "end_date": deadline.date(), "deadline": deadline}


@router.post("/days", response=CalendarDayOut, summary="Đặt một ngày nghỉ hoặc ngày làm bù")
def calendar_day_set(request: HttpRequest, payload: CalendarDayIn) -> CalendarDay:
    return services.calendar_day_set(
        actor=request.user, day=payload.day, is_working=payload.is_working, name=payload.name
    )


@router.delete("/days/{day}", response={204: None}, summary="Trả một ngày về lệ thường")
def calendar_day_reset(request: HttpRequest, day: date) -> object:
    services.calendar_day_reset(actor=request.user, day=day)
    return Status(204, None)
