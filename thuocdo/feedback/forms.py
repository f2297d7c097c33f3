"""Forms of the public pages. They only read and shape what was typed; every rule
(lengths, places, contacts, anonymity, blocked terms, files) is the intake service's,
so the web form, the API and Open311 refuse the same things with the same words."""

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from thuocdo.units.models import Unit

from .models import Kind, Topic
from .services import SubmissionInput
from .services.intake import BODY_MAX, MAX_ATTACHMENTS, TITLE_MAX

HONEYPOT_FIELD = "website"

PERSONAL_DATA_NOTICE = _(
    "Theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân: họ tên, thư điện tử, số điện "
    "thoại bạn cung cấp chỉ dùng để tiếp nhận, xử lý và trả lời phản ánh, kiến nghị này. "
    "Chỉ đơn vị được giao xử lý và Văn phòng thường trực được xem, mỗi lần xem đều được ghi "
    "nhật ký; không chuyển cho bên thứ ba ngoài các cơ quan có thẩm quyền giải quyết. Khi công "
    "khai kết quả, thông tin liên hệ không bao giờ được công bố; họ tên chỉ được công bố nếu "
    "bạn đồng ý. Bạn có quyền yêu cầu xem, sửa hoặc xoá dữ liệu của mình và rút lại sự đồng ý "
    "bằng cách liên hệ Văn phòng thường trực, kèm mã tra cứu."
)


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the intake service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(upload, initial) for upload in files]


class SubmissionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Chọn loại: phản ánh, kiến nghị, sáng kiến hay giải pháp."),
            "invalid_choice": _("Chọn loại: phản ánh, kiến nghị, sáng kiến hay giải pháp."),
        },
    )
    topic = forms.ChoiceField(
        label=_("Lĩnh vực"),
        error_messages={
            "required": _("Chọn một lĩnh vực trong danh sách."),
            "invalid_choice": _("Chọn một lĩnh vực trong danh sách."),
        },
    )
    title = forms.CharField(
        label=_("Tiêu đề"),
        error_messages={"required": _("Vui lòng nhập tiêu đề.")},
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX, "autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Nội dung"),
        error_messages={"required": _("Vui lòng nhập nội dung.")},
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": BODY_MAX}),
        strip=True,
    )
    province = forms.CharField(label=_("Tỉnh, thành phố"), required=False, widget=forms.Select)
    commune = forms.CharField(label=_("Xã, phường, đặc khu"), required=False, widget=forms.Select)
    place_text = forms.CharField(
        label=_("Địa điểm cụ thể (số nhà, thôn, tổ dân phố...)"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )
    attachments = MultipleFileField(
        label=_("Tệp đính kèm"),
        required=False,
        help_text=_("Tối đa %(n)d tệp PDF, ảnh PNG/JPEG, Word, Excel, OpenDocument; mỗi tệp không quá 10 MB.")
        % {"n": MAX_ATTACHMENTS},
    )
    is_anonymous = forms.BooleanField(label=_("Gửi ẩn danh"), required=False)
    contact_name = forms.CharField(
        label=_("Họ và tên"), required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    contact_email = forms.CharField(
        label=_("Thư điện tử"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label=_("Số điện thoại"), required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    publish_name = forms.BooleanField(
        label=_("Đồng ý công khai họ tên khi kết quả được công khai"), required=False
    )
    consent = forms.BooleanField(
        label=_("Tôi đã đọc và đồng ý với thông báo về xử lý dữ liệu cá nhân ở trên"),
        error_messages={"required": _("Cần đồng ý với thông báo về xử lý dữ liệu cá nhân.")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)
    # A trap for robots: hidden from people by CSS (not type=hidden, which robots skip).
    website = forms.CharField(label=_("Để trống ô này"), required=False)

    def __init__(
        self,
        *args: Any,
        topics: Sequence[Topic],
        provinces: Sequence[Unit],
        communes: Sequence[Unit] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("topic", [("", _("— Chọn lĩnh vực —")), *((t.code, t.name) for t in topics)])
        self.fields["province"].widget.choices = [
            ("", _("— Chọn tỉnh, thành phố —")),
            *((u.code, u.name) for u in provinces),
        ]
        self.fields["commune"].widget.choices = commune_choices(communes)
        self.fields["province"].widget.attrs.update(
            {"hx-get": reverse("feedback:communes"), "hx-target": "#id_commune", "hx-trigger": "change"}
        )
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["title"].widget.attrs.update(_similar_attrs())
        self.fields["body"].widget.attrs.update(_similar_attrs())

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        field.choices = choices

    @property
    def is_robot(self) -> bool:
        """The honeypot was filled: a person never sees that field."""
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())

    def submission(self) -> SubmissionInput:
        data = self.cleaned_data
        return SubmissionInput(
            kind=data["kind"],
            topic=data["topic"],
            title=data["title"],
            body=data["body"],
            province=(data.get("province") or "").strip(),
            commune=(data.get("commune") or "").strip(),
            place_text=data.get("place_text") or "",
            contact_name=data.get("contact_name") or "",
            contact_email=data.get("contact_email") or "",
            contact_phone=data.get("contact_phone") or "",
            is_anonymous=bool(data.get("is_anonymous")),
            publish_name=bool(data.get("publish_name")),
            consent=bool(data.get("consent")),
        )

    def add_service_errors(self, fields: Mapping[str, list[str]], message: str) -> None:
        """Put a ValidationFailed's field messages on the matching fields."""
        for name, messages in fields.items():
            target = name if name in self.fields else None
            for text in messages:
                self.add_error(target, text)
        if not fields:
            self.add_error(None, message)


def commune_choices(communes: Sequence[Unit]) -> list[tuple[str, Any]]:
    return [("", _("— Chọn xã, phường —")), *((u.code, u.name) for u in communes)]


def _similar_attrs() -> dict[str, str]:
    return {
        "hx-get": reverse("feedback:similar"),
        "hx-trigger": "keyup changed delay:800ms",
        "hx-target": "#similar",
        "hx-include": "[name=title],[name=body]",
        "hx-sync": "this:replace",
    }


class TrackLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Mã tra cứu"),
        max_length=40,
        error_messages={"required": _("Nhập mã tra cứu bạn nhận được khi gửi.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Mức độ hài lòng"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Chọn từ 1 đến 5 sao."),
            "invalid_choice": _("Chọn từ 1 đến 5 sao."),
        },
    )
    comment = forms.CharField(label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do không đồng ý"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Vui lòng ghi rõ lý do (ít nhất 5 ký tự).")},
    )


class PublishedFilterForm(forms.Form):
    """Filters of the published answers. Unknown values are refused, never passed on."""

    topic = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    kind = forms.ChoiceField(label=_("Loại"), required=False, choices=[("", _("Tất cả")), *Kind.choices])
    province = forms.ChoiceField(label=_("Tỉnh, thành phố"), required=False)
    unit = forms.CharField(label=_("Mã đơn vị xử lý"), required=False, max_length=20)

    def __init__(self, *args: Any, topics: Sequence[Topic], provinces: Sequence[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topic_field, province_field = self.fields["topic"], self.fields["province"]
        assert isinstance(topic_field, forms.ChoiceField)  # noqa: S101 - narrows the type
        assert isinstance(province_field, forms.ChoiceField)  # noqa: S101 - narrows the type
        topic_field.choices = [("", _("Tất cả")), *((t.code, t.name) for t in topics)]
        province_field.choices = [("", _("Tất cả")), *((u.code, u.name) for u in provinces)]
