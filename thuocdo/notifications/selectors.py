"""Reads: who should be told (recipients), a person's notifications, and the deliveries an
operator may see."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from thuocdo.accounts.models import Role, RoleAssignment, User
from thuocdo.core.errors import NotFound, ValidationFailed
from thuocdo.units.models import Unit

from .models import DeliveryStatus, EmailDelivery, Notification
from .permissions import email_delivery_policy, notification_policy


def _role_list(roles: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(roles))
    unknown = [role for role in wanted if role not in Role.values]
    if unknown:
        raise ValidationFailed(fields={"roles": [_("Vai trò không tồn tại: %s") % ", ".join(unknown)]})
    return wanted


# Recipients already read in the current `recipients_remembered()` block, by unit id (None:
# the Standing Office) and roles.
_remembered: ContextVar[dict[tuple[int | None, tuple[str, ...]], list[User]] | None] = ContextVar(
    "remembered_recipients", default=None
)


@contextmanager
def recipients_remembered() -> Iterator[None]:
    """Within the block, `unit_recipients` and `standing_office_recipients` read each unit's
    people once: for a caller that notifies about many things in one transaction (the intake
    processor's group of cases), where the answer cannot change between two notices."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def unit_recipients(*, unit: Unit, roles: Iterable[str]) -> list[User]:
    """Active people holding any of `roles` in exactly this unit (not above, not below).
    A unit that is no longer active has no recipients: its roles grant nothing."""
    wanted = _role_list(roles)
    if not wanted or not unit.is_active:
        return []
    return _remembered_or_read((unit.pk, tuple(wanted)), lambda: _unit_recipients_read(unit, wanted))


def _remembered_or_read(
    key: tuple[int | None, tuple[str, ...]], read: Callable[[], list[User]]
) -> list[User]:
    """`read()`, once per key inside a `recipients_remembered()` block; a copy for the caller."""
    remembered = _remembered.get()
    if remembered is None:
        return read()
    if key not in remembered:
        remembered[key] = read()
    return list(remembered[key])


def unit_recipients_prefetch(*, units: Iterable[Unit], roles: Iterable[str]) -> None:
    """Inside `recipients_remembered()`, read the people of several units in one query, so
    that `unit_recipients` finds them remembered (outside a block it does nothing)."""
    remembered = _remembered.get()
    wanted = _role_list(roles)
    if remembered is None or not wanted:
        return
    key_roles = tuple(wanted)
    unread = {unit.pk for unit in units if unit.is_active and (unit.pk, key_roles) not in remembered}
    if not unread:
        return
    people: dict[int, dict[int, User]] = {pk: {} for pk in unread}
    for assignment in RoleAssignment.objects.filter(
        unit_id__in=unread, role__in=wanted, user__is_active=True
    ).select_related("user"):
        people[assignment.unit_id].setdefault(assignment.user_id, assignment.user)
    for pk, users in people.items():
        remembered[(pk, key_roles)] = [users[user_id] for user_id in sorted(users)]


def _unit_recipients_read(unit: Unit, wanted: list[str]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__unit=unit,
            role_assignments__role__in=wanted,
        )
        .distinct()
        .order_by("pk")
    )


def standing_office_recipients(*, roles: Iterable[str]) -> list[User]:
    """Active people holding any of `roles` at the root unit (depth 0): the Standing Office."""
    wanted = _role_list(roles)
    if not wanted:
        return []
    return _remembered_or_read((None, tuple(wanted)), lambda: _standing_office_read(wanted))


def _standing_office_read(wanted: list[str]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__unit__depth=0,
            role_assignments__unit__is_active=True,
            role_assignments__role__in=wanted,
        )
        .distinct()
        .order_by("pk")
    )


def notification_list(*, actor: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's own notifications, newest first."""
    queryset = notification_policy.visible(actor)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def notification_get(*, actor: Any, notification_id: int) -> Notification:
    """One of the actor's notifications; someone else's is simply not found."""
    notification = notification_policy.visible(actor).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return notification


def notification_unread_count(*, actor: Any) -> int:
    """How many unread notifications the actor has: one COUNT on an index."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    return notification_policy.visible(actor).filter(read_at__isnull=True).count()


def email_delivery_list(
    *, actor: Any, status: str | None = None, event: str | None = None
) -> QuerySet[EmailDelivery]:
    """Deliveries the actor may see as an operator: failed first, then pending, then sent,
    newest first within each."""
    queryset = email_delivery_policy.visible(actor, EmailDelivery.objects.select_related("unit", "user"))
    if status:
        queryset = queryset.filter(status=status)
    if event:
        queryset = queryset.filter(event=event)
    return queryset.annotate(
        status_order=Case(
            When(status=DeliveryStatus.FAILED, then=Value(0)),
            When(status=DeliveryStatus.PENDING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("status_order", "-created_at", "-id")


def email_delivery_get(*, actor: Any, delivery_id: int) -> EmailDelivery:
    delivery = email_delivery_list(actor=actor).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    return delivery


def email_delivery_events(*, actor: Any) -> list[str]:
    """The event codes among the deliveries the actor may see (for the filter)."""
    return list(
        email_delivery_policy.visible(actor).order_by("event").values_list("event", flat=True).distinct()
    )
