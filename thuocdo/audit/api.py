"""The audit log is read-only through the API: there is no write endpoint."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from thuocdo.units.selectors import unit_get

from .models import AuditAction
from .permissions import audit_event_policy
from .schemas import AuditEventOut
from .selectors import audit_event_list

router = Router(tags=["Nhật ký kiểm toán"])


class AuditFilters(Schema):
    action: AuditAction | None = None
    unit: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@router.get("/events", response=list[AuditEventOut], summary="Nhật ký kiểm toán (chỉ đọc)")
@paginate(LimitOffsetPagination)
def audit_events(request: HttpRequest, filters: Query[AuditFilters]) -> object:
    audit_event_policy.require(request.user, "view")
    return audit_event_list(
        actor=request.user,
        action=filters.action,
        unit=unit_get(code=filters.unit) if filters.unit else None,
        actor_username=filters.actor,
        object_type=filters.object_type,
        object_id=filters.object_id,
        since=filters.since,
        until=filters.until,
    )
