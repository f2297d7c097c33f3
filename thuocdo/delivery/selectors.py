"""Reads for monitoring: assignments with their live status, scorecards, league tables,
attention lists and trends. Everything is computed by the database at request time from
the assignments' maintained facts — no batch job, no stale copy."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, Sum, When
from django.utils import timezone

from thuocdo.accounts.models import Role, RoleAssignment
from thuocdo.core.errors import NotFound
from thuocdo.units.models import Unit, UnitLevel

from .models import (
    Assignment,
    Plan,
    ProgressTally,
    Report,
    ReportStatus,
    Task,
    Verification,
    VerificationStatus,
)
from .permissions import assignment_policy, report_policy, verification_policy
from .status import Status, annotate_status

COUNTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def scoped_assignments(
    *, within: Unit | None = None, plan: Plan | None = None, task: Task | None = None
) -> QuerySet[Assignment]:
    queryset = Assignment.objects.all()
    if within is not None and within.depth > 0:
        queryset = queryset.filter(Unit.subtree_q(within.path, prefix="unit__"))
    if plan is not None:
        queryset = queryset.filter(task__plan=plan)
    if task is not None:
        queryset = queryset.filter(task=task)
    return queryset


def with_status(queryset: QuerySet[Assignment], today: date | None = None) -> QuerySet[Any]:
    """Annotate `status_code`, `colour_code`, `reason_code` and `timely`."""
    return annotate_status(queryset, today or timezone.localdate())


COUNT_FIELDS = (
    "total",
    "green",
    "amber",
    "red",
    "overdue",
    "at_risk",
    "done_on_time",
    "done_late",
    "not_started",
    "on_track",
    "timely",
)


def _status_counts(queryset: QuerySet[Any], *group_by: str) -> dict[Any, dict[str, Any]]:
    """Count assignments by colour and status, per group. The status expression is
    evaluated once per row (GROUP BY on it); the few resulting groups are summed here."""
    rows = (
        queryset.values(*group_by, "status_code", "colour_code", "timely").annotate(n=Count("pk")).order_by()
    )
    result: dict[Any, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COUNT_FIELDS, 0))
    for row in rows:
        key = (
            tuple(row[name] for name in group_by)
            if len(group_by) > 1
            else (row[group_by[0]] if group_by else None)
        )
        counts, n = result[key], row["n"]
        counts["total"] += n
        counts[row["colour_code"]] += n
        counts[row["status_code"]] += n
        if row["timely"]:
            counts["timely"] += n
    return result


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Scorecard:
    unit: Unit | None
    total: int = 0
    green: int = 0
    amber: int = 0
    red: int = 0
    overdue: int = 0
    at_risk: int = 0
    done_on_time: int = 0
    done_late: int = 0
    not_started: int = 0
    on_track: int = 0
    timely: int = 0
    confirmed: int = 0
    disputed: int = 0
    communes_with_tasks: int = 0
    communes_fully_green: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def green_share(self) -> float | None:
        return _share(self.green, self.total)

    @property
    def on_time_completion_rate(self) -> float | None:
        """Of what is finished or should be: the share finished by its deadline."""
        return _share(self.done_on_time, self.done_on_time + self.done_late + self.overdue)

    @property
    def reporting_timeliness(self) -> float | None:
        return _share(self.timely, self.total)

    @property
    def verification_factor(self) -> float | None:
        """The share of verified claims that held."""
        return _share(self.confirmed, self.confirmed + self.disputed)

    @property
    def communes_green_share(self) -> float | None:
        return _share(self.communes_fully_green, self.communes_with_tasks)


def unit_scorecard(*, unit: Unit, plan: Plan | None = None, today: date | None = None) -> Scorecard:
    assignments = with_status(scoped_assignments(within=unit, plan=plan), today)
    card = Scorecard(unit=unit, **_status_counts(assignments).get(None, dict.fromkeys(COUNT_FIELDS, 0)))
    verifications = Verification.objects.filter(
        report__assignment__in=scoped_assignments(within=unit, plan=plan)
    )
    counts = verifications.aggregate(
        confirmed=Count("pk", filter=Q(status=VerificationStatus.CONFIRMED)),
        disputed=Count("pk", filter=Q(status=VerificationStatus.DISPUTED)),
    )
    card.confirmed, card.disputed = counts["confirmed"], counts["disputed"]
    if unit.level != UnitLevel.COMMUNE:
        communes = _commune_greenness(assignments.filter(unit__level=UnitLevel.COMMUNE))
        card.communes_with_tasks = len(communes)
        card.communes_fully_green = sum(1 for non_green in communes.values() if non_green == 0)
    return card


def _commune_greenness(assignments: QuerySet[Assignment]) -> dict[int, int]:
    rows = (
        assignments.values("unit_id")
        .annotate(non_green=Count("pk", filter=~Q(colour_code="green")))
        .order_by()
    )
    return {row["unit_id"]: row["non_green"] for row in rows}


def league_table(*, level: str, plan: Plan | None = None, today: date | None = None) -> list[Scorecard]:
    """One scorecard per province (with its communes) or per ministry, the same numbers for
    everyone, best green share first. Three grouped queries, whatever the number of units."""
    if level == UnitLevel.PROVINCE:
        units = list(Unit.objects.filter(level=UnitLevel.PROVINCE, is_active=True))
    else:
        units = list(
            Unit.objects.filter(
                level=UnitLevel.CENTRAL,
                depth=1,
                is_active=True,
                kind__in=("ministry", "ministry_level_agency"),
            )
        )
    by_id = {u.pk: u for u in units}
    group = Case(
        When(unit__depth=1, then=F("unit_id")),
        When(unit__depth=2, then=F("unit__parent_id")),
        output_field=IntegerField(),
    )
    assignments = with_status(scoped_assignments(plan=plan).filter(unit__depth__in=(1, 2)), today).annotate(
        group_id=group
    )
    cards = {u.pk: Scorecard(unit=u) for u in units}
    for group_id, counts in _status_counts(assignments.filter(group_id__in=by_id), "group_id").items():
        for name, value in counts.items():
            setattr(cards[group_id], name, value)
    verifications = (
        Verification.objects.filter(report__assignment__in=scoped_assignments(plan=plan))
        .annotate(
            group_id=Case(
                When(report__assignment__unit__depth=1, then=F("report__assignment__unit_id")),
                When(report__assignment__unit__depth=2, then=F("report__assignment__unit__parent_id")),
                output_field=IntegerField(),
            )
        )
        .filter(group_id__in=by_id)
        .values("group_id")
        .annotate(
            confirmed=Count("pk", filter=Q(status=VerificationStatus.CONFIRMED)),
            disputed=Count("pk", filter=Q(status=VerificationStatus.DISPUTED)),
        )
        .order_by()
    )
    for row in verifications:
        cards[row["group_id"]].confirmed, cards[row["group_id"]].disputed = row["confirmed"], row["disputed"]
    if level == UnitLevel.PROVINCE:
        greenness = (
            assignments.filter(unit__level=UnitLevel.COMMUNE)
            .values("unit_id", "unit__parent_id")
            .annotate(non_green=Count("pk", filter=~Q(colour_code="green")))
            .order_by()
        )
        per_province: dict[int, list[int]] = defaultdict(list)
        for row in greenness:
            per_province[row["unit__parent_id"]].append(row["non_green"])
        for province_id, values in per_province.items():
            if province_id in cards:
                cards[province_id].communes_with_tasks = len(values)
                cards[province_id].communes_fully_green = sum(1 for v in values if v == 0)
    return sorted(
        cards.values(), key=lambda c: (c.total == 0, -(c.green_share or 0), c.unit.name if c.unit else "")
    )


@dataclass(frozen=True)
class AttentionItem:
    assignment: Assignment
    leaders: list[str]


def attention_list(
    *, within: Unit, plan: Plan | None = None, today: date | None = None, limit: int = 50
) -> list[AttentionItem]:
    """Overdue and at-risk assignments, red first, naming the unit and its leaders."""
    queryset = (
        with_status(scoped_assignments(within=within, plan=plan), today)
        .filter(status_code__in=(Status.OVERDUE, Status.AT_RISK))
        .select_related("unit", "task", "task__plan")
        .order_by(Case(When(colour_code="red", then=0), default=1), "task__deadline_on", "unit__path")[:limit]
    )
    rows = list(queryset)
    leaders: dict[int, list[str]] = defaultdict(list)
    for unit_id, name, username in RoleAssignment.objects.filter(
        unit_id__in={a.unit_id for a in rows}, role=Role.LEADER
    ).values_list("unit_id", "user__full_name", "user__username"):
        leaders[unit_id].append(name or username)
    return [AttentionItem(a, leaders.get(a.unit_id, [])) for a in rows]


def progress_over_time(*, within: Unit, plan: Plan | None = None) -> list[dict[str, Any]]:
    """Average reported progress and number of reports per period in the subtree. The
    nation and provinces/central bodies read the maintained tallies; smaller units their reports."""
    if within.depth <= 1:
        tallies = ProgressTally.objects.all()
        if within.depth == 1:
            tallies = tallies.filter(group_unit=within)
        if plan is not None:
            tallies = tallies.filter(plan=plan)
        rows = (
            tallies.values("period").annotate(n=Sum("reports"), total=Sum("progress_sum")).order_by("period")
        )
        return [
            {"period": r["period"], "reports": r["n"], "average": r["total"] / r["n"]} for r in rows if r["n"]
        ]
    # Below the top level a subtree holds few assignments: look them up first, then their reports by index.
    assignment_ids = list(scoped_assignments(within=within, plan=plan).values_list("pk", flat=True)[:20000])
    reports = Report.objects.filter(assignment_id__in=assignment_ids, is_current=True, status__in=COUNTED)
    return list(
        reports.values("period").annotate(average=Avg("progress"), reports=Count("pk")).order_by("period")
    )


def assignment_list_for_unit(*, unit: Unit, today: date | None = None) -> QuerySet[Assignment]:
    return (
        with_status(Assignment.objects.filter(unit=unit), today)
        .select_related("task", "task__plan", "task__lead_unit", "unit")
        .order_by("task__deadline_on", "task__code")
    )


def assignment_get(*, assignment_id: int, today: date | None = None, annotate: bool = True) -> Any:
    base = Assignment.objects.filter(pk=assignment_id)
    queryset = with_status(base, today) if annotate else base
    assignment = queryset.select_related(
        "task", "task__plan", "task__lead_unit", "unit", "unit__parent"
    ).first()
    if assignment is None:
        raise NotFound()
    return assignment


def my_assignments(*, user: Any, today: date | None = None) -> QuerySet[Assignment]:
    """The assignments of the units where the user holds a role that may report."""
    unit_ids = [s.unit_id for s in assignment_policy.scopes(user, "report")]
    return (
        with_status(Assignment.objects.filter(unit_id__in=unit_ids), today)
        .select_related("task", "task__plan", "unit")
        .order_by("unit__path", "task__deadline_on", "task__code")
    )


def report_history(*, actor: Any, assignment: Assignment) -> QuerySet[Report]:
    return (
        report_policy.visible(actor, Report.objects.filter(assignment=assignment))
        .select_related("created_by", "reviewed_by")
        .prefetch_related("values__indicator", "evidence", "verifications")
        .order_by("-period", "-version")
    )


def verification_queue(*, actor: Any, status: str = VerificationStatus.PENDING) -> QuerySet[Verification]:
    return verification_policy.visible(
        actor,
        Verification.objects.filter(status=status).select_related(
            "report", "report__assignment", "report__assignment__unit", "report__assignment__task"
        ),
    ).order_by("drawn_at")


def plan_list() -> QuerySet[Plan]:
    return (
        Plan.objects.select_related("program", "issuer")
        .annotate(task_count=Count("tasks"))
        .order_by(F("issued_on").desc(nulls_last=True), "number", "pk")
    )


def plan_get(*, plan_id: int) -> Plan:
    plan = Plan.objects.select_related("program", "issuer").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    return plan


def task_list(
    *, plan: Plan | None = None, within: Unit | None = None, today: date | None = None
) -> QuerySet[Task]:
    """Tasks with their assignment colours counted (one grouped query)."""
    tasks = Task.objects.select_related("plan", "lead_unit", "group")
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    if within is not None and within.depth > 0:
        tasks = tasks.filter(assignments__unit__path__startswith=within.path).distinct()
    return tasks.order_by("plan", "code")


def task_colour_counts(
    *, tasks: list[Task], within: Unit | None = None, today: date | None = None
) -> dict[int, dict[str, int]]:
    assignments = with_status(scoped_assignments(within=within).filter(task__in=tasks), today)
    return dict(_status_counts(assignments, "task_id"))
