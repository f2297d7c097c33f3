"""The API's field errors in the reader's language.

django-ninja reports bad input with pydantic's messages, which are English only
("Field required"). `field_errors` turns each into a message of our catalogue, by its
error type and context (e.g. the length that was exceeded), under the field's name
without the parameter's source ("body", "query", ...). A type not listed here keeps
pydantic's own message."""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}

# Each message gets the error's context, with fallbacks read from pydantic's text.
_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: _("Trường này là bắt buộc."),
    "string_type": lambda ctx: _("Cần một chuỗi ký tự."),
    "string_too_short": lambda ctx: _("Cần ít nhất %(n)s ký tự.") % {"n": ctx.get("min_length", "?")},
    "string_too_long": lambda ctx: _("Tối đa %(n)s ký tự.") % {"n": ctx.get("max_length", "?")},
    "string_pattern_mismatch": lambda ctx: _("Không đúng định dạng."),
    "too_short": lambda ctx: _("Cần ít nhất %(n)s phần tử.") % {"n": ctx.get("min_length", "?")},
    "too_long": lambda ctx: _("Tối đa %(n)s phần tử.") % {"n": ctx.get("max_length", "?")},
    "int_type": lambda ctx: _("Cần một số nguyên."),
    "int_parsing": lambda ctx: _("Cần một số nguyên."),
    "int_from_float": lambda ctx: _("Cần một số nguyên."),
    "float_type": lambda ctx: _("Cần một số."),
    "float_parsing": lambda ctx: _("Cần một số."),
    "decimal_type": lambda ctx: _("Cần một số."),
    "decimal_parsing": lambda ctx: _("Cần một số."),
    "decimal_max_digits": lambda ctx: _("Tối đa %(n)s chữ số.") % {"n": ctx.get("max_digits", "?")},
    "decimal_max_places": lambda ctx: (
        _("Tối đa %(n)s chữ số thập phân.") % {"n": ctx.get("decimal_places", "?")}
    ),
    "bool_type": lambda ctx: _("Cần giá trị đúng hoặc sai (true/false)."),
    "bool_parsing": lambda ctx: _("Cần giá trị đúng hoặc sai (true/false)."),
    "greater_than": lambda ctx: _("Cần lớn hơn %(n)s.") % {"n": ctx.get("gt", "?")},
    "greater_than_equal": lambda ctx: _("Cần lớn hơn hoặc bằng %(n)s.") % {"n": ctx.get("ge", "?")},
    "less_than": lambda ctx: _("Cần nhỏ hơn %(n)s.") % {"n": ctx.get("lt", "?")},
    "less_than_equal": lambda ctx: _("Cần nhỏ hơn hoặc bằng %(n)s.") % {"n": ctx.get("le", "?")},
    "date_type": lambda ctx: _("Ngày không hợp lệ (dạng YYYY-MM-DD)."),
    "date_parsing": lambda ctx: _("Ngày không hợp lệ (dạng YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda ctx: _("Ngày không hợp lệ (dạng YYYY-MM-DD)."),
    "datetime_type": lambda ctx: _(
        "Thời điểm không hợp lệ (dạng ISO 8601, ví dụ 2026-01-31T08:00:00+07:00)."
    ),
    "datetime_parsing": lambda ctx: _(
        "Thời điểm không hợp lệ (dạng ISO 8601, ví dụ 2026-01-31T08:00:00+07:00)."
    ),
    "datetime_from_date_parsing": lambda ctx: _(
        "Thời điểm không hợp lệ (dạng ISO 8601, ví dụ 2026-01-31T08:00:00+07:00)."
    ),
    "uuid_type": lambda ctx: _("Mã UUID không hợp lệ."),
    "uuid_parsing": lambda ctx: _("Mã UUID không hợp lệ."),
    "literal_error": lambda ctx: (
        _("Giá trị không hợp lệ; chọn một trong: %(values)s.") % {"values": _choices(ctx)}
    ),
    "enum": lambda ctx: _("Giá trị không hợp lệ; chọn một trong: %(values)s.") % {"values": _choices(ctx)},
    "list_type": lambda ctx: _("Cần một danh sách."),
    "dict_type": lambda ctx: _("Cần một đối tượng JSON."),
    "model_type": lambda ctx: _("Cần một đối tượng JSON."),
    "model_attributes_type": lambda ctx: _("Cần một đối tượng JSON."),
    "json_invalid": lambda ctx: _("Nội dung JSON không hợp lệ."),
    "json_type": lambda ctx: _("Nội dung JSON không hợp lệ."),
    "extra_forbidden": lambda ctx: _("Trường này không được nhận."),
    "url_parsing": lambda ctx: _("Địa chỉ URL không hợp lệ."),
    "url_type": lambda ctx: _("Địa chỉ URL không hợp lệ."),
}


def _choices(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "?")).replace(" or ", ", ")  # pydantic: "'a', 'b' or 'c'"


_VALUE_ERROR_PREFIX = re.compile(r"^(Value|Assertion) error, ")


def field_message(error: dict[str, Any]) -> str:
    """One pydantic error (as django-ninja reports it) as a message of our catalogue."""
    message = _MESSAGES.get(str(error.get("type", "")))
    if message is not None:
        return message(error.get("ctx") or {})
    # Our own validators raise ValueError with a message already in the catalogue.
    return _VALUE_ERROR_PREFIX.sub("", str(error.get("msg", "")))


def field_name(location: Iterable[Any]) -> str:
    """The field's dotted name: without the source ("body", "query", ...) and, for a JSON
    body, without the name of the view's parameter that holds it ("payload")."""
    parts = list(location)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and len(parts) > 1:
            parts.pop(0)
    return ".".join(str(part) for part in parts) or "__all__"


def field_errors(errors: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(field_name(error.get("loc", ())), []).append(field_message(error))
    return fields
