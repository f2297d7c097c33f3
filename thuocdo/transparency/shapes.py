"""What the public pages and open data may show, as frozen dataclasses of public fields.

The selectors fill these from explicit column lists, so templates and downloads never hold
a plan, task, assignment or report instance from which internal data (report texts,
verification notes, judgements, people) could be reached. The only models passed on are
units — the public organisation tree, as in the delivery scorecards and league tables —
and the templates show their names, codes and coordinates, never their contact details.
"""

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from thuocdo.delivery.models import (
    AssignmentRole,
    CascadeGroup,
    Colour,
    DeadlineKind,
    Direction,
    PlanKind,
    Recurrence,
    Rollup,
)
from thuocdo.delivery.selectors import Scorecard
from thuocdo.delivery.status import Reason, Status
from thuocdo.units.models import Unit, UnitLevel

STATUS_LABELS = dict(Status.choices)
REASON_LABELS = dict(Reason.choices)
COLOUR_LABELS = dict(Colour.choices)
ROLE_LABELS = dict(AssignmentRole.choices)
LEVEL_LABELS = dict(UnitLevel.choices)


def label_of(labels: dict[Any, Any], code: str) -> str:
    return str(labels.get(code, "")) if code else ""


@dataclass(frozen=True)
class UnitRef:
    """A unit as the public sees it: code and names, never its contact details."""

    code: str
    name: str
    short_name: str = ""

    @property
    def label(self) -> str:
        return self.short_name or self.name


@dataclass
class PublicCard(Scorecard):
    """The internal dashboards' scorecard, plus the average progress the units reported
    (0 for a unit that has not reported yet)."""

    average_progress: float | None = None

    @classmethod
    def of(cls, card: Scorecard, average_progress: float | None) -> "PublicCard":
        values = {f.name: getattr(card, f.name) for f in fields(card)}
        return cls(**values, average_progress=average_progress)


@dataclass(frozen=True)
class PublicPlan:
    id: int
    number: str
    title: str
    kind: str
    issued_on: date | None
    issuer: str
    program_number: str
    program_name: str
    is_simulated: bool
    task_count: int = 0
    card: PublicCard | None = None

    @property
    def kind_label(self) -> str:
        return label_of(dict(PlanKind.choices), self.kind)

    @property
    def average_progress(self) -> float | None:
        return self.card.average_progress if self.card else None


@dataclass(frozen=True)
class PublicTask:
    id: int
    code: str
    title: str
    plan_id: int
    plan_number: str
    group: str
    lead_unit: UnitRef
    deadline_kind: str
    deadline_text: str
    deadline_on: date | None
    start_on: date | None
    recurrence: str
    cascade_group: str
    is_simulated: bool
    cooperating_units: tuple[UnitRef, ...] = ()
    deliverable: str = ""
    description: str = ""

    @property
    def deadline_kind_label(self) -> str:
        return label_of(dict(DeadlineKind.choices), self.deadline_kind)

    @property
    def recurrence_label(self) -> str:
        return label_of(dict(Recurrence.choices), self.recurrence)

    @property
    def cascade_group_label(self) -> str:
        return label_of(dict(CascadeGroup.choices), self.cascade_group)


@dataclass(frozen=True)
class TaskSummary:
    """A task with the colours of its assignments: one row of a plan."""

    task: PublicTask
    card: PublicCard

    @property
    def done(self) -> int:
        return self.card.done_on_time + self.card.done_late

    @property
    def done_share(self) -> float | None:
        return round(100 * self.done / self.card.total, 1) if self.card.total else None

    @property
    def average_progress(self) -> float | None:
        return self.card.average_progress

    @property
    def status(self) -> str:
        return task_status(self.card)[0]

    @property
    def colour(self) -> str:
        return task_status(self.card)[1]


@dataclass(frozen=True)
class PublicIndicator:
    name: str
    unit_of_measure: str
    direction: str
    baseline: Any
    target: Any
    target_on: date | None
    rollup: str

    @property
    def direction_label(self) -> str:
        return label_of(dict(Direction.choices), self.direction)

    @property
    def rollup_label(self) -> str:
        return label_of(dict(Rollup.choices), self.rollup)


@dataclass(frozen=True)
class PublicAssignment:
    """One unit's part of a task, with its computed status: what the public may know."""

    task_id: int
    task_code: str
    task_title: str
    plan_number: str
    deadline_on: date | None
    deadline_text: str
    is_simulated: bool
    unit: UnitRef
    unit_level: str
    parent_name: str
    role: str
    progress: int
    last_period: date | None
    completed_on: date | None
    status: str
    colour: str
    reason: str

    @property
    def role_label(self) -> str:
        return label_of(ROLE_LABELS, self.role)


@dataclass(frozen=True)
class AssignmentPage:
    items: list[PublicAssignment]
    number: int
    num_pages: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


@dataclass(frozen=True)
class UnitStanding:
    unit: UnitRef
    card: PublicCard


@dataclass(frozen=True)
class Overview:
    national: Scorecard
    plans: list[PublicPlan]
    provinces: list[Scorecard]
    ministries: list[Scorecard]
    attention: list[PublicAssignment]


@dataclass(frozen=True)
class UnitPage:
    unit: Unit
    ancestors: list[Unit]
    card: Scorecard
    leader_titles: list[str]
    children: list[UnitStanding] = field(default_factory=list)


def task_status(card: Scorecard) -> tuple[str, str]:
    """The status of a task given to several units: its worst part decides, by the same
    order as the rules for one assignment (done only when every unit is done)."""
    if card.total == 0:
        return "", "none"
    if card.done_on_time + card.done_late == card.total:
        return (Status.DONE_LATE, Colour.AMBER) if card.done_late else (Status.DONE_ON_TIME, Colour.GREEN)
    if card.overdue:
        return Status.OVERDUE, Colour.RED
    if card.at_risk:
        return Status.AT_RISK, Colour.RED if card.red else Colour.AMBER
    if card.not_started == card.total:
        return Status.NOT_STARTED, Colour.GREEN
    return Status.ON_TRACK, Colour.GREEN
