"""Feedback fixtures: topics loaded from the real data file, people of the Standing
Office and of Hà Nội, and a `submit` helper that files a valid item."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from thuocdo.accounts.models import Role, User
from thuocdo.feedback.config import topics_load
from thuocdo.feedback.config_cache import caches_reset
from thuocdo.feedback.models import Item
from thuocdo.feedback.services import SubmissionInput, feedback_submit


@pytest.fixture(autouse=True)
def feedback_caches() -> Any:
    """Each test starts without the per-process copies (a rolled-back test leaves rows behind in them)."""
    caches_reset()
    yield
    caches_reset()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def topics(db: None) -> None:
    topics_load()


@pytest.fixture
def live_units(transactional_db: None) -> None:
    """A test on committed data runs on a flushed database: bring the real units back."""
    from thuocdo.units.datasets import read_official_dataset
    from thuocdo.units.models import Unit
    from thuocdo.units.services import units_load

    if not Unit.objects.filter(code="00004").exists():
        units_load(dataset=read_official_dataset())


@pytest.fixture
def standing_office(user_with_role: Callable[..., User]) -> User:
    """An officer of the Standing Office (a role at the root unit)."""
    return user_with_role(Role.OFFICER, "BCDTW", email="vanphong@example.vn")


@pytest.fixture
def hanoi_officer(user_with_role: Callable[..., User]) -> User:
    return user_with_role(Role.OFFICER, "01", email="canbo.hanoi@example.vn")


@pytest.fixture
def hanoi_leader(user_with_role: Callable[..., User]) -> User:
    return user_with_role(Role.LEADER, "01", email="lanhdao.hanoi@example.vn")


@pytest.fixture
def hcm_officer(user_with_role: Callable[..., User]) -> User:
    return user_with_role(Role.OFFICER, "79")


def submission(**overrides: Any) -> SubmissionInput:
    values: dict[str, Any] = {
        "kind": "recommendation",
        "topic": "ha-tang-vien-thong",
        "title": "Mất sóng di động ở phường Ba Đình",
        "body": "Khu dân cư tổ 5 thường xuyên mất sóng 4G vào buổi tối, đề nghị bổ sung trạm phát sóng.",
        "commune": "00004",
        "contact_name": "Nguyễn Văn An",
        "contact_email": "an.nguyen@example.vn",
        "consent": True,
    }
    values.update(overrides)
    return SubmissionInput(**values)


@pytest.fixture
def submit(topics: None) -> Callable[..., Item]:
    def make(**overrides: Any) -> Item:
        actor = overrides.pop("actor", AnonymousUser())
        now = overrides.pop("now", None)
        key = overrides.pop("idempotency_key", "")
        return feedback_submit(actor=actor, data=submission(**overrides), now=now, idempotency_key=key)

    return make
