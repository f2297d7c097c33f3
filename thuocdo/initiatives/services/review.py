"""Screening by the Standing Office, expert assignment, conflict-of-interest declarations and
scores."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.accounts.models import Role, RoleAssignment
from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import Conflict, ValidationFailed

from .. import notices
from ..models import ConflictStatus, Initiative, InitiativeStatus, Review, ReviewScore, ReviewStatus
from ..permissions import initiative_policy, review_policy
from .common import DECISION_TEXT_LIMIT, MIN_REVIEWS, locked_initiative, transition
from .reference import rubric_active

SCORE_MIN, SCORE_MAX = 0, 10


def initiative_screening_start(*, actor: Any, initiative: Initiative) -> Initiative:
    """The Standing Office takes a submitted initiative into eligibility screening."""
    initiative_policy.require(actor, "screen", initiative)
    with transaction.atomic():
        locked = locked_initiative(initiative)
        if locked.status != InitiativeStatus.SUBMITTED:
            raise Conflict(_("Chỉ sáng kiến mới tiếp nhận mới được đưa vào xét điều kiện."))
        transition(actor, locked, InitiativeStatus.SCREENING)
        notices.screening_started(locked)
    return locked


def initiative_screen(*, actor: Any, initiative: Initiative, eligible: bool, reason: str = "") -> Initiative:
    """The eligibility finding: eligible goes to expert review; ineligible needs a reason,
    which the submitter sees on the tracking page."""
    initiative_policy.require(actor, "screen", initiative)
    reason = reason.strip()
    if not eligible and not reason:
        raise ValidationFailed(fields={"reason": [_("Cần nêu lý do không đủ điều kiện.")]})
    if len(reason) > 5000:
        raise ValidationFailed(fields={"reason": [_("Tối đa %(n)d ký tự.") % {"n": 5000}]})
    with transaction.atomic():
        locked = locked_initiative(initiative)
        if locked.status != InitiativeStatus.SCREENING:
            raise Conflict(_("Sáng kiến không ở bước xét điều kiện."))
        locked.ineligible_reason = "" if eligible else reason
        locked.screened_by, locked.screened_at = actor, timezone.now()
        locked.save(update_fields=["ineligible_reason", "screened_by", "screened_at", "updated_at"])
        transition(
            actor,
            locked,
            InitiativeStatus.IN_REVIEW if eligible else InitiativeStatus.INELIGIBLE,
            reason=reason,
        )
        notices.screened(locked, eligible=eligible)
    return locked


def is_expert(user: Any) -> bool:
    return RoleAssignment.objects.filter(user_id=user.pk, role=Role.EXPERT, unit__is_active=True).exists()


def review_assign(*, actor: Any, initiative: Initiative, expert: Any) -> Review:
    """Assign an expert to review the current version. The expert must hold the expert
    role, must not be the submitter, and is assigned at most once per version."""
    initiative_policy.require(actor, "assign", initiative)
    if expert is None or not expert.is_active or not is_expert(expert):
        raise ValidationFailed(fields={"expert": [_("Người được chọn không phải chuyên gia.")]})
    if initiative.submitted_by_id is not None and initiative.submitted_by_id == expert.pk:
        raise ValidationFailed(fields={"expert": [_("Người đăng ký sáng kiến không thể tự thẩm định.")]})
    with transaction.atomic():
        locked = locked_initiative(initiative)
        if locked.status not in (InitiativeStatus.IN_REVIEW, InitiativeStatus.REVIEWED):
            raise Conflict(_("Chỉ phân công chuyên gia khi sáng kiến đang thẩm định."))
        if Review.objects.filter(initiative=locked, version=locked.version, expert=expert).exists():
            raise ValidationFailed(fields={"expert": [_("Chuyên gia này đã được phân công.")]})
        review = Review.objects.create(
            initiative=locked,
            version=locked.version,
            expert=expert,
            assigned_by=actor,
            assigned_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=review,
            after={"initiative": locked.pk, "version": locked.version, "expert": expert.get_username()},
        )
        notices.review_assigned(review)
        if locked.status == InitiativeStatus.REVIEWED:
            transition(actor, locked, InitiativeStatus.IN_REVIEW, reason=_("Phân công thêm chuyên gia"))
    return review


def _require_reviewer(actor: Any, review: Review) -> Initiative:
    review_policy.require(actor, "review", review)
    initiative = locked_initiative(review.initiative)
    if initiative.status != InitiativeStatus.IN_REVIEW or review.version != initiative.version:
        raise Conflict(_("Sáng kiến không còn ở bước thẩm định."))
    return initiative


def _close_round_if_done(actor: Any, initiative: Initiative) -> None:
    """When every assigned expert has submitted or declared a conflict, and at least two
    scored, the round is reviewed and ready for the council."""
    reviews = Review.objects.filter(initiative=initiative, version=initiative.version)
    submitted = reviews.filter(status=ReviewStatus.SUBMITTED).count()
    pending = reviews.filter(status=ReviewStatus.ASSIGNED).exists()
    if submitted >= MIN_REVIEWS and not pending:
        transition(actor, initiative, InitiativeStatus.REVIEWED)
        notices.round_reviewed(initiative)


def review_declare_conflict(*, actor: Any, review: Review, has_conflict: bool, note: str = "") -> Review:
    """The expert declares, before scoring, whether they have a conflict of interest. With
    one they cannot score; the office assigns another expert."""
    note = note.strip()
    if has_conflict and not note:
        raise ValidationFailed(fields={"note": [_("Cần nêu rõ xung đột lợi ích.")]})
    if len(note) > 5000:
        raise ValidationFailed(fields={"note": [_("Tối đa %(n)d ký tự.") % {"n": 5000}]})
    with transaction.atomic():
        initiative = _require_reviewer(actor, review)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.conflict != ConflictStatus.UNDECLARED:
            raise Conflict(_("Đã khai báo xung đột lợi ích cho phiếu này."))
        locked.conflict = ConflictStatus.CONFLICT if has_conflict else ConflictStatus.NONE
        locked.conflict_note, locked.declared_at = note, timezone.now()
        if has_conflict:
            locked.status = ReviewStatus.CONFLICT
        locked.save(update_fields=["conflict", "conflict_note", "declared_at", "status"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"conflict": ConflictStatus.UNDECLARED},
            after={"conflict": locked.conflict},
            reason=note,
        )
        if has_conflict:
            notices.conflict_declared(locked)
            _close_round_if_done(actor, initiative)
    return locked


def review_submit(*, actor: Any, review: Review, scores: Mapping[str, Any], comment: str = "") -> Review:
    """Score every criterion of the active rubric from 0 to 10. The total is the weighted
    sum on a scale of 100. A submitted review is final."""
    rubric = rubric_active()
    criteria = list(rubric.criteria.all())
    errors: dict[str, list[str]] = {}
    clean: dict[int, int] = {}
    known = {c.code for c in criteria}
    for code in scores:
        if code not in known:
            errors[f"scores.{code}"] = [_("Không có tiêu chí này.")]
    for criterion in criteria:
        raw = scores.get(criterion.code)
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int) or not SCORE_MIN <= raw <= SCORE_MAX:
            errors[f"scores.{criterion.code}"] = [_("Điểm là số nguyên từ 0 đến 10.")]
        else:
            clean[criterion.pk] = raw
    if len(comment) > DECISION_TEXT_LIMIT:
        errors["comment"] = [_("Tối đa %(n)d ký tự.") % {"n": DECISION_TEXT_LIMIT}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        initiative = _require_reviewer(actor, review)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status == ReviewStatus.SUBMITTED:
            raise Conflict(_("Phiếu chấm đã nộp, không sửa được."))
        if locked.conflict != ConflictStatus.NONE:
            raise Conflict(_("Cần khai báo không có xung đột lợi ích trước khi chấm điểm."))
        total = (sum(Decimal(clean[c.pk] * c.weight) for c in criteria) / Decimal(10)).quantize(
            Decimal("0.01")
        )
        ReviewScore.objects.bulk_create(
            [ReviewScore(review=locked, criterion=c, weight=c.weight, score=clean[c.pk]) for c in criteria]
        )
        locked.rubric, locked.total, locked.comment = rubric, total, comment.strip()
        locked.status, locked.submitted_at = ReviewStatus.SUBMITTED, timezone.now()
        locked.save(update_fields=["rubric", "total", "comment", "status", "submitted_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"status": ReviewStatus.ASSIGNED},
            after={"status": ReviewStatus.SUBMITTED, "total": str(total)},
        )
        notices.review_submitted(locked)
        _close_round_if_done(actor, initiative)
    return locked
