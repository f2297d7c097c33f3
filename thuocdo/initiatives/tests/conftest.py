"""Initiative fixtures: reference data loaded, the Standing Office, three experts, a scene."""

from collections.abc import Callable
from typing import Any

import pytest

from thuocdo.accounts.models import Role, User
from thuocdo.initiatives.services import rubric_default_load, strategic_areas_load

from .factories import Scene, program


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def reference_data(db: None) -> None:
    strategic_areas_load()
    rubric_default_load()


@pytest.fixture
def office(user_with_role: Callable[..., User]) -> User:
    """An administrator at the root: the Standing Office, who may also record decisions."""
    return user_with_role(Role.ADMIN, "BCDTW", username="vanphong-test")


@pytest.fixture
def office_officer(user_with_role: Callable[..., User]) -> User:
    """An officer at the root: screens and assigns, but does not record decisions."""
    return user_with_role(Role.OFFICER, "BCDTW")


@pytest.fixture
def experts(user_with_role: Callable[..., User]) -> list[User]:
    return [user_with_role(Role.EXPERT, "HDTV", username=f"chuyengia-{i}") for i in range(1, 4)]


@pytest.fixture
def scene(office: User, experts: list[User]) -> Scene:
    return Scene(office, experts)


@pytest.fixture
def a_program(db: None) -> Any:
    return program()


@pytest.fixture
def plan_in_hanoi(db: None) -> Any:
    """A plan issued by Hà Nội (the root's administrators manage it too)."""
    from thuocdo.delivery.tests.factories import PlanFactory
    from thuocdo.units.models import Unit

    return PlanFactory(issuer=Unit.objects.get(code="01"))
