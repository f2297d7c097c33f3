"""The council decision and the monitored task a selected initiative becomes."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import Conflict, ValidationFailed
from thuocdo.delivery.models import DeadlineKind, Plan, PlanKind, Priority, Program, Recurrence, Rollup, Task
from thuocdo.delivery.services import TaskSpec, indicator_define, plan_create, task_create
from thuocdo.units.models import Unit
from thuocdo.units.selectors import unit_root

from .. import notices
from ..models import CouncilDecision, Initiative, InitiativeStatus, Outcome, Review, ReviewStatus
from ..permissions import initiative_policy
from .common import DECISION_TEXT_LIMIT, MIN_REVIEWS, locked_initiative, transition

# Selected initiatives go, unless the council names another plan, into this plan of the
# first programme, issued by the root and created the first time it is needed.
SELECTED_PLAN_NUMBER = "SKĐP/BCĐTW"
SELECTED_PLAN_TITLE = "Danh mục sáng kiến đột phá được Hội đồng xét chọn lựa chọn"


def review_round_score(initiative: Initiative) -> tuple[Decimal | None, int]:
    """The mean of the submitted reviews' totals for the current version, and their count."""
    row = Review.objects.filter(
        initiative=initiative, version=initiative.version, status=ReviewStatus.SUBMITTED
    ).aggregate(mean=Avg("total"), count=Count("pk"))
    mean = row["mean"]
    return (None if mean is None else Decimal(mean).quantize(Decimal("0.01"))), int(row["count"])


def _selected_plan(actor: Any) -> Plan:
    """The plan selected initiatives go into by default, under the first programme."""
    program = Program.objects.order_by("pk").first()
    if program is None:
        raise ValidationFailed(
            fields={"plan": [_("Chưa có chương trình nào để đưa nhiệm vụ vào; hãy chọn một kế hoạch.")]}
        )
    plan = Plan.objects.filter(program=program, number=SELECTED_PLAN_NUMBER).first()
    if plan is not None:
        return plan
    return plan_create(
        actor=actor,
        program=program,
        kind=PlanKind.DECISION,
        number=SELECTED_PLAN_NUMBER,
        title=SELECTED_PLAN_TITLE,
        issuer=unit_root(),
        issued_on=timezone.localdate(),
    )


def _task_from_initiative(
    *, actor: Any, initiative: Initiative, unit: Unit, plan: Plan, start_on: date
) -> Task:
    """The selected initiative as a task of `plan`, led by `unit`, due when its duration
    ends, with its measurable expected results as the task's indicators."""
    deadline = start_on + relativedelta(months=initiative.duration_months) - timedelta(days=1)
    results = list(initiative.expected_results.filter(version=initiative.version))
    public_path = reverse("initiatives:public_detail", args=[initiative.pk])
    description = "\n\n".join(
        [
            _("Sáng kiến đột phá được Hội đồng xét chọn lựa chọn (xem %(path)s).") % {"path": public_path},
            _("Vấn đề: %(text)s") % {"text": initiative.problem},
            _("Giải pháp: %(text)s") % {"text": initiative.solution},
            _("Tổ chức đề xuất: %(org)s") % {"org": initiative.lead_organisation},
        ]
    )
    deliverable = "; ".join(f"{r.name}: {r.target.normalize():f} {r.unit_of_measure}" for r in results)
    spec = TaskSpec(
        code=f"SK-{initiative.pk}",
        title=initiative.title,
        lead_unit=unit,
        deadline_kind=DeadlineKind.DATE,
        deadline_on=deadline,
        deadline_text=_("%(n)d tháng kể từ ngày Hội đồng lựa chọn") % {"n": initiative.duration_months},
        description=description,
        deliverable=deliverable[:1000],
        start_on=start_on,
        recurrence=Recurrence.MONTHLY,
        priority=Priority.HIGH,
        is_simulated=False,
    )
    task = task_create(actor=actor, plan=plan, spec=spec)
    for index, result in enumerate(results, start=1):
        indicator_define(
            actor=actor,
            task=task,
            key=f"ket-qua-{index}",
            name=result.name,
            unit_of_measure=result.unit_of_measure,
            target=result.target,
            baseline=result.baseline,
            target_on=deadline,
            rollup=Rollup.SUM,
        )
    return task


def _decision_errors(
    *, outcome: str, texts: dict[str, str], meeting_on: date, responsible_unit: Unit | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Quyết định phải là lựa chọn, không lựa chọn hoặc cần hoàn thiện.")]
    for name, text in texts.items():
        if len(text) > DECISION_TEXT_LIMIT:
            errors[name] = [_("Tối đa %(n)d ký tự.") % {"n": DECISION_TEXT_LIMIT}]
    if not texts["reasons"].strip():
        errors["reasons"] = [_("Cần nêu lý do của quyết định.")]
    if not texts["minutes_summary"].strip():
        errors["minutes_summary"] = [_("Cần tóm tắt biên bản họp Hội đồng.")]
    if meeting_on > timezone.localdate():
        errors["meeting_on"] = [_("Ngày họp không được sau hôm nay.")]
    if outcome == Outcome.SELECTED:
        if responsible_unit is None:
            errors["responsible_unit"] = [_("Cần chọn đơn vị chủ trì thực hiện sáng kiến.")]
        elif not responsible_unit.is_active:
            errors["responsible_unit"] = [_("Đơn vị không còn hoạt động.")]
    return errors


def initiative_decide(
    *,
    actor: Any,
    initiative: Initiative,
    outcome: str,
    reasons: str,
    minutes_summary: str,
    minutes: str = "",
    meeting_on: date | None = None,
    responsible_unit: Unit | None = None,
    plan: Plan | None = None,
) -> CouncilDecision:
    """Record the council's decision on the current version; it is published at once. It
    needs at least two submitted reviews without conflict; reviews still outstanding are
    withdrawn. A selected initiative becomes a task of `plan` (by default the plan of
    selected initiatives) led by `responsible_unit`, with its expected results as
    indicators, in the same transaction."""
    initiative_policy.require(actor, "decide", initiative)
    meeting_on = meeting_on or timezone.localdate()
    errors = _decision_errors(
        outcome=outcome,
        texts={"reasons": reasons, "minutes_summary": minutes_summary, "minutes": minutes},
        meeting_on=meeting_on,
        responsible_unit=responsible_unit,
    )
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = locked_initiative(initiative)
        if locked.status not in (InitiativeStatus.IN_REVIEW, InitiativeStatus.REVIEWED):
            raise Conflict(_("Sáng kiến chưa qua thẩm định hoặc đã có quyết định."))
        mean, counted = review_round_score(locked)
        if counted < MIN_REVIEWS or mean is None:
            raise ValidationFailed(
                fields={
                    "reviews": [
                        _("Cần ít nhất %(n)d phiếu chấm đã nộp, không có xung đột lợi ích (hiện có %(k)d).")
                        % {"n": MIN_REVIEWS, "k": counted}
                    ]
                }
            )
        outstanding = Review.objects.filter(
            initiative=locked, version=locked.version, status=ReviewStatus.ASSIGNED
        )
        withdrawn_experts = [review.expert for review in outstanding.select_related("expert")]
        withdrawn = outstanding.update(status=ReviewStatus.WITHDRAWN)
        target_plan = None
        if outcome == Outcome.SELECTED:
            assert responsible_unit is not None  # checked above  # noqa: S101
            target_plan = plan or _selected_plan(actor)
            task = _task_from_initiative(
                actor=actor,
                initiative=locked,
                unit=responsible_unit,
                plan=target_plan,
                start_on=timezone.localdate(),
            )
            locked.task = task
            locked.save(update_fields=["task", "updated_at"])
        decision = CouncilDecision.objects.create(
            initiative=locked,
            version=locked.version,
            outcome=outcome,
            reasons=reasons.strip(),
            minutes_summary=minutes_summary.strip(),
            minutes=minutes.strip(),
            meeting_on=meeting_on,
            aggregated_score=mean,
            reviews_counted=counted,
            responsible_unit=responsible_unit if outcome == Outcome.SELECTED else None,
            plan=target_plan,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=decision,
            unit=decision.responsible_unit,
            after={
                "initiative": locked.pk,
                "version": locked.version,
                "outcome": outcome,
                "score": str(mean),
                "reviews": counted,
                "withdrawn": withdrawn,
                "task": locked.task_id,
            },
            reason=reasons.strip()[:2000],
        )
        transition(actor, locked, InitiativeStatus.DECIDED, extra={"outcome": outcome})
        notices.decided(decision)
        if locked.task is not None:
            notices.task_assigned(decision, locked.task)
        notices.reviews_withdrawn(locked, withdrawn_experts)
    return decision
