"""Calendar fixtures: the people who may and may not edit it, and a client per person."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from thuocdo.accounts.models import Role, User


@pytest.fixture
def root_admin(admin_user: User) -> User:
    """An administrator at the root (BCDTW): may edit the national calendar."""
    return admin_user


@pytest.fixture
def province_admin(user_with_role: Callable[..., User]) -> User:
    """An administrator of Hà Nội: manages a subtree, not the national calendar."""
    return user_with_role(Role.ADMIN, "01")


@pytest.fixture
def root_leader(user_with_role: Callable[..., User]) -> User:
    """A leader at the root: a role at depth 0, but not an administrator."""
    return user_with_role(Role.LEADER, "BCDTW")


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def seeded_calendar(db: None, django_capture_on_commit_callbacks: Any) -> list[int]:
    """2025 to 2027 initialised from the `holidays` package, as `calendar_seed` does, and
    committed (as far as this process's copies know: their on-commit callbacks run)."""
    from thuocdo.workdays.services import calendar_seed

    years = [2025, 2026, 2027]
    with django_capture_on_commit_callbacks(execute=True):
        calendar_seed(years=years)
    return years
