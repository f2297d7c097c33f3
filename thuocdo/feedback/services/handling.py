"""Handling a case: triage, acceptance, transfers, pauses, the answer, closing,
rejection, merging duplicates, publication; and the submitter's rating and dispute.

Each function checks the policy, checks the state machine, writes the case, its public
history (`CaseEvent`) and the audit record in one transaction, and queues notifications
for after the commit.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import Conflict, PermissionDenied, ValidationFailed
from thuocdo.core.text import nfc
from thuocdo.units.models import Unit

from .. import notices
from ..deadlines import answer_deadline, deadline_after_pause, kind_setting, transfer_deadline
from ..models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseState,
    ClockPause,
    EventKind,
    Item,
    RejectReason,
    RoutingMethod,
)
from ..permissions import case_policy

ANSWER_MIN, ANSWER_MAX = 20, 10_000
REASON_MIN = 5

# Which states each action may start from.
_ALLOWED_FROM: dict[str, frozenset[str]] = {
    "triage": frozenset({CaseState.RECEIVED, CaseState.TRIAGED}),
    "accept": frozenset({CaseState.ASSIGNED}),
    "transfer": frozenset({CaseState.ASSIGNED, CaseState.IN_PROGRESS}),
    "pause": frozenset({CaseState.IN_PROGRESS}),
    "resume": frozenset({CaseState.WAITING_SUBMITTER}),
    "answer": frozenset({CaseState.ASSIGNED, CaseState.IN_PROGRESS}),
    "close": frozenset({CaseState.ANSWERED}),
    "reject": OPEN_STATES,
    "merge": OPEN_STATES,
    "publish": frozenset({CaseState.ANSWERED, CaseState.CLOSED}),
}


def _not_pending(case: Case) -> None:
    if case.is_routing_pending:
        # The processor is about to route it, record its receipt and tell people
        # (docs/decisions/0037): a handler's step now would race with that.
        raise Conflict(
            _("Hồ sơ vừa được tiếp nhận và đang được tự động chuyển; vui lòng thử lại sau vài giây."),
            code="routing_pending",
        )


def _state_check(case: Case, action: str) -> None:
    _not_pending(case)
    if case.state not in _ALLOWED_FROM[action]:
        raise Conflict(
            _("Hồ sơ đang ở trạng thái “%(state)s”, không thể thực hiện thao tác này.")
            % {"state": CaseState(case.state).label},
            code="invalid_state",
        )


def _text(value: str, field: str, minimum: int, maximum: int, message: str) -> str:
    text = nfc(value or "")
    if not minimum <= len(text) <= maximum:
        raise ValidationFailed(fields={field: [message]})
    return text


def _reason(value: str, field: str = "reason") -> str:
    return _text(value, field, REASON_MIN, 2000, _("Vui lòng ghi rõ lý do (ít nhất 5 ký tự)."))


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock so two handlers cannot race on it."""
    return Case.objects.select_for_update(of=("self",)).select_related("unit", "topic").get(pk=case.pk)


def _event(case: Case, kind: str, actor: Any, now: datetime, *, before: str = "", **fields: Any) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        state_before=before,
        state_after=case.state if before else "",
        **fields,
    )


def _audit(actor: Any, case: Case, before: dict[str, Any], after: dict[str, Any], reason: str = "") -> None:
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=case,
        unit=case.unit,
        before=before,
        after=after,
        reason=reason,
    )


def _give_to(case: Case, unit: Unit, now: datetime) -> None:
    """The unit becomes responsible: a fresh answer clock and transfer clock start."""
    case.unit = unit
    case.state = CaseState.ASSIGNED
    case.assigned_at = now
    case.answer_due_at = answer_deadline(case.kind, now)
    case.transfer_due_at = transfer_deadline(case.kind, now)
    case.reminded_50_at = case.reminded_80_at = case.escalated_at = None


def case_triage(*, actor: Any, case: Case, unit: Unit, note: str = "", now: datetime | None = None) -> Case:
    """The Standing Office gives a case from the triage queue to a unit."""
    if not case_policy.is_standing_office(actor, "triage"):
        case_policy.record_denial(actor, "triage", case, None)
        raise PermissionDenied()
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "triage")
        before = case.state
        case.state = CaseState.TRIAGED
        _event(case, EventKind.TRIAGED, actor, now, before=before, note=nfc(note)[:2000])
        case.routing_method = RoutingMethod.MANUAL
        _give_to(case, unit, now)
        case.save()
        _event(case, EventKind.ASSIGNED, actor, now, before=CaseState.TRIAGED, to_unit=unit)
        _audit(actor, case, {"state": before, "unit": None}, {"state": case.state, "unit": unit.code}, note)
        notices.case_assigned(case)
    return case


def case_accept(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """The responsible unit confirms it is competent and starts handling."""
    case_policy.require(actor, "handle", case)
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "accept")
        case.state = CaseState.IN_PROGRESS
        case.transfer_due_at = None
        case.save(update_fields=["state", "transfer_due_at", "updated_at"])
        _event(case, EventKind.ACCEPTED, actor, now, before=CaseState.ASSIGNED, to_unit=case.unit)
        _audit(actor, case, {"state": CaseState.ASSIGNED}, {"state": case.state})
    return case


def case_transfer(*, actor: Any, case: Case, to_unit: Unit, reason: str, now: datetime | None = None) -> Case:
    """Send a case to the competent unit, with a reason that the public history shows."""
    case_policy.require(actor, "handle", case)
    reason = _reason(reason)
    if case.unit_id == to_unit.pk:
        raise ValidationFailed(fields={"to_unit": [_("Hồ sơ đang ở chính đơn vị này.")]})
    if not to_unit.is_active:
        raise ValidationFailed(fields={"to_unit": [_("Đơn vị nhận không còn hoạt động.")]})
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "transfer")
        office = case_policy.is_standing_office(actor, "triage")
        if not office and (
            case.state != CaseState.ASSIGNED or (case.transfer_due_at and now > case.transfer_due_at)
        ):
            raise Conflict(
                _("Đã hết thời hạn chuyển đơn vị khác; đề nghị Văn phòng thường trực điều chuyển."),
                code="transfer_window_closed",
            )
        before_state, from_unit = case.state, case.unit
        case.routing_method = RoutingMethod.MANUAL
        _give_to(case, to_unit, now)
        case.save()
        _event(
            case,
            EventKind.TRANSFERRED,
            actor,
            now,
            before=before_state,
            from_unit=from_unit,
            to_unit=to_unit,
            note=reason,
        )
        _audit(
            actor,
            case,
            {"state": before_state, "unit": from_unit.code if from_unit else None},
            {"state": case.state, "unit": to_unit.code},
            reason,
        )
        notices.case_assigned(case)
    return case


def case_pause(*, actor: Any, case: Case, reason: str, now: datetime | None = None) -> Case:
    """Wait for the submitter (e.g. missing details): the clock stops and the stop is recorded."""
    case_policy.require(actor, "handle", case)
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "pause")
        case.state = CaseState.WAITING_SUBMITTER
        case.paused_since = now
        case.save(update_fields=["state", "paused_since", "updated_at"])
        ClockPause.objects.create(case=case, started_at=now, reason=reason, started_by=actor)
        _event(case, EventKind.PAUSED, actor, now, before=CaseState.IN_PROGRESS, note=reason)
        _audit(actor, case, {"state": CaseState.IN_PROGRESS}, {"state": case.state}, reason)
        notices.case_waiting_for_submitter(case, reason)
    return case


def case_resume(*, actor: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """Restart the clock; the deadline moves by the working days it stood still."""
    case_policy.require(actor, "handle", case)
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "resume")
        pause = ClockPause.objects.select_for_update().get(case=case, ended_at__isnull=True)
        pause.ended_at = now
        pause.save(update_fields=["ended_at"])
        old_due = case.answer_due_at
        if old_due is not None and case.paused_since is not None:
            case.answer_due_at = deadline_after_pause(old_due, case.paused_since, now)
        case.state = CaseState.IN_PROGRESS
        case.paused_since = None
        case.save(update_fields=["state", "paused_since", "answer_due_at", "updated_at"])
        _event(case, EventKind.RESUMED, actor, now, before=CaseState.WAITING_SUBMITTER, note=nfc(note)[:2000])
        _audit(
            actor,
            case,
            {"state": CaseState.WAITING_SUBMITTER, "answer_due_at": old_due},
            {"state": case.state, "answer_due_at": case.answer_due_at},
        )
    return case


def case_answer(*, actor: Any, case: Case, answer: str, now: datetime | None = None) -> Case:
    """The unit answers. Late or not is fixed at this moment, against the legal deadline."""
    case_policy.require(actor, "handle", case)
    text = _text(
        answer,
        "answer",
        ANSWER_MIN,
        ANSWER_MAX,
        _("Nội dung trả lời cần từ %(min)d đến %(max)d ký tự.") % {"min": ANSWER_MIN, "max": ANSWER_MAX},
    )
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "answer")
        before = case.state
        case.state = CaseState.ANSWERED
        case.answer = text
        case.answered_at = now
        case.answered_by = actor
        case.answered_late = bool(case.answer_due_at and now > case.answer_due_at)
        case.save()
        _event(case, EventKind.ANSWERED, actor, now, before=before, to_unit=case.unit)
        _audit(actor, case, {"state": before}, {"state": case.state, "answered_late": case.answered_late})
        notices.case_answered(case)
    return case


def case_close(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """Close an answered case (the Standing Office, or the sweep after the dispute window)."""
    if actor is not None and not case_policy.is_standing_office(actor, "publish"):
        case_policy.require(actor, "handle", case)
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "close")
        case.state = CaseState.CLOSED
        case.closed_at = now
        case.save(update_fields=["state", "closed_at", "updated_at"])
        _event(case, EventKind.CLOSED, actor, now, before=CaseState.ANSWERED)
        _audit(actor, case, {"state": CaseState.ANSWERED}, {"state": case.state})
    return case


def case_reject(*, actor: Any, case: Case, reason: str, note: str, now: datetime | None = None) -> Case:
    """Refuse a case (out of scope, duplicate, abusive) with an explanation the submitter sees."""
    if not case_policy.is_standing_office(actor, "triage"):
        case_policy.require(actor, "handle", case)
    if reason not in RejectReason.values:
        raise ValidationFailed(fields={"reason": [_("Chọn lý do từ chối trong danh sách.")]})
    note = _reason(note, "note")
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "reject")
        before = case.state
        _pause_end(case, now)
        case.state = CaseState.REJECTED
        case.reject_reason = reason
        case.reject_note = note
        case.closed_at = now
        case.save()
        _event(
            case, EventKind.REJECTED, actor, now, before=before, note=f"{RejectReason(reason).label}: {note}"
        )
        _audit(actor, case, {"state": before}, {"state": case.state, "reject_reason": reason}, note)
        notices.case_rejected(case)
    return case


def _pause_end(case: Case, now: datetime) -> None:
    if case.paused_since is not None:
        ClockPause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
        case.paused_since = None


def case_merge(*, actor: Any, case: Case, into: Case, note: str = "", now: datetime | None = None) -> Case:
    """Merge a duplicate into another case: its items move there (each submitter keeps
    their code and will get that case's answer); the duplicate is closed as merged."""
    if not case_policy.is_standing_office(actor, "merge"):
        case_policy.require(actor, "handle", case)
        case_policy.require(actor, "handle", into)
    if case.pk == into.pk:
        raise ValidationFailed(fields={"into": [_("Không thể gộp hồ sơ vào chính nó.")]})
    now = now or timezone.now()
    with transaction.atomic():
        first, second = sorted([case.pk, into.pk])
        locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[first, second])}
        case, into = locked[case.pk], locked[into.pk]
        _state_check(case, "merge")
        _not_pending(into)
        if into.state == CaseState.REJECTED or into.merged_into_id:
            raise Conflict(_("Hồ sơ đích đã bị từ chối hoặc đã được gộp."), code="invalid_state")
        moved = list(Item.objects.filter(case=case).values_list("tracking_code", flat=True))
        Item.objects.filter(case=case).update(case=into)
        before = case.state
        _pause_end(case, now)
        case.state = CaseState.REJECTED
        case.reject_reason = RejectReason.DUPLICATE
        case.reject_note = nfc(note)[:2000] or _("Đã gộp vào hồ sơ #%(id)d.") % {"id": into.pk}
        case.merged_into = into
        case.closed_at = now
        case.save()
        _event(case, EventKind.MERGED, actor, now, before=before, note=case.reject_note)
        CaseEvent.objects.create(
            case=into,
            kind=EventKind.MERGED,
            at=now,
            actor=actor,
            note=_("Gộp thêm %(n)d phản ánh trùng từ hồ sơ #%(id)d.") % {"n": len(moved), "id": case.pk},
        )
        _audit(
            actor, case, {"state": before}, {"state": case.state, "merged_into": into.pk, "items": len(moved)}
        )
        notices.case_merged(case, into)
    return into


def case_publish(*, actor: Any, case: Case, public_summary: str, now: datetime | None = None) -> Case:
    """After review, the Standing Office publishes the answered case without personal data."""
    if not case_policy.is_standing_office(actor, "publish"):
        case_policy.record_denial(actor, "publish", case, None)
        raise PermissionDenied()
    summary = _text(
        public_summary, "public_summary", 20, 5000, _("Nội dung công khai cần từ 20 đến 5.000 ký tự.")
    )
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _state_check(case, "publish")
        case.is_published = True
        case.published_at = now
        case.published_by = actor
        case.public_summary = summary
        case.save(
            update_fields=["is_published", "published_at", "published_by", "public_summary", "updated_at"]
        )
        _event(case, EventKind.PUBLISHED, actor, now)
        _audit(actor, case, {"is_published": False}, {"is_published": True})
    return case


def case_note(*, actor: Any, case: Case, note: str, now: datetime | None = None) -> CaseEvent:
    """An internal note for the handlers (never public)."""
    case_policy.require(actor, "handle", case)
    text = _reason(note, "note")
    with transaction.atomic():
        event = CaseEvent.objects.create(
            case=case, kind=EventKind.NOTE, at=now or timezone.now(), actor=actor, note=text, is_public=False
        )
        audit_record(actor=actor, action=AuditAction.CREATE, obj=event, unit=case.unit)
    return event


def item_rate(*, item: Item, rating: int, comment: str = "", now: datetime | None = None) -> Item:
    """The submitter (holder of the tracking code) rates the answer, 1 to 5."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(fields={"rating": [_("Đánh giá từ 1 đến 5 sao.")]})
    comment = nfc(comment or "")
    if len(comment) > 2000:
        raise ValidationFailed(fields={"comment": [_("Nhận xét dài quá 2.000 ký tự.")]})
    now = now or timezone.now()
    with transaction.atomic():
        item = Item.objects.select_for_update().select_related("case").get(pk=item.pk)
        if item.case.state not in (CaseState.ANSWERED, CaseState.CLOSED):
            raise Conflict(_("Chỉ đánh giá được khi hồ sơ đã có trả lời."), code="invalid_state")
        before = item.rating
        item.rating, item.rating_comment, item.rated_at = rating, comment, now
        item.save(update_fields=["rating", "rating_comment", "rated_at"])
        CaseEvent.objects.create(case=item.case, kind=EventKind.RATED, at=now, note=f"{rating}/5")
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=item,
            unit=item.case.unit,
            before={"rating": before},
            after={"rating": rating},
        )
    return item


def dispute_deadline(case: Case) -> datetime | None:
    if case.answered_at is None:
        return None
    return case.answered_at + timedelta(days=kind_setting(case.kind).dispute_days)


def item_dispute(*, item: Item, reason: str, now: datetime | None = None) -> Case:
    """The submitter disagrees with the answer, once, within the set time: the case
    reopens at the same unit with a fresh deadline."""
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        case = _locked(item.case)
        if item.disputed_at is not None:
            raise Conflict(
                _("Mỗi phản ánh chỉ được không đồng ý với kết quả một lần."), code="already_disputed"
            )
        if case.state not in (CaseState.ANSWERED, CaseState.CLOSED):
            raise Conflict(_("Chỉ có thể không đồng ý khi hồ sơ đã có trả lời."), code="invalid_state")
        limit = dispute_deadline(case)
        if limit is not None and now > limit:
            raise Conflict(
                _("Đã quá thời hạn không đồng ý với kết quả (đến %(date)s).")
                % {"date": timezone.localtime(limit).strftime("%d/%m/%Y")},
                code="dispute_window_closed",
            )
        item.disputed_at, item.dispute_reason = now, reason
        item.save(update_fields=["disputed_at", "dispute_reason"])
        before = case.state
        case.state = CaseState.IN_PROGRESS
        case.assigned_at = now
        case.answer_due_at = answer_deadline(case.kind, now)
        case.answered_at = case.closed_at = None
        case.answered_late = None
        case.reminded_50_at = case.reminded_80_at = case.escalated_at = None
        case.is_published = False
        case.save()
        _event(case, EventKind.DISPUTED, None, now, before=before, note=reason)
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=case,
            unit=case.unit,
            before={"state": before},
            after={"state": case.state},
            reason=reason,
        )
        notices.case_disputed(case, reason)
    return case


def item_contact_view(*, actor: Any, item: Item) -> dict[str, str]:
    """The submitter's contact data for a handler. Every view is written to the audit log."""
    case = item.case
    if not case_policy.user_may_view_personal(actor, case):
        case_policy.record_denial(actor, "view_personal", case, None)
        raise PermissionDenied()
    audit_record(
        actor=actor,
        action=AuditAction.VIEW_PERSONAL_DATA,
        obj=item,
        unit=case.unit,
        after={"fields": ["contact_name", "contact_email", "contact_phone"]},
    )
    return {
        "name": item.contact_name,
        "email": item.contact_email,
        "phone": item.contact_phone,
    }
