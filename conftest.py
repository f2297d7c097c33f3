"""Fixtures shared by every app's tests.

The test database holds the real organisation: the official dataset is loaded once per
session, right after the schema is created, so every test sees all 3,405 units and its
own changes roll back with it. Factories live in `<app>/tests/factories.py`; they are
exposed here as fixtures so tests never import them by path.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from thuocdo.accounts.models import Role, User
from thuocdo.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from thuocdo.audit.tests.factories import AuditEventFactory
from thuocdo.core.freshness import rechecked_forget_all
from thuocdo.units.datasets import UnitDataset, read_official_dataset
from thuocdo.units.models import Unit
from thuocdo.units.services import units_load
from thuocdo.units.tests.factories import UnitFactory, UnitRecordFactory

# Property tests check what the code computes, not how fast: Hypothesis's per-example
# deadline (200 ms) fails them on a loaded machine (CI on 2 cores, `pytest -n 2`).
hypothesis_settings.register_profile("thuocdo", deadline=None)
hypothesis_settings.load_profile("thuocdo")

# Codes of the units tests talk about, from the official dataset and central_bodies.toml.
ROOT = "BCDTW"
HANOI = "01"
BA_DINH = "00004"  # Phường Ba Đình, Hà Nội
HOAN_KIEM = "00070"  # Phường Hoàn Kiếm, Hà Nội
HO_CHI_MINH = "79"
SAI_GON = "26740"  # Phường Sài Gòn, Hồ Chí Minh
BO_TAI_CHINH = "BO-TC"
BO_KHCN = "BO-KHCN"


@pytest.fixture(autouse=True)
def rechecked_facts() -> Any:
    """Each test starts without the per-process copies of rechecked facts (calendar
    revisions, the active routing model): a rolled-back test leaves its reads behind."""
    rechecked_forget_all()
    yield
    rechecked_forget_all()


@pytest.fixture(autouse=True)
def default_language() -> Any:
    """Each test starts in the default language (Vietnamese): a test that renders a page in
    English must not leave English active for the next one."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def official_dataset() -> UnitDataset:
    """The official dataset, read once. Tests that change it work on a copy."""
    return read_official_dataset()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any, official_dataset: UnitDataset) -> None:
    with django_db_blocker.unblock():
        units_load(dataset=official_dataset)


# --- units -------------------------------------------------------------------------------


@pytest.fixture
def unit_by_code(db: None) -> Callable[[str], Unit]:
    def get(code: str) -> Unit:
        return Unit.objects.get(code=code)

    return get


@pytest.fixture
def root_unit(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(ROOT)


@pytest.fixture
def hanoi(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(HANOI)


@pytest.fixture
def ba_dinh(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(BA_DINH)


@pytest.fixture
def hoan_kiem(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(HOAN_KIEM)


@pytest.fixture
def ho_chi_minh(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(HO_CHI_MINH)


@pytest.fixture
def sai_gon(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(SAI_GON)


@pytest.fixture
def bo_tai_chinh(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(BO_TAI_CHINH)


@pytest.fixture
def bo_khcn(unit_by_code: Callable[[str], Unit]) -> Unit:
    return unit_by_code(BO_KHCN)


# --- factories ---------------------------------------------------------------------------


@pytest.fixture
def user_factory(db: None) -> type[UserFactory]:
    return UserFactory


@pytest.fixture
def role_factory(db: None) -> type[RoleAssignmentFactory]:
    return RoleAssignmentFactory


@pytest.fixture
def unit_factory(db: None) -> type[UnitFactory]:
    return UnitFactory


@pytest.fixture
def unit_record_factory() -> type[UnitRecordFactory]:
    return UnitRecordFactory


@pytest.fixture
def audit_event_factory(db: None) -> type[AuditEventFactory]:
    return AuditEventFactory


# --- people ------------------------------------------------------------------------------


@pytest.fixture
def user_with_role(
    user_factory: type[UserFactory],
    role_factory: type[RoleAssignmentFactory],
    unit_by_code: Callable[[str], Unit],
) -> Callable[..., User]:
    """`user_with_role(Role.LEADER, "01")`: a new user holding that role in that unit."""

    def make(role: str, code: str, **user_fields: Any) -> User:
        user = user_factory(**user_fields)
        role_factory(user=user, unit=unit_by_code(code), role=role)
        return user

    return make


@pytest.fixture
def admin_user(user_with_role: Callable[..., User]) -> User:
    """An administrator at the root: may manage everything."""
    return user_with_role(Role.ADMIN, ROOT, username="quantri")


@pytest.fixture
def superuser(user_factory: type[UserFactory]) -> User:
    return user_factory(username="sieuquantri", is_superuser=True, is_staff=True)


@pytest.fixture
def anonymous() -> AnonymousUser:
    return AnonymousUser()
