from django.contrib import admin

from thuocdo.accounts.admin_base import ScopedModelAdmin

from .models import AuditEvent
from .permissions import audit_event_policy


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    """Read-only: the log is appended by services only."""

    policy = audit_event_policy
    change_action = "never"  # no role may change the log
    list_display = ("seq", "occurred_at", "actor_label", "action", "object_repr", "unit")
    list_filter = ("action", "channel")
    search_fields = ("actor_label", "object_repr", "object_id", "reason")
    list_select_related = ("unit",)
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
