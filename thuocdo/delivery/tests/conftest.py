"""Monitoring fixtures: the factories, and the assignment most report tests work on."""

from collections.abc import Callable

import pytest

from thuocdo.delivery.models import Assignment
from thuocdo.units.models import Unit

from .factories import IndicatorFactory, PlanFactory, ProgramFactory, TaskFactory


@pytest.fixture
def program_factory(db: None) -> type[ProgramFactory]:
    return ProgramFactory


@pytest.fixture
def plan_factory(db: None) -> type[PlanFactory]:
    return PlanFactory


@pytest.fixture
def task_factory(db: None) -> type[TaskFactory]:
    return TaskFactory


@pytest.fixture
def indicator_factory(db: None) -> type[IndicatorFactory]:
    return IndicatorFactory


@pytest.fixture
def ba_dinh_assignment(task_factory: type[TaskFactory], unit_by_code: Callable[[str], Unit]) -> Assignment:
    """The lead assignment of a monthly task given to Phường Ba Đình (00004, in Hà Nội)
    by a plan of the root, started four months ago."""
    task = task_factory(lead_unit=unit_by_code("00004"))
    return task.assignments.get()
