"""Reads of the feedback desk. Internal lists take the acting user and return only the
cases their roles reach; public reads return only published, redacted facts."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from thuocdo.core.errors import NotFound
from thuocdo.core.tracking import tracking_code_normalize
from thuocdo.units.models import Unit, UnitLevel

from .config_cache import intake_config, subtree_unit_ids
from .models import OPEN_STATES, Case, CaseEvent, CaseState, EventKind, Item, RoutingMethod, Topic
from .permissions import case_policy

AGEING_BUCKETS: list[tuple[str, int, int | None]] = [
    ("0-5", 0, 5),
    ("6-10", 6, 10),
    ("11-15", 11, 15),
    ("16-30", 16, 30),
    (">30", 31, None),
]


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.filter(is_active=True).select_related("default_unit")


def item_by_tracking_code(code: str) -> Item:
    """The item a tracking code names (public: the code itself is the key)."""
    normalized = tracking_code_normalize(code)
    if normalized is None:
        raise NotFound()
    item = (
        Item.objects.select_related("case", "case__unit", "case__merged_into", "topic", "province", "commune")
        .filter(tracking_code=normalized)
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def _visible_below(user: Any, unit: Unit | None, cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases of `unit`'s subtree (all units without one) that `user` may see. When the
    user's roles cover the whole subtree, the subtree is the only filter: a second, nested
    unit filter makes PostgreSQL underestimate the rows and pick a slow plan."""
    if unit is None:
        return case_policy.visible(user, cases)
    below = cases.filter(unit_id__in=subtree_unit_ids(unit.path))
    if case_policy.user_may_in_unit(user, "view", unit):
        return below
    return case_policy.visible(user, below)


def case_list(
    *,
    user: Any,
    unit: Unit | None = None,
    state: str | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
    kind: str | None = None,
    topic: str | None = None,
    query: str = "",
) -> QuerySet[Case]:
    """Cases the user may see, newest first, filtered."""
    cases = _visible_below(user, unit, Case.objects.select_related("unit", "topic"))
    if state:
        cases = cases.filter(state=state)
    if open_only:
        cases = cases.filter(state__in=OPEN_STATES)
    if overdue_only:
        cases = cases.filter(state__in=OPEN_STATES, answer_due_at__lt=timezone.now())
    if kind:
        cases = cases.filter(kind=kind)
    if topic:
        # By id, not through a join on the code: PostgreSQL then estimates the topic's
        # share from the case statistics and picks the (state, received_at) index.
        chosen = intake_config().topics.get(topic)
        cases = cases.filter(topic_id=chosen.pk) if chosen is not None else cases.filter(topic__code=topic)
    if query:
        from thuocdo.core.text import search_words  # noqa: PLC0415

        for word in search_words(query):
            cases = cases.filter(search_text__contains=word)
    return cases.order_by("-received_at", "-pk")


def case_get(*, user: Any, case_id: int) -> Case:
    case = (
        case_policy.visible(user, Case.objects.select_related("unit", "topic", "province", "commune"))
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def triage_queue(*, user: Any) -> QuerySet[Case]:
    """Cases waiting for the Standing Office: nobody responsible yet. A case still being
    routed (pending) is not there: the processor may yet give it to a unit."""
    if not case_policy.is_standing_office(user, "triage"):
        return Case.objects.none()
    return (
        Case.objects.filter(state__in=[CaseState.RECEIVED, CaseState.TRIAGED], unit__isnull=True)
        .exclude(routing_method=RoutingMethod.PENDING)
        .select_related("topic", "suggested_unit", "province", "commune")
        .order_by("received_at", "pk")
    )


def escalated_cases(*, user: Any) -> QuerySet[Case]:
    """Overdue cases that were escalated, for the Standing Office and leaders above them."""
    return (
        case_policy.visible(user, Case.objects.select_related("unit", "topic"))
        .filter(escalated_at__isnull=False)
        .order_by("-escalated_at", "-pk")
    )


def case_history(*, case: Case, public_only: bool) -> QuerySet[CaseEvent]:
    events = case.events.select_related("from_unit", "to_unit", "actor").order_by("at", "pk")
    return events.filter(is_public=True) if public_only else events


@dataclass(frozen=True)
class Backlog:
    unit: Unit
    open_total: int
    overdue: int
    waiting_submitter: int
    buckets: list[tuple[str, int]]


def unit_backlog(*, user: Any, unit: Unit, now: datetime | None = None) -> Backlog:
    """Open cases of a unit (and below) by age in days since receipt."""
    now = now or timezone.now()
    cases = _visible_below(user, unit, Case.objects.all()).filter(state__in=OPEN_STATES)
    aggregates: dict[str, Any] = {
        "open_total": Count("pk"),
        "overdue": Count("pk", filter=Q(answer_due_at__lt=now)),
        "waiting": Count("pk", filter=Q(state=CaseState.WAITING_SUBMITTER)),
    }
    for label, low, high in AGEING_BUCKETS:
        condition = Q(received_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(received_at__gt=now - timedelta(days=high + 1))
        aggregates[f"bucket_{label}"] = Count("pk", filter=condition)
    row = cases.aggregate(**aggregates)
    return Backlog(
        unit=unit,
        open_total=row["open_total"],
        overdue=row["overdue"],
        waiting_submitter=row["waiting"],
        buckets=[(label, row[f"bucket_{label}"]) for label, _low, _high in AGEING_BUCKETS],
    )


def _unit_ref(unit: Unit | None) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def event_shapes(events: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": event.kind,
            "kind_label": event.get_kind_display(),
            "at": event.at,
            "from_unit": _unit_ref(event.from_unit),
            "to_unit": _unit_ref(event.to_unit),
            "note": event.note,
        }
        for event in events
    ]


def tracking_shape(item: Item, *, now: datetime | None = None) -> dict[str, Any]:
    """What the holder of a tracking code sees. A merged item shows the case it joined."""
    from .services.handling import dispute_deadline  # noqa: PLC0415 - services import selectors

    now = now or timezone.now()
    case = item.case
    answered = case.state in (CaseState.ANSWERED, CaseState.CLOSED)
    limit = dispute_deadline(case) if answered else None
    if case.is_routing_pending:
        # Its history is written when it is routed, receipt first (at `received_at`).
        history = [
            {
                "kind": EventKind.RECEIVED,
                "kind_label": str(EventKind.RECEIVED.label),
                "at": case.received_at,
                "from_unit": None,
                "to_unit": None,
                "note": "",
            }
        ]
    else:
        history = event_shapes(case_history(case=case, public_only=True))
    return {
        "tracking_code": item.tracking_code,
        "kind": item.kind,
        "title": item.title,
        "topic": item.topic.name,
        "state": case.state,
        "state_label": case.state_label,
        "routing_pending": case.is_routing_pending,
        "unit": _unit_ref(case.unit),
        "submitted_at": item.submitted_at,
        "answer_due_at": case.answer_due_at,
        "answered_at": case.answered_at,
        "answer": case.answer if answered else "",
        "reject_reason": case.get_reject_reason_display() if case.reject_reason else "",
        "reject_note": case.reject_note if case.state == CaseState.REJECTED else "",
        "merged_into_case": None,
        "rating": item.rating,
        "can_rate": answered,
        "can_dispute": answered and item.disputed_at is None and (limit is None or now <= limit),
        "history": history,
    }


def _item_count(case: Case) -> int:
    counted = getattr(case, "item_count", None)
    return case.items.count() if counted is None else int(counted)


def case_page_shapes(cases: Any) -> list[dict[str, Any]]:
    """`case_shape` for a page of cases, with their item counts read in one query (not
    one per row; a COUNT annotation on the list would make PostgreSQL group the whole
    list before taking the page)."""
    page = list(cases)
    counts = dict(
        Item.objects.filter(case_id__in=[case.pk for case in page])
        .values_list("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    for case in page:
        case.item_count = counts.get(case.pk, 0)
    return [case_shape(case) for case in page]


def case_shape(case: Case, *, with_detail: bool = False) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "id": case.pk,
        "kind": case.kind,
        "title": case.title,
        "topic": case.topic.name,
        "state": case.state,
        "unit": _unit_ref(case.unit),
        "routing_method": case.routing_method,
        "routing_confidence": case.routing_confidence,
        "routing_reason": case.routing_reason,
        "suggested_unit": _unit_ref(case.suggested_unit),
        "received_at": case.received_at,
        "answer_due_at": case.answer_due_at,
        "transfer_due_at": case.transfer_due_at,
        "answered_at": case.answered_at,
        "answered_late": case.answered_late,
        "escalated_at": case.escalated_at,
        "is_published": case.is_published,
        "item_count": _item_count(case),
    }
    if with_detail:
        shape["answer"] = case.answer
        shape["history"] = event_shapes(case_history(case=case, public_only=False))
        # Items without contact data: contact is a separate, audited read.
        shape["items"] = [
            {
                "id": item.pk,
                "tracking_code": item.tracking_code,
                "title": item.title,
                "body": item.body,
                "place_text": item.place_text,
                "submitted_at": item.submitted_at,
                "channel": item.channel,
                "is_anonymous": item.is_anonymous,
                "rating": item.rating,
                "disputed_at": item.disputed_at,
            }
            for item in case.items.order_by("submitted_at")
        ]
    return shape


# Public reads (no login): published cases only, and never a submitter's contact data.

PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.RECEIVED,
        EventKind.TRIAGED,
        EventKind.ASSIGNED,
        EventKind.TRANSFERRED,
        EventKind.ACCEPTED,
        EventKind.PAUSED,
        EventKind.RESUMED,
        EventKind.ESCALATED,
        EventKind.ANSWERED,
        EventKind.PUBLISHED,
        EventKind.CLOSED,
    }
)
# Events whose note a handler wrote for the public (a transfer's reason). Other notes
# (a dispute's reason, a routing explanation) may quote the submitter and stay off.
PUBLIC_NOTE_KINDS = frozenset({EventKind.TRANSFERRED})


def province_list() -> QuerySet[Unit]:
    return Unit.objects.filter(level=UnitLevel.PROVINCE, is_active=True).order_by("name")


def commune_list(*, province_code: str) -> QuerySet[Unit]:
    """The active communes of a province (empty for an unknown code)."""
    return Unit.objects.filter(
        level=UnitLevel.COMMUNE, is_active=True, parent__code=province_code, parent__level=UnitLevel.PROVINCE
    ).order_by("name")


@dataclass(frozen=True)
class PublishedPage:
    """One page of published cases, without a COUNT over the table."""

    cases: list[Case]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def published_case_page(
    *,
    page: int = 1,
    per_page: int = 20,
    topic: str = "",
    kind: str = "",
    province: str = "",
    unit: Unit | None = None,
) -> PublishedPage:
    """Published cases, newest publication first. Reads per_page + 1 rows to know whether
    a next page exists, so the cost does not grow with the number of published cases
    (the (is_published, published_at) index serves the order)."""
    page = max(1, min(page, 10_000))
    cases = Case.objects.filter(is_published=True, merged_into__isnull=True)
    if topic:
        cases = cases.filter(topic__code=topic)
    if kind:
        cases = cases.filter(kind=kind)
    if province:
        cases = cases.filter(province__code=province)
    if unit is not None:
        cases = cases.filter(unit_id__in=subtree_unit_ids(unit.path))
    start = (page - 1) * per_page
    rows = list(
        cases.select_related("topic", "unit", "province").order_by("-published_at", "-pk")[
            start : start + per_page + 1
        ]
    )
    return PublishedPage(cases=rows[:per_page], number=page, has_next=len(rows) > per_page)


@dataclass(frozen=True)
class PublishedCase:
    case: Case
    events: list[dict[str, Any]]
    submitter_names: list[str]
    working_days: int | None
    calendar_days: int | None
    on_time: bool | None


def published_case_get(*, case_id: int) -> PublishedCase:
    """A published case as the public sees it: no contact data, no tracking codes, a
    submitter's name only when they agreed to its publication."""
    from thuocdo.workdays.selectors import working_days_between  # noqa: PLC0415 - optional app

    case = (
        Case.objects.filter(pk=case_id, is_published=True, merged_into__isnull=True)
        .select_related("topic", "unit", "province", "commune")
        .first()
    )
    if case is None:
        raise NotFound()
    events = [
        {**shape, "note": shape["note"] if shape["kind"] in PUBLIC_NOTE_KINDS else ""}
        for shape in event_shapes(
            case_history(case=case, public_only=True).filter(kind__in=PUBLIC_EVENT_KINDS)
        )
    ]
    names = list(
        Item.objects.filter(case=case, publish_name=True, is_anonymous=False)
        .exclude(contact_name="")
        .order_by("submitted_at")
        .values_list("contact_name", flat=True)
    )
    working = calendar = None
    if case.answered_at is not None:
        start, end = timezone.localdate(case.received_at), timezone.localdate(case.answered_at)
        working = working_days_between(start, end)
        calendar = (end - start).days
    return PublishedCase(
        case=case,
        events=events,
        submitter_names=names,
        working_days=working,
        calendar_days=calendar,
        on_time=None if case.answered_late is None else not case.answered_late,
    )
