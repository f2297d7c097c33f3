"""The deadline clock: reminders at 50% and 80% of the answer time, escalation at 100%
to the unit's leader and the Standing Office, the end of the transfer window, and
closing answered cases once the dispute window has passed.

`cases_sweep` is idempotent (each step is recorded on the case once), so running it
twice, or from two workers, does no harm. The `feedback_sweep` job runs it every few
minutes.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record

from .. import notices
from ..deadlines import time_used
from ..models import Case, CaseEvent, CaseState, EventKind
from .handling import case_close, dispute_deadline

BATCH = 500


@dataclass
class SweepResult:
    reminded_50: int = 0
    reminded_80: int = 0
    escalated: int = 0
    transfer_window_closed: int = 0
    closed: int = 0
    errors: list[str] = field(default_factory=list)


def _remind(case: Case, now: datetime, share: int) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.REMINDED,
        at=now,
        to_unit=case.unit,
        note=_("Đã dùng %(share)d%% thời hạn trả lời.") % {"share": share},
        is_public=False,
    )
    notices.case_reminder(case, share)


def _escalate(case: Case, now: datetime) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.ESCALATED,
        at=now,
        to_unit=case.unit,
        note=_("Quá hạn trả lời; đã báo cáo lãnh đạo đơn vị và Văn phòng thường trực."),
    )
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        obj=case,
        unit=case.unit,
        after={"escalated": True, "answer_due_at": case.answer_due_at},
    )
    notices.case_escalated(case)


def _sweep_open_case(case: Case, now: datetime, result: SweepResult) -> None:
    if case.state == CaseState.ASSIGNED and case.transfer_due_at and now > case.transfer_due_at:
        # A unit that did not transfer in time is competent: the case is its to answer.
        case.state = CaseState.IN_PROGRESS
        case.transfer_due_at = None
        case.save(update_fields=["state", "transfer_due_at", "updated_at"])
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.ACCEPTED,
            at=now,
            to_unit=case.unit,
            state_before=CaseState.ASSIGNED,
            state_after=CaseState.IN_PROGRESS,
            note=_("Hết thời hạn chuyển đơn vị khác; đơn vị được giao chịu trách nhiệm trả lời."),
        )
        result.transfer_window_closed += 1
    if case.paused_since is not None or case.answer_due_at is None:
        return
    used = time_used(case, now)
    changed = []
    if used >= 0.5 and case.reminded_50_at is None:
        case.reminded_50_at = now
        changed.append("reminded_50_at")
        if used < 0.8:
            _remind(case, now, 50)
            result.reminded_50 += 1
    if used >= 0.8 and case.reminded_80_at is None:
        case.reminded_80_at = now
        changed.append("reminded_80_at")
        if now <= case.answer_due_at:
            _remind(case, now, 80)
            result.reminded_80 += 1
    if now > case.answer_due_at and case.escalated_at is None:
        case.escalated_at = now
        changed.append("escalated_at")
        _escalate(case, now)
        result.escalated += 1
    if changed:
        case.save(update_fields=[*changed, "updated_at"])


def cases_sweep(*, now: datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    open_ids = list(
        Case.objects.filter(
            state__in=[CaseState.ASSIGNED, CaseState.IN_PROGRESS],
            unit__isnull=False,
            escalated_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    for start in range(0, len(open_ids), BATCH):
        with transaction.atomic():
            for case in (
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("unit", "topic")
                .filter(pk__in=open_ids[start : start + BATCH], escalated_at__isnull=True)
            ):
                _sweep_open_case(case, now, result)
    for case in Case.objects.filter(state=CaseState.ANSWERED).only("pk", "kind", "answered_at", "state"):
        limit = dispute_deadline(case)
        if limit is not None and now > limit:
            case_close(actor=None, case=case, now=now)
            result.closed += 1
    return result
