"""The audit log is read by leaders, verifiers and administrators of the units it concerns;
events that concern no unit (logins, data loads) only by those who hold a role at the root."""

from thuocdo.accounts.models import Role
from thuocdo.accounts.policy import UnitScopedPolicy

from .models import AuditEvent


class AuditEventPolicy(UnitScopedPolicy[AuditEvent]):
    model = AuditEvent
    path_lookup = "unit__path"
    actions = {"view": frozenset({Role.LEADER, Role.VERIFIER, Role.ADMIN})}


audit_event_policy = AuditEventPolicy()
