"""Processing accepted submissions (docs/decisions/0037).

Intake (`intake.feedback_accept`) stores a new case as `pending` and answers at once. The
processor does the rest, a group of cases per transaction (`GROUP`): it routes each case
(`feedback_route`: rules and the classifier), applies the decision (unit, state,
deadlines), writes the history, tells the submitter and the handlers, and writes the
case's `create` audit record. When a group fails, its cases are processed again one per
transaction: a case that fails alone stays pending and is logged; the others go on, and
the sweep (`feedback_sweep`) tries it again later.

Concurrency: each case is taken with `SELECT ... FOR UPDATE SKIP LOCKED` and only while it
is still pending, so two processors never handle the same case and never wait for each
other (PostgreSQL; SQLite serialises writes anyway).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core import rawsql
from thuocdo.core.request_context import (
    RequestContext,
    current_request_context,
    reset_request_context,
    set_request_context,
)
from thuocdo.notifications.selectors import recipients_remembered
from thuocdo.notifications.services import notifications_batched

from .. import notices
from ..classifier import Prediction, classifier_predict_many
from ..deadlines import new_case_deadlines
from ..models import Case, CaseEvent, CaseState, Channel, EventKind, Item, RoutingMethod
from ..routing import RoutingDecision, feedback_route, routing_text, routing_threshold

logger = logging.getLogger("thuocdo.feedback")

BATCH = 100
# Cases per transaction: one lock, one UPDATE of the cases, one INSERT of their history and
# one commit for the group, instead of one each per case.
GROUP = 20
# The sweep processes what is still pending after this long: a lost job never strands a case.
SWEEP_AFTER = timedelta(seconds=60)
_ROUTED_FIELDS = [
    "routing_method",
    "routing_confidence",
    "routing_reason",
    "routing_model_version",
    "suggested_unit",
    "unit",
    "state",
    "assigned_at",
    "answer_due_at",
    "transfer_due_at",
    "updated_at",
]


@dataclass
class ProcessResult:
    processed: int = 0
    assigned: int = 0
    triage: int = 0
    failed: int = 0
    failed_ids: list[int] = field(default_factory=list)


def case_route_apply(case: Case, decision: RoutingDecision, now: datetime) -> None:
    """Apply an automatic routing decision to a new case (state, unit, clocks)."""
    case.routing_confidence = max(0.0, min(1.0, decision.confidence))
    case.routing_reason = decision.reason
    case.routing_model_version = decision.model_version
    case.suggested_unit = decision.unit
    if decision.unit is not None and decision.confidence >= routing_threshold():
        case.routing_method = decision.method
        case.unit = decision.unit
        case.state = CaseState.ASSIGNED
        case.assigned_at = now
        case.answer_due_at, case.transfer_due_at = new_case_deadlines(case.kind, now)
    else:
        case.routing_method = RoutingMethod.TRIAGE
        case.state = CaseState.RECEIVED


def _route_events(case: Case, now: datetime) -> list[CaseEvent]:
    # Received when it was accepted; routed and assigned when that happened.
    events = [
        CaseEvent(case=case, kind=EventKind.RECEIVED, at=case.received_at, state_after=CaseState.RECEIVED),
    ]
    if case.state == CaseState.ASSIGNED:
        events += [
            CaseEvent(
                case=case,
                kind=EventKind.ROUTED,
                at=now,
                state_before=CaseState.RECEIVED,
                state_after=CaseState.TRIAGED,
                note=case.routing_reason,
            ),
            CaseEvent(
                case=case,
                kind=EventKind.ASSIGNED,
                at=now,
                to_unit=case.unit,
                state_before=CaseState.TRIAGED,
                state_after=CaseState.ASSIGNED,
            ),
        ]
    return events


@contextmanager
def _submission_context(item: Item) -> Iterator[None]:
    """In a job there is no request: the audit record names the channel the item came
    through ("web" or "api"), the address and the request id, as the request would have."""
    if current_request_context().channel != "system":
        yield
        return
    channel = "web" if item.channel == Channel.WEB else "api"
    token = set_request_context(
        RequestContext(
            ip_address=item.submitted_ip or None, request_id=item.request_id or None, channel=channel
        )
    )
    try:
        yield
    finally:
        reset_request_context(token)


def _route(item: Item, prediction: Prediction | None = None) -> RoutingDecision:
    return feedback_route(
        topic=item.topic,
        title=item.title,
        body=item.body,
        province=item.province,
        commune=item.commune,
        place_text=item.place_text,
        prediction=prediction,
    )


def _case_process(item: Item, now: datetime | None = None) -> bool:
    """Route and record one pending case (the case of `item`, loaded with its topic and
    places): a group of one. False when it is no longer pending or another processor
    holds it."""
    return bool(_group_process([item], now))


def _case_tell_and_record(item: Item) -> None:
    """Tell the submitter and the handlers, and write the case's audit record (inside the
    processing transaction)."""
    case = item.case
    notices.item_received(item)
    if case.state == CaseState.ASSIGNED:
        notices.case_assigned(case)
    else:
        notices.case_needs_triage(case)
    with _submission_context(item):
        audit_record(
            actor=item.submitted_by,
            action=AuditAction.CREATE,
            obj=case,
            unit=case.unit,
            after={
                "tracking_code": item.tracking_code,
                "kind": case.kind,
                "topic": item.topic.code,
                "state": case.state,
                "unit": case.unit.code if case.unit else None,
                "routing": {
                    "method": case.routing_method,
                    "confidence": round(case.routing_confidence, 3),
                },
                "channel": item.channel,
            },
        )


def _group_process(items: list[Item], now: datetime | None = None) -> list[Item]:
    """Route and record a group of pending cases in one transaction; returns the items whose
    case this call processed (the others are no longer pending or another processor holds
    them). Raises if any case fails: the whole group then rolls back."""
    predictions = classifier_predict_many([routing_text(item.title, item.body) for item in items])
    decisions = {
        item.case_id: _route(item, prediction) for item, prediction in zip(items, predictions, strict=True)
    }
    with transaction.atomic():
        taken = set(
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(decisions), routing_method=RoutingMethod.PENDING)
            .order_by()
            .values_list("pk", flat=True)
        )
        done = [item for item in items if item.case_id in taken]
        moment = now or timezone.now()
        for item in done:
            case_route_apply(item.case, decisions[item.case_id], moment)
        rawsql.update_many([item.case for item in done], _ROUTED_FIELDS)
        CaseEvent.objects.bulk_create([event for item in done for event in _route_events(item.case, moment)])
        # A unit's handlers are read once per group; the notices are written together.
        with recipients_remembered(), notifications_batched():
            notices.handlers_prefetch(item.case for item in done if item.case.state == CaseState.ASSIGNED)
            for item in done:
                _case_tell_and_record(item)
    return done


def pending_case_process(*, item: Item, now: datetime | None = None) -> bool:
    """Process the case of a just-accepted item at once (the public form, the demo). On
    failure the case is left pending for the processor and the error is raised."""
    try:
        return _case_process(item, now)
    except Exception:
        item.case.refresh_from_db()  # the failed attempt changed the instance, not the row
        raise


def _pending_items(limit: int, received_before: datetime | None, skip: set[int]) -> list[Item]:
    cases = Case.objects.filter(routing_method=RoutingMethod.PENDING)
    if received_before is not None:
        cases = cases.filter(received_at__lte=received_before)
    if skip:
        cases = cases.exclude(pk__in=skip)
    ids = list(cases.order_by("received_at", "pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    items: dict[int, Item] = {}
    for item in (
        Item.objects.filter(case_id__in=ids)
        .select_related("case", "topic__default_unit", "province", "commune", "submitted_by")
        .order_by("pk")
    ):
        items.setdefault(item.case_id, item)  # a pending case has one item; the first if more
    return [items[pk] for pk in ids if pk in items]


def pending_cases_process(
    *, received_before: datetime | None = None, batch: int = BATCH, now: datetime | None = None
) -> ProcessResult:
    """Process pending cases, oldest first, until none is left (those received before
    `received_before` only, when given), a group per transaction. A group that fails is
    processed again one case per transaction, so that a failing case is logged and left
    pending for a later run while the others go on."""
    result = ProcessResult()
    # Cases another processor holds, and cases that failed: not again in this run.
    skip: set[int] = set()
    while items := _pending_items(batch, received_before, skip):
        for start in range(0, len(items), GROUP):
            group = items[start : start + GROUP]
            try:
                done = _group_process(group, now)
            except Exception:
                for item in group:  # the group rolled back: the rows, not the instances
                    item.case.refresh_from_db()
                done = _cases_process_one_by_one(group, now, result, skip)
            taken = {item.case_id for item in done}
            skip.update(item.case_id for item in group if item.case_id not in taken)
            for item in done:
                result.processed += 1
                if item.case.state == CaseState.ASSIGNED:
                    result.assigned += 1
                else:
                    result.triage += 1
    return result


def _cases_process_one_by_one(
    items: list[Item], now: datetime | None, result: ProcessResult, skip: set[int]
) -> list[Item]:
    done = []
    for item in items:
        try:
            if _case_process(item, now):
                done.append(item)
        except Exception:
            logger.exception("Feedback case %s could not be processed; it stays pending", item.case_id)
            item.case.refresh_from_db()
            result.failed += 1
            result.failed_ids.append(item.case_id)
    return done
