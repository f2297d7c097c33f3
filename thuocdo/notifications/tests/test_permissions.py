"""Who may see notifications, deliveries and email addresses."""

from collections.abc import Callable
from typing import Any

import pytest

from thuocdo.accounts.models import Role, User
from thuocdo.notifications.permissions import email_delivery_policy, notification_policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "code", "view", "addresses"),
    [
        (Role.ADMIN, "BCDTW", True, True),
        (Role.ADMIN, "01", True, False),
        (Role.ADMIN, "00004", True, False),
        (Role.LEADER, "BCDTW", False, False),
        (Role.VERIFIER, "BCDTW", False, False),
        (Role.OFFICER, "01", False, False),
        (Role.VIEWER, "BCDTW", False, False),
    ],
)
def test_delivery_matrix(
    role: str, code: str, view: bool, addresses: bool, user_with_role: Callable[..., User]
) -> None:
    user = user_with_role(role, code)
    assert email_delivery_policy.user_may(user, "view") is view
    assert email_delivery_policy.user_may(user, "resend") is view
    assert email_delivery_policy.user_may_see_addresses(user) is addresses


def test_superusers_see_addresses_and_inactive_or_anonymous_people_see_nothing(
    superuser: User, user_with_role: Callable[..., User], anonymous: Any
) -> None:
    assert email_delivery_policy.user_may_see_addresses(superuser)
    inactive = user_with_role(Role.ADMIN, "BCDTW", is_active=False)
    assert not email_delivery_policy.user_may(inactive, "view")
    assert not email_delivery_policy.user_may_see_addresses(inactive)
    assert not email_delivery_policy.user_may(anonymous, "view")
    assert not email_delivery_policy.user_may_see_addresses(anonymous)


def test_a_notification_belongs_to_its_recipient(
    user_factory: Any, notification_factory: Any, superuser: User, anonymous: Any
) -> None:
    owner, other = user_factory(), user_factory()
    notification = notification_factory(user=owner)
    assert notification_policy.user_may(owner, "mark_read", notification)
    assert not notification_policy.user_may(other, "mark_read", notification)
    assert not notification_policy.user_may(superuser, "mark_read", notification)  # personal
    assert not notification_policy.user_may(anonymous, "mark_read")
    assert list(notification_policy.visible(other)) == []
    assert list(notification_policy.visible(anonymous)) == []
    owner.is_active = False
    assert not notification_policy.user_may(owner, "mark_read", notification)
