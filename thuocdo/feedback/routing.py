"""Routing: which unit is responsible for an item, how sure the system is, and why.

`feedback_route` is the one entry point. It returns a `RoutingDecision` whose `reason`
is written for the operator who reads it. Below `routing_threshold()` the case goes to
the Standing Office's triage queue with the suggestion attached.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from thuocdo.units.models import Unit

from .models import HandlingLevel, RoutingMethod, Topic


@dataclass(frozen=True)
class RoutingDecision:
    unit: Unit | None
    confidence: float
    method: str
    reason: str
    model_version: int | None = None
    candidates: list[tuple[Unit, float]] = field(default_factory=list)


def routing_threshold() -> float:
    return float(getattr(settings, "FEEDBACK_ROUTING_THRESHOLD", 0.6))


def feedback_route(
    *,
    topic: Topic,
    title: str,
    body: str,
    province: Unit | None = None,
    commune: Unit | None = None,
    place_text: str = "",
) -> RoutingDecision:
    """Rules in order: a locally handled topic with a place goes to that place; otherwise
    the topic's default body; otherwise nobody (triage)."""
    if commune is not None and province is None:
        province = commune.parent
    if topic.handling_level == HandlingLevel.COMMUNE and commune is not None:
        return RoutingDecision(
            unit=commune,
            confidence=0.95,
            method=RoutingMethod.RULE,
            reason=_("Lĩnh vực “%(topic)s” do cấp xã giải quyết; địa điểm trong phản ánh: %(place)s.")
            % {"topic": topic.name, "place": commune.name},
        )
    if topic.handling_level in (HandlingLevel.PROVINCE, HandlingLevel.COMMUNE) and province is not None:
        where = f"{commune.name}, {province.name}" if commune is not None else province.name
        return RoutingDecision(
            unit=province,
            confidence=0.9,
            method=RoutingMethod.RULE,
            reason=_("Lĩnh vực “%(topic)s” do địa phương giải quyết; địa điểm trong phản ánh: %(place)s.")
            % {"topic": topic.name, "place": where},
        )
    if topic.default_unit is not None:
        return RoutingDecision(
            unit=topic.default_unit,
            confidence=0.8,
            method=RoutingMethod.RULE,
            reason=_("Lĩnh vực “%(topic)s” thuộc trách nhiệm của %(unit)s.")
            % {"topic": topic.name, "unit": topic.default_unit.name},
        )
    return RoutingDecision(
        unit=None,
        confidence=0.0,
        method=RoutingMethod.TRIAGE,
        reason=_("Không xác định được cơ quan phụ trách từ lĩnh vực và địa điểm."),
    )
