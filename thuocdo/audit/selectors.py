"""Reads of the audit log, filtered by the acting user's scope."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from thuocdo.units.models import Unit

from .models import AuditEvent
from .permissions import audit_event_policy


def audit_event_list(
    *,
    actor: Any,
    action: str | None = None,
    unit: Unit | None = None,
    actor_username: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    queryset = AuditEvent.objects.select_related("unit", "actor")
    if action:
        queryset = queryset.filter(action=action)
    if unit is not None:
        queryset = queryset.filter(Unit.subtree_q(unit.path, prefix="unit__"))
    if actor_username:
        queryset = queryset.filter(actor_label=actor_username)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if since:
        queryset = queryset.filter(occurred_at__gte=since)
    if until:
        queryset = queryset.filter(occurred_at__lt=until)
    return audit_event_policy.visible(actor, queryset).order_by("-id")


def audit_latest_event_id() -> int | None:
    """The newest entry's id: grows with every committed write, sealed or not (a cheap
    change counter for live pages; one primary-key index read)."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
