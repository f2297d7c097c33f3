"""Reads for monitoring: assignments with their live status, scorecards, league tables,
attention lists and trends. Everything is computed by the database at request time from
the assignments' maintained facts — no batch job, no stale copy."""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils import timezone

from thuocdo.accounts.models import Role, RoleAssignment
from thuocdo.core.errors import NotFound
from thuocdo.core.freshness import Rechecked
from thuocdo.units.models import Unit, UnitLevel

from .models import (
    Assignment,
    DashboardPin,
    Indicator,
    IndicatorValue,
    Plan,
    ProgressTally,
    Report,
    ReportStatus,
    Task,
    Verification,
    VerificationStatus,
)
from .permissions import assignment_policy, report_policy, verification_policy
from .status import RULE_OUTCOMES, annotate_rule, annotate_status

COUNTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
MINISTRY_KINDS = ("ministry", "ministry_level_agency")


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


def _count_sums() -> str:
    """The SQL that turns (rule, timely, n) rows into the COUNT_FIELDS columns of a group."""
    rules_for: dict[str, list[int]] = defaultdict(list)
    for number, (status, colour, _reason) in enumerate(RULE_OUTCOMES):
        rules_for[str(status)].append(number)
        rules_for[colour].append(number)
    columns = []
    for name in COUNT_FIELDS:
        if name == "total":
            condition = ""
        elif name == "timely":
            condition = "timely = 1"
        else:
            condition = f"rule IN ({', '.join(map(str, rules_for[name]))})" if rules_for[name] else "1 = 0"
        value = f"CASE WHEN {condition} THEN n ELSE 0 END" if condition else "n"
        columns.append(f"CAST(SUM({value}) AS INTEGER)")
    return ", ".join(columns)


_COUNT_SUMS = _count_sums()


def _status_counts(
    queryset: QuerySet[Any], *group_by: str, today: date | None = None
) -> dict[Any, dict[str, Any]]:
    """Count assignments by colour and status, per group. The database evaluates one integer
    rule number per row, groups on it, and sums the groups into the COUNT_FIELDS columns:
    one row per group reaches Python (3,400 at national scale, not 18,000)."""
    grouped = (
        annotate_rule(queryset, today or timezone.localdate())
        .values_list(*group_by, "rule", "timely")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # The ORM's own SQL and parameters, wrapped in the summing query and read straight from
    # the cursor, skipping per-value converters.
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. no tasks given)
        return {}
    keys = ", ".join(connection.ops.quote_name(name) for name in group_by)
    summed = f"SELECT {keys}{', ' if keys else ''}{_COUNT_SUMS} FROM ({sql}) grouped"  # noqa: S608 - fixed SQL
    if keys:
        summed += f" GROUP BY {keys}"
    with connection.cursor() as cursor:
        cursor.execute(summed, params)
        rows = cursor.fetchall()
    width = len(group_by)
    result: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if row[width] is None:  # no group: SUM over no rows
            continue
        key = row[:width] if width > 1 else (row[0] if width else None)
        result[key] = dict(zip(COUNT_FIELDS, row[width:], strict=True))
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
    """A unit's scorecard over its subtree: one grouped pass (counts per unit), summed here."""
    if unit.depth == 0:
        return national_overview(plan=plan, today=today).card
    assignments = scoped_assignments(within=unit, plan=plan)
    by_unit = _status_counts(assignments, "unit_id", today=today)
    card = Scorecard(unit=unit)
    commune_ids = (
        set(Unit.objects.filter(pk__in=by_unit, level=UnitLevel.COMMUNE).values_list("pk", flat=True))
        if unit.level != UnitLevel.COMMUNE
        else set()
    )
    for unit_id, counts in by_unit.items():
        for name, value in counts.items():
            setattr(card, name, getattr(card, name) + value)
        if unit_id in commune_ids:
            card.communes_with_tasks += 1
            card.communes_fully_green += counts["green"] == counts["total"]
    decided = _decided_verifications_by_unit(plan)
    card.confirmed = sum(decided[unit_id][0] for unit_id in by_unit if unit_id in decided)
    card.disputed = sum(decided[unit_id][1] for unit_id in by_unit if unit_id in decided)
    return card


def _decided_verifications_by_unit(plan: Plan | None) -> dict[int, list[int]]:
    """Confirmed and disputed verifications per assignment unit. Read from the decided
    verifications outwards (a few thousand rows), never from a subtree's reports (millions):
    PostgreSQL planned the subtree-first join at 0.3 s for a province."""
    rows = Verification.objects.filter(status__in=(VerificationStatus.CONFIRMED, VerificationStatus.DISPUTED))
    if plan is not None:
        rows = rows.filter(report__assignment__task__plan=plan)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, status, n in (
        rows.values_list("report__assignment__unit_id", "status").annotate(n=Count("pk")).order_by()
    ):
        counts[unit_id][0 if status == VerificationStatus.CONFIRMED else 1] += n
    return counts


@dataclass
class Overview:
    """The nation at a glance, from one pass over all assignments."""

    card: Scorecard
    provinces: list[Scorecard]
    ministries: list[Scorecard]


UNIT_SUMMARY_FIELDS = (
    "pk",
    "code",
    "name",
    "short_name",
    "path",
    "depth",
    "level",
    "kind",
    "latitude",
    "longitude",
)


@dataclass(frozen=True)
class _UnitGroups:
    """Which province or central body each unit belongs to, read from the unit tree."""

    group_of: dict[int, int]  # unit id -> id of its province or central body
    top_units: dict[int, Unit]  # the provinces and central bodies (read-only instances)
    communes: frozenset[int]
    root: Unit | None


def _unit_groups_read() -> _UnitGroups:
    """One query of tuples; Unit objects only for the few top-level units."""
    rows = list(Unit.objects.values_list(*UNIT_SUMMARY_FIELDS))
    top = {row[1]: Unit(**dict(zip(UNIT_SUMMARY_FIELDS, row, strict=True))) for row in rows if row[5] <= 1}
    root = next((u for u in top.values() if u.depth == 0), None)
    top_ids = {code: u.pk for code, u in top.items() if u.depth == 1}
    group_of, communes = {}, set()
    for pk, _code, _name, _short, path, depth, level, *_rest in rows:
        group_id = top_ids.get(path.split("/")[1]) if depth >= 1 else None
        if group_id is not None:
            group_of[pk] = group_id
        if level == UnitLevel.COMMUNE:
            communes.add(pk)
    return _UnitGroups(group_of, {u.pk: u for u in top.values() if u.depth == 1}, frozenset(communes), root)


# The unit tree changes when an operator reloads or edits units; the national pages read
# it on every request. Kept per process for a second (core.freshness).
_unit_groups = Rechecked(_unit_groups_read)


def _verification_counts_by_group(plan: Plan | None) -> dict[int, tuple[int, int]]:
    """Confirmed and disputed verifications per province or central body."""
    decided = _decided_verifications_by_unit(plan)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, depth, parent_id in Unit.objects.filter(pk__in=decided).values_list(
        "pk", "depth", "parent_id"
    ):
        group_id = unit_id if depth == 1 else parent_id if depth == 2 else None
        if group_id is not None:
            totals[group_id][0] += decided[unit_id][0]
            totals[group_id][1] += decided[unit_id][1]
    return {group_id: (confirmed, disputed) for group_id, (confirmed, disputed) in totals.items()}


def national_overview(*, plan: Plan | None = None, today: date | None = None) -> Overview:
    """National scorecard and league tables of provinces and ministries: one grouped query
    (status counts per unit), the rest summed here."""
    by_unit = _status_counts(scoped_assignments(plan=plan), "unit_id", today=today)
    groups = _unit_groups.get()
    # Each unit's counts, as a row of COUNT_FIELDS, listed under its group (None: the
    # centre itself and units outside every group); columns are summed once per group.
    rows_of: dict[int | None, list[tuple[int, ...]]] = defaultdict(list)
    commune_counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])  # with tasks, fully green
    green, total = COUNT_FIELDS.index("green"), COUNT_FIELDS.index("total")
    for unit_id, counts in by_unit.items():
        row = tuple(counts.values())
        group_id = groups.group_of.get(unit_id)
        rows_of[group_id].append(row)
        if unit_id in groups.communes:
            entry = commune_counts[group_id]
            entry[0] += 1
            entry[1] += row[green] == row[total]
    empty = [0] * len(COUNT_FIELDS)
    sums = {
        group_id: [sum(column) for column in zip(*rows, strict=True)] for group_id, rows in rows_of.items()
    }
    national_sums = [sum(column) for column in zip(*sums.values(), strict=True)] if sums else empty
    national = Scorecard(unit=groups.root, **dict(zip(COUNT_FIELDS, national_sums, strict=True)))
    national.communes_with_tasks = sum(entry[0] for entry in commune_counts.values())
    national.communes_fully_green = sum(entry[1] for entry in commune_counts.values())
    cards = {}
    for pk, unit in groups.top_units.items():
        card = Scorecard(unit=unit, **dict(zip(COUNT_FIELDS, sums.get(pk, empty), strict=True)))
        card.communes_with_tasks, card.communes_fully_green = commune_counts.get(pk, [0, 0])
        cards[pk] = card
    for group_id, (confirmed, disputed) in _verification_counts_by_group(plan).items():
        national.confirmed += confirmed
        national.disputed += disputed
        if group_id in cards:
            cards[group_id].confirmed, cards[group_id].disputed = confirmed, disputed

    def ranked(items: list[Scorecard]) -> list[Scorecard]:
        return sorted(
            items, key=lambda c: (c.total == 0, -(c.green_share or 0), c.unit.name if c.unit else "")
        )

    provinces = [c for c in cards.values() if c.unit and c.unit.level == UnitLevel.PROVINCE]
    ministries = [
        c
        for c in cards.values()
        if c.unit and c.unit.level == UnitLevel.CENTRAL and c.unit.kind in MINISTRY_KINDS
    ]
    return Overview(card=national, provinces=ranked(provinces), ministries=ranked(ministries))


def league_table(*, level: str, plan: Plan | None = None, today: date | None = None) -> list[Scorecard]:
    """One scorecard per province (with its communes) or per ministry, the same numbers for
    everyone, best green share first."""
    overview = national_overview(plan=plan, today=today)
    return overview.provinces if level == UnitLevel.PROVINCE else overview.ministries


@dataclass(frozen=True)
class AttentionItem:
    assignment: Assignment
    leaders: list[str]


def attention_list(
    *, within: Unit, plan: Plan | None = None, today: date | None = None, limit: int = 50
) -> list[AttentionItem]:
    """Overdue and at-risk assignments, red first, then by deadline, naming the unit and its
    leaders. The colour rules are applied as plain column filters (the same rules as
    `status.annotate_status`), so the database evaluates the full status only for the rows
    it returns, not for every assignment of the nation."""
    today = today or timezone.localdate()
    base = scoped_assignments(within=within, plan=plan).filter(
        Q(completed_on__isnull=True) | Q(disputed=True)
    )
    red = Q(deadline_on__lt=today) | Q(disputed=True) | Q(silent_from__lte=today)
    amber = Q(late_from__lte=today) | Q(behind_from__lte=today) | Q(near_deadline_from__lte=today)
    ordering = (F("deadline_on").asc(nulls_last=True), "pk")  # walks assignment_deadline_idx
    related = ("unit", "task", "task__plan")
    rows = list(with_status(base.filter(red), today).select_related(*related).order_by(*ordering)[:limit])
    if len(rows) < limit:
        rows += list(
            with_status(base.filter(amber).exclude(red), today)
            .select_related(*related)
            .order_by(*ordering)[: limit - len(rows)]
        )
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
    assignments = scoped_assignments(within=within).filter(task__in=tasks)
    return dict(_status_counts(assignments, "task_id", today=today))


@dataclass(frozen=True)
class IndicatorRollup:
    indicator: Indicator
    value: Decimal | None
    units_reporting: int
    units_assigned: int
    pin_id: int | None = None

    @property
    def meets_target(self) -> bool | None:
        if self.value is None:
            return None
        if self.indicator.rollup == "share_meeting_target":
            return self.value >= 100
        if self.indicator.direction == "lower":
            return self.value <= self.indicator.target
        return self.value >= self.indicator.target


def indicator_rollup(*, indicator: Indicator, within: Unit | None = None) -> IndicatorRollup:
    """The indicator over a subtree, by its declared roll-up rule, from each assignment's
    latest counted value (for the indicator's current version):
    sum; mean; weighted mean (by assignment weight); share of units meeting the target."""
    assignments = scoped_assignments(within=within, task=indicator.task)
    latest: dict[int, tuple[Decimal, Decimal]] = {}
    rows = (
        IndicatorValue.objects.filter(
            indicator=indicator,
            report__is_current=True,
            report__status__in=COUNTED,
            report__assignment__in=assignments,
        )
        .order_by("report__period")
        .values_list("report__assignment_id", "value", "report__assignment__weight")
    )
    for assignment_id, value, weight in rows.iterator(chunk_size=5000):
        latest[assignment_id] = (value, weight)  # ordered by period: the last one wins
    values = list(latest.values())
    result: Decimal | None = None
    if values:
        numbers = [v for v, _w in values]
        if indicator.rollup == "sum":
            result = sum(numbers, Decimal(0))
        elif indicator.rollup == "mean":
            result = sum(numbers, Decimal(0)) / len(numbers)
        elif indicator.rollup == "weighted_mean":
            total_weight = sum((w for _v, w in values), Decimal(0))
            result = sum((v * w for v, w in values), Decimal(0)) / total_weight if total_weight else None
        else:
            meeting = [
                v <= indicator.target if indicator.direction == "lower" else v >= indicator.target
                for v in numbers
            ]
            result = Decimal(100) * sum(meeting) / len(meeting)
    return IndicatorRollup(indicator, result, len(values), assignments.count())


def dashboard_pins(*, unit: Unit) -> list[IndicatorRollup]:
    """The indicators a unit pinned on its dashboard, rolled up over its subtree."""
    pins = DashboardPin.objects.filter(unit=unit, indicator__isnull=False).select_related("indicator__task")
    return [
        replace(indicator_rollup(indicator=pin.indicator, within=unit), pin_id=pin.pk)
        for pin in pins
        if pin.indicator
    ]


def pinnable_indicators() -> QuerySet[Indicator]:
    return (
        Indicator.objects.filter(is_current=True)
        .select_related("task", "task__plan")
        .order_by("task__plan", "task__code", "key")
    )
