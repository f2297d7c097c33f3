"""Audit events are only ever written by `audit_record`, so the factory goes through it."""

import factory

from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.audit.services import audit_record


class AuditEventFactory(factory.Factory):
    class Meta:
        model = AuditEvent

    actor = None
    action = AuditAction.UPDATE
    unit = None
    object_type = "tests.thing"
    object_id = factory.Sequence(str)
    object_repr = factory.Sequence(lambda n: f"Đối tượng thử {n}")
    before = None
    after = None
    reason = ""

    @classmethod
    def _create(cls, model_class: type[AuditEvent], **kwargs: object) -> AuditEvent:
        return audit_record(**kwargs)  # type: ignore[arg-type]

    @classmethod
    def _build(cls, model_class: type[AuditEvent], **kwargs: object) -> AuditEvent:
        raise NotImplementedError("Audit events exist only once recorded; use create().")
