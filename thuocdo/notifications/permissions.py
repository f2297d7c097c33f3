"""Who sees which notifications and deliveries.

- An in-app notification is personal: only the person it was sent to sees it and marks it.
- The email deliveries (the operator view) are for administrators over the unit the
  notification concerns; deliveries of no unit only for administrators at the root.
  Email addresses are personal data: only administrators at the root (the Standing
  Office) and superusers see them.
"""

from typing import Any

from django.db.models import QuerySet

from thuocdo.accounts.models import Role
from thuocdo.accounts.policy import UnitScopedPolicy

from .models import EmailDelivery, Notification


class NotificationPolicy(UnitScopedPolicy[Notification]):
    model = Notification

    def user_may(self, user: Any, action: str, obj: Notification | None = None) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return obj is None or obj.user_id == user.pk

    def visible(
        self, user: Any, queryset: QuerySet[Notification] | None = None, action: str = "view"
    ) -> QuerySet[Notification]:
        queryset = queryset if queryset is not None else Notification.objects.all()
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return queryset.none()
        return queryset.filter(user_id=user.pk)


class EmailDeliveryPolicy(UnitScopedPolicy[EmailDelivery]):
    model = EmailDelivery
    path_lookup = "unit__path"
    actions = {
        "view": frozenset({Role.ADMIN}),
        "resend": frozenset({Role.ADMIN}),
    }

    def user_may_see_addresses(self, user: Any) -> bool:
        """Email addresses: superusers and administrators at the root only."""
        if self.is_superuser(user):
            return True
        return any(scope.depth == 0 for scope in self.scopes(user, "view"))


notification_policy = NotificationPolicy()
email_delivery_policy = EmailDeliveryPolicy()
