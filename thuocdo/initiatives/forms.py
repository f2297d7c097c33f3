"""Forms for the initiative pages. They parse and shape input; the rules live in services."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from thuocdo.delivery.forms import MultipleFileField
from thuocdo.delivery.models import Plan

from .models import Outcome, Rubric, StrategicArea
from .services import MAX_EXPECTED_RESULTS, Contact, ExpectedResultInput, InitiativeContent

RESULT_ROWS = 5  # rows shown in the form; the service accepts up to MAX_EXPECTED_RESULTS


class InitiativeContentForm(forms.Form):
    title = forms.CharField(label=_("Tên sáng kiến"), max_length=300)
    problem = forms.CharField(
        label=_("Vấn đề cần giải quyết"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    solution = forms.CharField(
        label=_("Giải pháp đề xuất"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000
    )
    area = forms.ChoiceField(label=_("Lĩnh vực công nghệ chiến lược"))
    budget_million_vnd = forms.CharField(
        label=_("Kinh phí dự kiến (triệu đồng)"), max_length=20, help_text=_("Ví dụ: 12500 hoặc 850,5")
    )
    duration_months = forms.IntegerField(label=_("Thời gian thực hiện (tháng)"), min_value=1, max_value=120)
    lead_organisation = forms.CharField(label=_("Tổ chức chủ trì"), max_length=300)
    team = forms.CharField(
        label=_("Nhóm thực hiện"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        help_text=_("Thành viên chính, vai trò, kinh nghiệm liên quan."),
    )
    attachments = MultipleFileField(
        label=_("Tệp đính kèm (PDF, ảnh, Word, Excel, OpenDocument; tối đa 5 tệp, 20 MB mỗi tệp)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", _("— Chọn lĩnh vực —"))] + [
            (a.code, a.name) for a in StrategicArea.objects.filter(is_active=True)
        ]
        for index in range(1, RESULT_ROWS + 1):
            required = index == 1
            self.fields[f"result_{index}_name"] = forms.CharField(
                label=_("Kết quả dự kiến %(i)d") % {"i": index}, max_length=500, required=required
            )
            self.fields[f"result_{index}_unit"] = forms.CharField(
                label=_("Đơn vị tính"), max_length=50, required=required
            )
            self.fields[f"result_{index}_baseline"] = forms.CharField(
                label=_("Giá trị hiện tại"), max_length=30, required=False
            )
            self.fields[f"result_{index}_target"] = forms.CharField(
                label=_("Giá trị mục tiêu"), max_length=30, required=required
            )

    def result_rows(self) -> list[list[Any]]:
        """The expected-result fields grouped by row, for the template."""
        return [
            [self[f"result_{i}_{part}"] for part in ("name", "unit", "baseline", "target")]
            for i in range(1, RESULT_ROWS + 1)
        ]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in self.MAIN]

    MAIN = (
        "title",
        "problem",
        "solution",
        "area",
        "budget_million_vnd",
        "duration_months",
        "lead_organisation",
        "team",
        "attachments",
    )

    def content(self) -> InitiativeContent:
        data = self.cleaned_data
        results = []
        for index in range(1, RESULT_ROWS + 1):
            parts = [data.get(f"result_{index}_{p}", "") for p in ("name", "unit", "baseline", "target")]
            if any(part.strip() for part in parts):
                results.append(
                    ExpectedResultInput(
                        name=parts[0], unit_of_measure=parts[1], baseline=parts[2] or None, target=parts[3]
                    )
                )
        return InitiativeContent(
            title=data["title"],
            problem=data["problem"],
            solution=data["solution"],
            area_code=data["area"],
            budget_million_vnd=data["budget_million_vnd"],
            duration_months=data["duration_months"],
            lead_organisation=data["lead_organisation"],
            team=data["team"],
            expected_results=results[:MAX_EXPECTED_RESULTS],
        )


class RegistrationForm(InitiativeContentForm):
    contact_name = forms.CharField(label=_("Họ và tên người đăng ký"), max_length=150)
    contact_email = forms.EmailField(label=_("Thư điện tử"), max_length=254)
    contact_phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)
    consent = forms.BooleanField(
        label=_(
            "Tôi đồng ý để Văn phòng thường trực xử lý thông tin liên hệ trên chỉ nhằm tiếp nhận, "
            "trao đổi về sáng kiến này."
        ),
        required=False,
    )
    # A field people do not see (hidden by the `visually-hidden` class); robots fill it.
    website = forms.CharField(label=_("Để trống ô này"), required=False, max_length=200)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(name=data["contact_name"], email=data["contact_email"], phone=data["contact_phone"])

    def contact_fields(self) -> list[Any]:
        return [self[name] for name in ("contact_name", "contact_email", "contact_phone", "consent")]


class ResubmitForm(InitiativeContentForm):
    contact_email = forms.EmailField(
        label=_("Thư điện tử đã dùng khi đăng ký"),
        max_length=254,
        help_text=_("Để xác nhận bạn là người đã gửi sáng kiến."),
    )


class TrackingLookupForm(forms.Form):
    code = forms.CharField(label=_("Mã tra cứu"), max_length=30, help_text=_("Ví dụ: SK-7KQ3M-X9TPA"))


class ScreeningForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Kết quả xét điều kiện"),
        choices=[("eligible", _("Đủ điều kiện, chuyển thẩm định")), ("ineligible", _("Không đủ điều kiện"))],
    )
    reason = forms.CharField(
        label=_("Lý do (bắt buộc khi không đủ điều kiện; người đăng ký sẽ thấy)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class AssignExpertForm(forms.Form):
    expert = forms.ChoiceField(label=_("Chuyên gia"))

    def __init__(self, *args: Any, experts: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["expert"]).choices = [("", _("— Chọn chuyên gia —"))] + [
            (str(u.pk), f"{u.display_name} — {u.position}" if u.position else u.display_name) for u in experts
        ]


class ConflictForm(forms.Form):
    has_conflict = forms.ChoiceField(
        label=_("Xung đột lợi ích"),
        choices=[
            ("no", _("Tôi không có xung đột lợi ích với sáng kiến, tổ chức và nhóm thực hiện")),
            ("yes", _("Tôi có xung đột lợi ích (không chấm điểm sáng kiến này)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Giải trình (bắt buộc khi có xung đột)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class ScoreForm(forms.Form):
    comment = forms.CharField(
        label=_("Nhận xét"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=20_000
    )

    def __init__(self, *args: Any, rubric: Rubric | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(rubric.criteria.all()) if rubric else []
        for criterion in self.criteria:
            self.fields[f"score_{criterion.code}"] = forms.IntegerField(
                label=f"{criterion.name} ({criterion.weight} %)",
                min_value=0,
                max_value=10,
                help_text=criterion.description,
            )
        self.order_fields([f"score_{c.code}" for c in self.criteria] + ["comment"])

    def scores(self) -> dict[str, Any]:
        return {c.code: self.cleaned_data.get(f"score_{c.code}") for c in self.criteria}


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Quyết định của Hội đồng"), choices=Outcome.choices)
    reasons = forms.CharField(
        label=_("Lý do (công khai)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )
    minutes_summary = forms.CharField(
        label=_("Tóm tắt biên bản họp (công khai)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
    )
    minutes = forms.CharField(
        label=_("Biên bản đầy đủ (nội bộ)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
    )
    meeting_on = forms.DateField(
        label=_("Ngày họp Hội đồng"), input_formats=["%d/%m/%Y", "%Y-%m-%d"], help_text=_("dd/mm/yyyy")
    )
    responsible_unit = forms.CharField(
        label=_("Mã đơn vị chủ trì thực hiện (khi lựa chọn)"),
        required=False,
        max_length=40,
        help_text=_("Ví dụ: BO-KHCN (Bộ Khoa học và Công nghệ), 01 (Hà Nội)."),
    )
    plan_id = forms.TypedChoiceField(
        label=_("Đưa vào kế hoạch (khi lựa chọn)"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["plan_id"]).choices = [
            ("", _("Kế hoạch sáng kiến đột phá được lựa chọn (mặc định)"))
        ] + [
            (str(p.pk), f"{p.number} — {p.title[:80]}") for p in Plan.objects.order_by("-issued_on", "number")
        ]
