"""Recipients by role and unit; the operator's list, scoped and ordered failed first."""

from collections.abc import Callable
from typing import Any

import pytest

from thuocdo.accounts.models import Role, User
from thuocdo.core.errors import NotFound, ValidationFailed
from thuocdo.notifications.models import DeliveryStatus
from thuocdo.notifications.selectors import (
    email_delivery_events,
    email_delivery_get,
    email_delivery_list,
    notification_get,
    notification_list,
    notification_unread_count,
    recipients_remembered,
    standing_office_recipients,
    unit_recipients,
    unit_recipients_prefetch,
)
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db


def test_unit_recipients_are_the_active_role_holders_of_exactly_that_unit(
    user_with_role: Callable[..., User], role_factory: Any, hanoi: Any
) -> None:
    leader = user_with_role(Role.LEADER, "01")
    officer = user_with_role(Role.OFFICER, "01")
    both = user_with_role(Role.LEADER, "01")
    role_factory(user=both, unit=hanoi, role=Role.ADMIN)
    user_with_role(Role.LEADER, "00004")  # below Hà Nội
    user_with_role(Role.LEADER, "BCDTW")  # above Hà Nội
    user_with_role(Role.LEADER, "01", is_active=False)
    assert unit_recipients(unit=hanoi, roles=[Role.LEADER]) == [leader, both]
    assert unit_recipients(unit=hanoi, roles=[Role.LEADER, Role.ADMIN]) == [leader, both]
    assert unit_recipients(unit=hanoi, roles=[Role.OFFICER]) == [officer]
    assert unit_recipients(unit=hanoi, roles=[]) == []


def test_recipients_are_read_once_per_unit_inside_a_remembering_block(
    user_with_role: Callable[..., User], hanoi: Any, django_assert_num_queries: Any
) -> None:
    leader = user_with_role(Role.LEADER, "01")
    with recipients_remembered():
        with django_assert_num_queries(1):
            first = unit_recipients(unit=hanoi, roles=[Role.LEADER])
            again = unit_recipients(unit=hanoi, roles=[Role.LEADER])
        assert first == again == [leader]
        again.clear()  # a caller's list is its own
        assert unit_recipients(unit=hanoi, roles=[Role.LEADER]) == [leader]
    later = user_with_role(Role.LEADER, "01")
    with django_assert_num_queries(1):  # outside the block: read afresh
        assert unit_recipients(unit=hanoi, roles=[Role.LEADER]) == [leader, later]


def test_prefetched_recipients_are_those_each_unit_would_read(
    user_with_role: Callable[..., User], role_factory: Any, hanoi: Any, django_assert_num_queries: Any
) -> None:
    hanoi_leader = user_with_role(Role.LEADER, "01")
    both = user_with_role(Role.OFFICER, "01")
    role_factory(user=both, unit=hanoi, role=Role.LEADER)
    user_with_role(Role.LEADER, "01", is_active=False)
    user_with_role(Role.VIEWER, "01")
    commune = Unit.objects.get(code="00004")
    commune_leader = user_with_role(Role.LEADER, "00004")
    empty = Unit.objects.get(code="79")
    roles = [Role.OFFICER, Role.LEADER]
    expected = {unit.pk: unit_recipients(unit=unit, roles=roles) for unit in (hanoi, commune, empty)}
    assert expected == {hanoi.pk: [hanoi_leader, both], commune.pk: [commune_leader], empty.pk: []}
    with recipients_remembered():
        with django_assert_num_queries(1):
            unit_recipients_prefetch(units=[hanoi, commune, empty, hanoi], roles=roles)
        with django_assert_num_queries(0):
            found = {unit.pk: unit_recipients(unit=unit, roles=roles) for unit in (hanoi, commune, empty)}
            unit_recipients_prefetch(units=[hanoi], roles=roles)  # already remembered
        with django_assert_num_queries(1):  # other roles: not prefetched
            assert unit_recipients(unit=hanoi, roles=[Role.LEADER]) == [hanoi_leader, both]
    assert found == expected
    with django_assert_num_queries(0):  # outside a block there is nothing to fill
        unit_recipients_prefetch(units=[hanoi], roles=roles)


def test_the_standing_office_is_read_once_inside_a_remembering_block(
    user_with_role: Callable[..., User], django_assert_num_queries: Any
) -> None:
    office = user_with_role(Role.OFFICER, "BCDTW")
    with recipients_remembered(), django_assert_num_queries(1):
        assert standing_office_recipients(roles=[Role.OFFICER]) == [office]
        assert standing_office_recipients(roles=[Role.OFFICER]) == [office]


def test_an_inactive_unit_has_no_recipients(user_with_role: Callable[..., User], hanoi: Any) -> None:
    user_with_role(Role.LEADER, "01")
    hanoi.is_active = False
    assert unit_recipients(unit=hanoi, roles=[Role.LEADER]) == []


def test_standing_office_recipients_hold_the_role_at_the_root(user_with_role: Callable[..., User]) -> None:
    office = user_with_role(Role.LEADER, "BCDTW")
    user_with_role(Role.LEADER, "VPTW")  # a central body, depth 1
    user_with_role(Role.OFFICER, "BCDTW")
    assert standing_office_recipients(roles=[Role.LEADER]) == [office]


def test_unknown_roles_are_refused(hanoi: Any) -> None:
    with pytest.raises(ValidationFailed):
        unit_recipients(unit=hanoi, roles=["leaders"])
    with pytest.raises(ValidationFailed):
        standing_office_recipients(roles=["chairman"])


def test_notifications_are_personal(user_factory: Any, notification_factory: Any) -> None:
    user, other = user_factory(), user_factory()
    older = notification_factory(user=user)
    newer = notification_factory(user=user)
    theirs = notification_factory(user=other)
    assert list(notification_list(actor=user)) == [newer, older]
    assert notification_unread_count(actor=user) == 2
    older.read_at = older.created_at
    older.save()
    assert list(notification_list(actor=user, unread_only=True)) == [newer]
    assert notification_unread_count(actor=user) == 1
    assert notification_get(actor=user, notification_id=newer.pk) == newer
    with pytest.raises(NotFound):
        notification_get(actor=user, notification_id=theirs.pk)


def test_operators_see_failed_deliveries_first(root_admin: User, email_delivery_factory: Any) -> None:
    sent = email_delivery_factory(status=DeliveryStatus.SENT)
    failed = email_delivery_factory(status=DeliveryStatus.FAILED, event="initiative.reviewed")
    pending = email_delivery_factory()
    newer_sent = email_delivery_factory(status=DeliveryStatus.SENT)
    assert list(email_delivery_list(actor=root_admin)) == [failed, pending, newer_sent, sent]
    assert list(email_delivery_list(actor=root_admin, status=DeliveryStatus.SENT)) == [newer_sent, sent]
    assert list(email_delivery_list(actor=root_admin, event="initiative.reviewed")) == [failed]
    assert email_delivery_events(actor=root_admin) == ["feedback.received", "initiative.reviewed"]


def test_operators_of_a_unit_see_its_subtree_only(
    hanoi_admin: User, email_delivery_factory: Any, hanoi: Any, ba_dinh: Any, ho_chi_minh: Any
) -> None:
    in_hanoi = email_delivery_factory(unit=hanoi)
    in_ba_dinh = email_delivery_factory(unit=ba_dinh)
    email_delivery_factory(unit=ho_chi_minh)
    no_unit = email_delivery_factory()
    assert set(email_delivery_list(actor=hanoi_admin)) == {in_hanoi, in_ba_dinh}
    with pytest.raises(NotFound):
        email_delivery_get(actor=hanoi_admin, delivery_id=no_unit.pk)
