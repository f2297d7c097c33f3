"""Monitoring fixtures: the factories, and the assignment most report tests work on."""

from collections.abc import Callable
from typing import Any

import pytest

from thuocdo.accounts.models import Role, User
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


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Evidence files go to a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def officer(user_with_role: Callable[..., User]) -> User:
    """An officer of Phường Ba Đình: reports for it."""
    return user_with_role(Role.OFFICER, "00004")


@pytest.fixture
def province_leader(user_with_role: Callable[..., User]) -> User:
    """A leader of Hà Nội: reviews and judges its communes."""
    return user_with_role(Role.LEADER, "01")


@pytest.fixture
def verifier(user_with_role: Callable[..., User]) -> User:
    """A verifier of the centre."""
    return user_with_role(Role.VERIFIER, "BCDTW")
