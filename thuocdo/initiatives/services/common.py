"""What the steps of the review share: the rules counted in more than one step, and the
locked read and audited status change every step uses."""

from typing import Any

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record

from ..models import Initiative

MIN_REVIEWS = 2  # a council decision needs at least this many submitted reviews without conflict
DECISION_TEXT_LIMIT = 20_000


def locked_initiative(initiative: Initiative) -> Initiative:
    return Initiative.objects.select_for_update().select_related("area").get(pk=initiative.pk)


def transition(
    actor: Any, initiative: Initiative, to: str, *, reason: str = "", extra: dict[str, Any] | None = None
) -> None:
    before = initiative.status
    initiative.status = to
    initiative.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=initiative,
        before={"status": before},
        after={"status": to, **(extra or {})},
        reason=reason,
    )
