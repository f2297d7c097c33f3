from datetime import datetime
from typing import Any

from ninja import Schema


class AuditEventOut(Schema):
    seq: int | None
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    unit_code: str | None
    before: Any
    after: Any
    reason: str
    channel: str
    hash: str | None
    prev_hash: str

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor_label)

    @staticmethod
    def resolve_unit_code(obj: Any) -> str | None:
        return obj.unit.code if obj.unit_id else None
