"""Factories for monitoring: programmes, plans, tasks (with their assignments) and indicators.

They set the scene; the behaviour under test always goes through the services. Plans are
issued by the root unit unless told, so an administrator at the root manages them; tasks
start four months ago (the first day of that month), so that reports have past periods.
"""

from datetime import date

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from thuocdo.delivery.models import (
    Assignment,
    AssignmentRole,
    DeadlineKind,
    Direction,
    Indicator,
    Plan,
    PlanKind,
    Program,
    Recurrence,
    Rollup,
    Task,
)
from thuocdo.delivery.periods import period_start
from thuocdo.delivery.services import assignment_set_thresholds
from thuocdo.units.models import Unit

ROOT_CODE = "BCDTW"
STARTED_MONTHS_AGO = 4


def task_start() -> date:
    """The first day of the month `STARTED_MONTHS_AGO` months before today."""
    return period_start(timezone.localdate() - relativedelta(months=STARTED_MONTHS_AGO), Recurrence.MONTHLY)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    code = factory.Sequence(lambda n: f"chuong-trinh-{n}")
    number = factory.Sequence(lambda n: f"{n}-NQ/TW")
    name = factory.Sequence(lambda n: f"Nghị quyết thử nghiệm {n}")
    issued_on = date(2024, 12, 22)
    issuer = "Bộ Chính trị"


class PlanFactory(factory.django.DjangoModelFactory):
    """A plan issued by the Steering Committee (the root) unless told."""

    class Meta:
        model = Plan

    program = factory.SubFactory(ProgramFactory)
    kind = PlanKind.PLAN
    number = factory.Sequence(lambda n: f"{n:02d}-KH/BCĐTW")
    title = factory.Sequence(lambda n: f"Kế hoạch thử nghiệm số {n}")
    issued_on = date(2025, 6, 1)
    issuer = factory.LazyFunction(lambda: Unit.objects.get(code=ROOT_CODE))


class TaskFactory(factory.django.DjangoModelFactory):
    """A monthly task led by Hà Nội unless told, with its lead assignment (and the
    cooperating ones, when `cooperating_units=[...]` is given), as `task_create` stores it."""

    class Meta:
        model = Task
        skip_postgeneration_save = True

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"NV-{n}")
    title = factory.Sequence(lambda n: f"Nhiệm vụ thử nghiệm {n}")
    lead_unit = factory.LazyFunction(lambda: Unit.objects.get(code="01"))
    start_on = factory.LazyFunction(task_start)
    deadline_kind = DeadlineKind.DATE
    deadline_on = factory.LazyAttribute(lambda task: task.start_on + relativedelta(years=1, days=-1))
    recurrence = Recurrence.MONTHLY

    @factory.post_generation
    def cooperating_units(task: Task, create: bool, extracted: list[Unit] | None, **kwargs: object) -> None:
        if not create:
            return
        units = list(extracted or [])
        task.cooperating_units.set(units)
        created = [Assignment(task=task, unit=task.lead_unit, role=AssignmentRole.LEAD)] + [
            Assignment(task=task, unit=unit, role=AssignmentRole.COOPERATE) for unit in units
        ]
        for assignment in created:
            assignment_set_thresholds(assignment, task)
        Assignment.objects.bulk_create(created)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """Version 1 of a percentage indicator of a task."""

    class Meta:
        model = Indicator

    task = factory.SubFactory(TaskFactory)
    key = factory.Sequence(lambda n: f"chi-tieu-{n}")
    version = 1
    is_current = True
    name = factory.Sequence(lambda n: f"Tỷ lệ thử nghiệm {n}")
    unit_of_measure = "%"
    direction = Direction.HIGHER
    target = 100
    rollup = Rollup.MEAN
