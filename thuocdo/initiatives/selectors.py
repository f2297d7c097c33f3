"""Reads for breakthrough initiatives.

Public reads (the tracking page, published decisions) return the frozen shapes below,
built from explicit public columns, so contact data and experts' names cannot reach a
public template through a careless attribute lookup. Internal reads take the acting user
and apply the blind-review rule: an expert sees other experts' scores on a version only
after submitting their own.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet

from thuocdo.accounts.models import Role, User
from thuocdo.core.errors import NotFound, PermissionDenied
from thuocdo.core.tracking import tracking_code_normalize

from .models import (
    Attachment,
    ConflictStatus,
    CouncilDecision,
    Initiative,
    InitiativeStatus,
    Outcome,
    Review,
    ReviewStatus,
    Rubric,
    StrategicArea,
)
from .permissions import initiative_policy, review_policy

# --- public shapes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicDecision:
    outcome: str
    outcome_label: str
    reasons: str
    minutes_summary: str
    meeting_on: date
    decided_at: datetime
    aggregated_score: Decimal
    reviews_counted: int
    responsible_unit: str
    task_id: int | None


@dataclass(frozen=True)
class PublicInitiative:
    """What anyone may read about a decided initiative."""

    id: int
    title: str
    area: str
    lead_organisation: str
    version: int
    submitted_at: datetime
    is_demo: bool
    decision: PublicDecision


@dataclass(frozen=True)
class TrackingView:
    """What the tracking page shows to whoever holds the code: never contact data."""

    tracking_code: str
    title: str
    area: str
    status: str
    status_label: str
    version: int
    submitted_at: datetime
    ineligible_reason: str
    decision: PublicDecision | None
    public_id: int | None
    may_resubmit: bool
    is_demo: bool


def _public_decision(decision: CouncilDecision) -> PublicDecision:
    return PublicDecision(
        outcome=decision.outcome,
        outcome_label=str(decision.get_outcome_display()),
        reasons=decision.reasons,
        minutes_summary=decision.minutes_summary,
        meeting_on=decision.meeting_on,
        decided_at=decision.decided_at,
        aggregated_score=decision.aggregated_score,
        reviews_counted=decision.reviews_counted,
        responsible_unit=decision.responsible_unit.name if decision.responsible_unit else "",
        task_id=decision.initiative.task_id if decision.outcome == Outcome.SELECTED else None,
    )


def _published_decisions() -> QuerySet[CouncilDecision]:
    """The decision on each decided initiative's current version."""
    return (
        CouncilDecision.objects.filter(initiative__status=InitiativeStatus.DECIDED)
        .select_related("initiative", "initiative__area", "responsible_unit")
        .only(
            "outcome",
            "reasons",
            "minutes_summary",
            "meeting_on",
            "decided_at",
            "aggregated_score",
            "reviews_counted",
            "version",
            "responsible_unit__name",
            "initiative__id",
            "initiative__title",
            "initiative__area__name",
            "initiative__lead_organisation",
            "initiative__version",
            "initiative__submitted_at",
            "initiative__is_demo",
            "initiative__task_id",
        )
    )


def _public_initiative(decision: CouncilDecision) -> PublicInitiative:
    initiative = decision.initiative
    return PublicInitiative(
        id=initiative.pk,
        title=initiative.title,
        area=initiative.area.name,
        lead_organisation=initiative.lead_organisation,
        version=initiative.version,
        submitted_at=initiative.submitted_at,
        is_demo=initiative.is_demo,
        decision=_public_decision(decision),
    )


def published_list(*, outcome: str | None = None) -> list[PublicInitiative]:
    """Decided initiatives with their published decision, best score first."""
    decisions = [
        d
        for d in _published_decisions().order_by("-aggregated_score", "-decided_at")
        if d.version == d.initiative.version
    ]
    if outcome:
        decisions = [d for d in decisions if d.outcome == outcome]
    return [_public_initiative(d) for d in decisions]


def published_get(*, initiative_id: int) -> PublicInitiative:
    for decision in _published_decisions().filter(initiative_id=initiative_id):
        if decision.version == decision.initiative.version:
            return _public_initiative(decision)
    raise NotFound()


def tracking_get(*, code: str) -> TrackingView:
    """The tracking page's view of an initiative; NotFound for a code that is not one."""
    normalized = tracking_code_normalize(code)
    initiative = (
        Initiative.objects.select_related("area").filter(tracking_code=normalized).first()
        if normalized
        else None
    )
    if initiative is None:
        raise NotFound()
    decision = (
        initiative.decisions.select_related("responsible_unit", "initiative")
        .filter(version=initiative.version)
        .first()
        if initiative.status == InitiativeStatus.DECIDED
        else None
    )
    return TrackingView(
        tracking_code=initiative.tracking_code,
        title=initiative.title,
        area=initiative.area.name,
        status=initiative.status,
        status_label=str(initiative.get_status_display()),
        version=initiative.version,
        submitted_at=initiative.submitted_at,
        ineligible_reason=initiative.ineligible_reason
        if initiative.status == InitiativeStatus.INELIGIBLE
        else "",
        decision=_public_decision(decision) if decision else None,
        public_id=initiative.pk if decision else None,
        may_resubmit=bool(decision and decision.outcome == Outcome.NEEDS_REVISION),
        is_demo=initiative.is_demo,
    )


def strategic_area_list() -> QuerySet[StrategicArea]:
    return StrategicArea.objects.filter(is_active=True)


def rubric_active_or_none() -> Rubric | None:
    return Rubric.objects.filter(is_active=True).prefetch_related("criteria").first()


# --- internal reads ---------------------------------------------------------------------------------


def _with_round_score(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Annotate the current version's mean score and the number of submitted reviews."""
    current = Q(reviews__version=F("version")) & Q(reviews__status=ReviewStatus.SUBMITTED)
    return queryset.annotate(
        round_score=Avg("reviews__total", filter=current),
        round_reviews=Count("reviews", filter=current),
    )


def initiative_queue(*, actor: Any, status: str | None = None) -> QuerySet[Initiative]:
    """The Standing Office's queue, newest first, with the current round's score."""
    initiative_policy.require(actor, "view_internal")
    queryset = initiative_policy.visible(actor, Initiative.objects.select_related("area"))
    if status:
        queryset = queryset.filter(status=status)
    return _with_round_score(queryset).order_by("-submitted_at")


def ranking(*, actor: Any) -> list[Initiative]:
    """Initiatives with at least one submitted review on their current version, ranked
    by the mean of those reviews' totals (the aggregated score)."""
    initiative_policy.require(actor, "view_internal")
    queryset = _with_round_score(
        Initiative.objects.select_related("area").filter(
            status__in=[InitiativeStatus.IN_REVIEW, InitiativeStatus.REVIEWED, InitiativeStatus.DECIDED]
        )
    )
    rows = [i for i in queryset if i.round_reviews]  # type: ignore[attr-defined]
    return sorted(rows, key=lambda i: (-(i.round_score or 0), -i.round_reviews, i.pk))  # type: ignore[attr-defined]


def initiative_get(*, actor: Any, initiative_id: int) -> Initiative:
    """An initiative for the office, or for an expert assigned to it."""
    initiative = Initiative.objects.select_related("area", "task").filter(pk=initiative_id).first()
    if initiative is None:
        raise NotFound()
    if initiative_policy.is_office(actor):
        return initiative
    if (
        review_policy.is_expert(actor)
        and Review.objects.filter(initiative=initiative, expert_id=actor.pk).exists()
    ):
        return initiative
    initiative_policy.require(actor, "view_internal", initiative)  # records the refusal and raises
    raise PermissionDenied()  # pragma: no cover - require() raised


def reviews_visible(*, actor: Any, initiative: Initiative) -> list[Review]:
    """The reviews of the current version that `actor` may see: the office sees all; an
    expert sees their own, and the others' submitted ones only after submitting theirs."""
    queryset = (
        Review.objects.filter(initiative=initiative, version=initiative.version)
        .select_related("expert", "rubric")
        .prefetch_related("scores__criterion")
        .order_by("assigned_at", "pk")
    )
    if initiative_policy.is_office(actor):
        return list(queryset)
    if not review_policy.is_expert(actor):
        return []
    if review_policy.may_see_others(actor, initiative):
        return list(queryset.filter(Q(expert_id=actor.pk) | Q(status=ReviewStatus.SUBMITTED)))
    return list(queryset.filter(expert_id=actor.pk))


def review_get(*, actor: Any, review_id: int) -> Review:
    review = (
        review_policy.visible(
            actor, Review.objects.select_related("initiative", "initiative__area", "expert")
        )
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise NotFound()
    return review


def my_reviews(*, actor: Any) -> QuerySet[Review]:
    """The reviews assigned to an expert, open ones first."""
    return (
        Review.objects.filter(expert_id=getattr(actor, "pk", None))
        .select_related("initiative", "initiative__area")
        .order_by("submitted_at", "-assigned_at")
    )


def expert_candidates() -> QuerySet[User]:
    """People who may be assigned as experts: the expert role in an active unit."""
    return (
        User.objects.filter(
            is_active=True, role_assignments__role=Role.EXPERT, role_assignments__unit__is_active=True
        )
        .distinct()
        .order_by("full_name", "username")
    )


def attachment_get(*, actor: Any, attachment_id: int) -> Attachment:
    """An attachment for the office, or for an assigned expert without a conflict."""
    attachment = Attachment.objects.select_related("initiative").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    if initiative_policy.is_office(actor):
        return attachment
    if (
        review_policy.is_expert(actor)
        and Review.objects.filter(initiative_id=attachment.initiative_id, expert_id=actor.pk)
        .exclude(conflict=ConflictStatus.CONFLICT)
        .exists()
    ):
        return attachment
    raise NotFound()
