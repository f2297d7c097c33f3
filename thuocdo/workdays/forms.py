from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

KIND_OFF = "off"
KIND_WORKING = "working"


class CalendarDayForm(forms.Form):
    """Add or change one day of a year's calendar (the page of that year)."""

    day = forms.DateField(
        label=_("Ngày"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Cần chọn ngày."),
            "invalid": _("Ngày không hợp lệ (dạng dd/mm/yyyy)."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Loại ngày"),
        choices=[
            (KIND_OFF, _("Ngày nghỉ (lễ, Tết, nghỉ bù) vào ngày thường")),
            (KIND_WORKING, _("Ngày làm bù (đi làm vào thứ Bảy hoặc Chủ nhật)")),
        ],
        error_messages={"required": _("Cần chọn loại ngày."), "invalid_choice": _("Loại ngày không hợp lệ.")},
    )
    name = forms.CharField(
        label=_("Tên ngày"),
        max_length=200,
        required=False,  # the service says why an empty name is refused, for the web and the API alike
        help_text=_("Ví dụ: Tết Nguyên Đán, Nghỉ bù Quốc khánh, Làm bù cho ngày 02/01."),
    )

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if day.year != self.year:
            raise forms.ValidationError(
                _("Ngày %(day)s không thuộc năm %(year)s đang xem."),
                params={"day": f"{day:%d/%m/%Y}", "year": self.year},
            )
        return day

    @property
    def is_working(self) -> bool:
        return self.cleaned_data["kind"] == KIND_WORKING
