"""Input and output shapes of the calendar API. The calendar is public data."""

from datetime import date, datetime

from ninja import Field, Schema

from .models import CalendarDay


class CalendarDayOut(Schema):
    day: date
    is_working: bool = Field(description="true: ngày làm bù (cuối tuần đi làm); false: ngày nghỉ trong tuần")
    kind: str = Field(
        description="`day_off` (ngày nghỉ lễ, Tết, nghỉ bù) hoặc `working_weekend` (ngày làm bù)"
    )
    name: str
    source: str = Field(description="`package` (gói holidays) hoặc `operator` (người vận hành sửa)")

    @staticmethod
    def resolve_kind(obj: CalendarDay) -> str:
        return "working_weekend" if obj.is_working else "day_off"


class CalendarYearOut(Schema):
    year: int
    initialised_at: datetime
    initialised_from: str
    edited_at: datetime | None
    working_days: int = Field(description="Số ngày làm việc trong năm")
    days_off: list[CalendarDayOut]
    working_weekend_days: list[CalendarDayOut]


class WorkingDaysOut(Schema):
    start: datetime = Field(description="Thời điểm tiếp nhận (giờ Việt Nam)")
    days: int
    end_date: date = Field(description="Ngày làm việc thứ `days` sau ngày tiếp nhận")
    deadline: datetime = Field(description="Hạn: 23:59:59 (giờ Việt Nam) của ngày `end_date`")


class CalendarDayIn(Schema):
    day: date
    is_working: bool = Field(
        description="true: ngày làm bù (chỉ thứ Bảy, Chủ nhật); false: ngày nghỉ (chỉ ngày thường)"
    )
    name: str = Field(max_length=200)
