"""Open311 reads: services (the desk's topics) and service requests (items).

Everything here is public (the spec has no login for reads), so a request shows only
what may be published: its state, the handling unit, dates, the administrative area,
and — once an operator has published the case after review — the redacted public
summary, the exact place and the answer. Contact data never appears. See
docs/decisions/0027-open311-what-is-public.md.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from thuocdo.core.errors import NotFound

from ..models import FINISHED_STATES, OPEN_STATES, CaseState, Item, Kind, Topic

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (the spec's discovery `changeset`).
CHANGESET = "2026-11-22T00:00:00+07:00"
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


def w3c(moment: datetime | None) -> str | None:
    """ISO 8601 as the W3C note wants it, with the offset (Asia/Ho_Chi_Minh)."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- services ----------------------------------------------------------------------------


def service_list() -> QuerySet[Topic]:
    return Topic.objects.filter(is_active=True).select_related("default_unit").order_by("sort_order", "name")


def service_get(code: str) -> Topic:
    topic = Topic.objects.filter(service_code=code, is_active=True).select_related("default_unit").first()
    if topic is None:
        raise NotFound(fields={"service_code": [_("Không có dịch vụ với mã này.")]})
    return topic


def service_shape(topic: Topic) -> dict[str, Any]:
    keywords = [line.strip() for line in topic.keywords.splitlines() if line.strip()]
    return {
        "service_code": topic.service_code,
        "service_name": topic.name,
        "description": topic.description,
        # Every service has attributes (at least the kind), so clients must read them.
        "metadata": True,
        # The request id is known at once: the item is stored before the answer (routing
        # follows within seconds, docs/decisions/0037), so no token round trip is needed.
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": topic.default_unit.name if topic.default_unit else _("Văn phòng thường trực"),
    }


def service_definition_shape(topic: Topic) -> dict[str, Any]:
    """The attributes a request for this service takes (docs/decisions/0026)."""
    return {
        "service_code": topic.service_code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": _("Chọn một loại."),
                "order": 1,
                "description": _("Loại: phản ánh, kiến nghị, sáng kiến hay giải pháp."),
                "values": [{"key": kind.value, "name": str(kind.label)} for kind in Kind],
            },
            {
                "variable": True,
                "code": "province",
                "datatype": "string",
                "required": False,
                "datatype_description": _("Mã tỉnh, thành phố theo danh mục đơn vị hành chính, ví dụ 01."),
                "order": 2,
                "description": _("Tỉnh, thành phố nơi xảy ra sự việc."),
            },
            {
                "variable": True,
                "code": "commune",
                "datatype": "string",
                "required": False,
                "datatype_description": _("Mã xã, phường theo danh mục đơn vị hành chính, ví dụ 00004."),
                "order": 3,
                "description": _("Xã, phường nơi xảy ra sự việc (đủ để biết cả tỉnh, thành phố)."),
            },
        ],
    }


# --- service requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilters:
    """GET requests' arguments, already parsed. `ids` overrides everything else."""

    ids: Sequence[int] = ()
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] = ()


def _requests() -> QuerySet[Item]:
    return Item.objects.select_related("case", "case__unit", "topic", "province", "commune")


def request_list(filters: RequestFilters, *, now: datetime | None = None) -> list[Item]:
    """Newest first, at most MAX_RESULTS, by default from the last 90 days."""
    items = _requests()
    if filters.ids:
        return list(items.filter(pk__in=filters.ids).order_by("-submitted_at", "-pk")[:MAX_RESULTS])
    end = filters.end or ((filters.start + DEFAULT_WINDOW) if filters.start else (now or timezone.now()))
    start = filters.start or (end - DEFAULT_WINDOW)
    items = items.filter(submitted_at__gte=start, submitted_at__lte=end)
    if filters.service_codes:
        items = items.filter(topic__service_code__in=filters.service_codes)
    if filters.statuses:
        states: set[str] = set()
        if "open" in filters.statuses:
            states |= set(OPEN_STATES)
        if "closed" in filters.statuses:
            states |= set(FINISHED_STATES)
        items = items.filter(case__state__in=states)
    return list(items.order_by("-submitted_at", "-pk")[:MAX_RESULTS])


def is_request_id(text: str) -> bool:
    """Digits that fit a database integer (a longer number would overflow the query)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def request_get(request_id: str) -> Item:
    item = _requests().filter(pk=int(request_id)).first() if is_request_id(request_id) else None
    if item is None:
        raise NotFound(fields={"service_request_id": [_("Không có yêu cầu với mã này.")]})
    return item


def request_by_token(token: str) -> Item:
    item = Item.objects.filter(open311_token=token).only("pk", "open311_token").first() if token else None
    if item is None:
        raise NotFound(fields={"token": [_("Không có yêu cầu với mã token này.")]})
    return item


def _area(item: Item) -> str:
    return ", ".join(unit.name for unit in (item.commune, item.province) if unit is not None)


def status_notes(item: Item) -> str:
    """Public words on the state: its label, a rejection's reason, a published answer."""
    case = item.case
    notes = case.state_label
    if case.state == CaseState.REJECTED and case.reject_reason:
        notes += f": {case.get_reject_reason_display()}"
    if case.is_published and case.answer and case.state in (CaseState.ANSWERED, CaseState.CLOSED):
        notes += f". {case.answer}"
    return notes


def service_notice(item: Item) -> str:
    case = item.case
    kind = str(Kind(item.kind).label)
    if case.is_routing_pending:
        return _("%(kind)s: đang chuyển đến cơ quan có thẩm quyền.") % {"kind": kind}
    if case.answer_due_at is not None and case.state not in FINISHED_STATES:
        due = date_format(timezone.localtime(case.answer_due_at), "d/m/Y")
        return _("%(kind)s: hạn trả lời %(due)s.") % {"kind": kind, "due": due}
    if case.unit_id is None:
        return _("%(kind)s: chờ Văn phòng thường trực phân loại.") % {"kind": kind}
    return f"{kind}."


def request_shape(item: Item) -> dict[str, Any]:
    """One service request as the spec names its fields; no contact data, ever."""
    case = item.case
    published = case.is_published
    shape: dict[str, Any] = {
        "service_request_id": str(item.pk),
        "status": "open" if case.state in OPEN_STATES else "closed",
        "status_notes": status_notes(item),
        "service_name": item.topic.name,
        "service_code": item.topic.service_code,
        "description": case.public_summary if published and case.public_summary else None,
        "agency_responsible": case.unit.name if case.unit else None,
        "service_notice": service_notice(item),
        "requested_datetime": w3c(item.submitted_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.answer_due_at),
        "address": (item.place_text if published and item.place_text else _area(item)) or None,
        "lat": float(item.latitude) if published and item.latitude is not None else None,
        "long": float(item.longitude) if published and item.longitude is not None else None,
    }
    return shape


def discovery_shape(*, url: str, contact: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _(
            "Đơn vị tích hợp xin mã truy cập API (api_key) tại Văn phòng thường trực; "
            "mã được cấp cho một tài khoản và có thể thu hồi."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
