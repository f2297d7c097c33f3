"""Notification fixtures: the factories, and a mail backend that can be made to fail."""

from collections.abc import Callable
from typing import Any

import pytest

from thuocdo.accounts.models import Role, User
from thuocdo.notifications import services

from .factories import EmailDeliveryFactory, NotificationFactory


@pytest.fixture
def notification_factory(db: None) -> type[NotificationFactory]:
    return NotificationFactory


@pytest.fixture
def email_delivery_factory(db: None) -> type[EmailDeliveryFactory]:
    return EmailDeliveryFactory


@pytest.fixture
def root_admin(user_with_role: Callable[..., User]) -> User:
    """An administrator of the Standing Office (root unit): sees every delivery and address."""
    return user_with_role(Role.ADMIN, "BCDTW")


@pytest.fixture
def hanoi_admin(user_with_role: Callable[..., User]) -> User:
    """An administrator of Hà Nội: sees Hà Nội's deliveries, without addresses."""
    return user_with_role(Role.ADMIN, "01")


class FlakyMail:
    """Stands in for `send_mail` in the services module: fails `failures` times, then
    hands over to the real function (the locmem backend in tests)."""

    def __init__(self, real: Callable[..., int]) -> None:
        self.real = real
        self.failures = 0
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionRefusedError(f"SMTP từ chối kết nối tới {args[3][0]}")
        return self.real(*args, **kwargs)


@pytest.fixture
def flaky_mail(monkeypatch: pytest.MonkeyPatch) -> FlakyMail:
    fake = FlakyMail(services.send_mail)
    monkeypatch.setattr(services, "send_mail", fake)
    return fake
