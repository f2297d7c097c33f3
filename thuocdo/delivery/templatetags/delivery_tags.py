from typing import Any

from django import template

from thuocdo.delivery.models import Colour
from thuocdo.delivery.status import Reason, Status

register = template.Library()
STATUS_LABELS = dict(Status.choices)
REASON_LABELS = dict(Reason.choices)
COLOUR_LABELS = dict(Colour.choices)


@register.filter
def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


@register.filter
def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, "")) if code else ""


@register.filter
def colour_label(code: str) -> str:
    return str(COLOUR_LABELS.get(code, code))


@register.filter
def pct(value: Any) -> str:
    """42.5 -> "42,5 %"; None -> "—"."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",").replace(",0", "") + " %"


@register.filter
def share_colour(value: Any) -> str:
    if value is None:
        return "none"
    return "green" if value >= 80 else "amber" if value >= 50 else "red"


@register.simple_tag
def map_x(longitude: float | None) -> float:
    return round(((longitude or 106) - 102.0) / 8.0 * 220 + 10, 1)


@register.simple_tag
def map_y(latitude: float | None) -> float:
    return round((23.5 - (latitude or 16)) / 15.0 * 420 + 10, 1)


@register.filter
def bar(part: Any, whole: Any) -> float:
    """Width in an SVG of 100 units."""
    try:
        return round(100 * float(part) / float(whole), 2) if whole else 0.0
    except (TypeError, ValueError):
        return 0.0


@register.filter
def plus(value: Any, other: Any) -> float:
    """Float addition (Django's `add` truncates floats to integers)."""
    return round(float(value) + float(other), 2)
