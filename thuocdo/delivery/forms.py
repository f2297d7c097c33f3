from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Colour, Indicator, VerificationStatus


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self, data: object, initial: object = None) -> list[object]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    period = forms.DateField(
        label=_("Kỳ báo cáo (tháng/năm)"),
        input_formats=["%m/%Y", "%Y-%m", "%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("Ví dụ: 09/2025"),
    )
    progress = forms.IntegerField(label=_("Tiến độ hoàn thành (%)"), min_value=0, max_value=100)
    narrative = forms.CharField(
        label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    obstacles = forms.CharField(
        label=_("Khó khăn, vướng mắc"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    proposals = forms.CharField(
        label=_("Đề xuất, kiến nghị"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence_files = MultipleFileField(
        label=_("Minh chứng (PDF, ảnh, Word, Excel; tối đa 20 MB mỗi tệp)"), required=False
    )
    evidence_links = forms.CharField(
        label=_("Đường dẫn minh chứng (mỗi dòng một đường dẫn)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)

    def __init__(self, *args: object, indicators: list[Indicator] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.indicators = indicators or []
        for indicator in self.indicators:
            self.fields[f"value_{indicator.key}"] = forms.CharField(
                label=f"{indicator.name} ({indicator.unit_of_measure})", required=False, max_length=40
            )

    def clean_period(self) -> date:
        value: date = self.cleaned_data["period"]
        return value.replace(day=1)

    def links(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data.get("evidence_links", "").splitlines() if line.strip()
        ]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Tiếp nhận")), ("return", _("Trả lại"))], label=_("Quyết định")
    )
    reason = forms.CharField(label=_("Lý do (bắt buộc khi trả lại)"), required=False, max_length=2000)


class VerificationForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Kết luận"),
        choices=[
            (VerificationStatus.CONFIRMED, _("Xác nhận đúng")),
            (VerificationStatus.DISPUTED, _("Không đúng thực tế")),
        ],
    )
    note = forms.CharField(
        label=_("Ghi chú kiểm tra (nội bộ)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class JudgementForm(forms.Form):
    colour = forms.ChoiceField(label=_("Đánh giá của lãnh đạo"), choices=Colour.choices)
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PlanImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx) theo mẫu"))
