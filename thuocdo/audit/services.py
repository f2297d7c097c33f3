"""The only writer of the audit log."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from thuocdo.core import rawsql
from thuocdo.core.jobs import enqueue_coalesced_on_commit
from thuocdo.core.request_context import current_request_context

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Stable text for a value: sorted keys, no whitespace, dates as ISO strings."""
    if value is None:
        return ""
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(event: AuditEvent) -> str:
    """The hash of an entry over every field that carries meaning, and the previous hash."""
    return hashlib.sha256(canonical_json(_hash_material(event, seq=event.seq)).encode("utf-8")).hexdigest()


def _hash_material(event: AuditEvent, *, seq: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "unit_id": event.unit_id,
        "before": event.before_json,
        "after": event.after_json,
        "reason": event.reason,
        "ip_address": event.ip_address,
        "request_id": event.request_id,
        "channel": event.channel,
        "prev_hash": event.prev_hash,
    }


def _object_identity(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:255]


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    unit: Any = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one entry. Call it inside the same transaction as the change it records,
    so the change and its record commit or roll back together.

    The entry is written unsealed (no place in the chain yet) and takes no lock, so writers
    never wait for each other here; once the transaction commits, the sealing job gives it
    its sequence number and hash (`audit_chain_seal`, decision 0038)."""
    context = current_request_context()
    obj_type, obj_id, obj_repr = _object_identity(obj)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor_obj,
        actor_label=(actor_obj.get_username() if actor_obj else (context.channel or "system"))[:150],
        action=action,
        object_type=object_type or obj_type,
        object_id=object_id or obj_id,
        object_repr=(object_repr or obj_repr)[:255],
        unit=unit,
        before_json=canonical_json(before),
        after_json=canonical_json(after),
        reason=reason,
        ip_address=context.ip_address or "",
        request_id=context.request_id or "",
        channel=context.channel,
    )
    rawsql.insert(event)  # every write records one: a statement built once
    _seal_after_commit()
    return event


def _seal_after_commit() -> None:
    from .tasks import audit_chain_seal_job  # noqa: PLC0415 - the job module imports this one

    enqueue_coalesced_on_commit(audit_chain_seal_job, delay_seconds=1.0)


def audit_chain_seal(*, batch_size: int = 500) -> int:
    """Give every committed, unsealed entry its place in the chain, oldest first: the next
    sequence number, the previous entry's hash and its own hash. Returns how many it sealed.

    One sealer at a time holds the chain's head row. A sealer that finds the head locked
    leaves: the holder looks again for unsealed entries after its commit, so an entry
    committed while it was sealing is not forgotten (on SQLite, which has no SKIP LOCKED,
    sealers simply take turns)."""
    sealed = 0
    while True:
        with transaction.atomic():
            head = (
                AuditChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
                if connection.features.has_select_for_update_skip_locked
                else AuditChainHead.objects.select_for_update().filter(pk=1).first()
            )
            if head is None:
                if AuditChainHead.objects.filter(pk=1).exists():
                    return sealed  # another sealer holds the head
                head = AuditChainHead.objects.create(pk=1)  # only after a test flush
            pending = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
            if not pending:
                return sealed
            seq, prev = head.last_seq, head.last_hash
            for event in pending:
                seq += 1
                event.seq, event.prev_hash = seq, prev
                event.hash = prev = event_hash(event)
            _seal_rows(pending)
            head.last_seq, head.last_hash = seq, prev
            head.save(update_fields=["last_seq", "last_hash"])
        sealed += len(pending)
        if len(pending) < batch_size and not AuditEvent.objects.filter(seq__isnull=True).exists():
            return sealed


def _seal_rows(events: list[AuditEvent]) -> None:
    if connection.vendor == "postgresql":
        rows = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(events))
        params: list[Any] = []
        for event in events:
            params += [event.pk, event.seq, event.prev_hash, event.hash]
        sql = (
            "UPDATE audit_auditevent AS e SET seq = v.seq, prev_hash = v.prev, hash = v.hash "  # noqa: S608 - placeholders only
            f"FROM (VALUES {rows}) AS v(id, seq, prev, hash) WHERE e.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        AuditEvent.objects.bulk_update(events, ["seq", "prev_hash", "hash"])


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None
    # Committed entries not sealed yet: normal for a second or two after a write.
    pending: int = 0

    @property
    def ok(self) -> bool:
        return self.first_break is None


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the sealed chain in order and return the first broken link, if any; also count
    the entries still waiting to be sealed."""
    expected_seq = 1
    expected_prev = GENESIS_HASH
    checked = 0
    pending = AuditEvent.objects.filter(seq__isnull=True).count()
    events = AuditEvent.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=chunk_size)
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(
                checked,
                ChainBreak(
                    expected_seq, None, f"entry #{expected_seq} is missing (next present: #{event.seq})"
                ),
                pending,
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                ChainBreak(event.seq, event.pk, "previous-hash link does not match the entry before it"),
                pending,
            )
        if event_hash(event) != event.hash:
            return ChainReport(
                checked, ChainBreak(event.seq, event.pk, "content does not match its hash"), pending
            )
        checked += 1
        expected_seq += 1
        expected_prev = event.hash
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead()
    if head.last_seq != expected_seq - 1 or head.last_hash != expected_prev:
        return ChainReport(
            checked,
            ChainBreak(
                expected_seq,
                None,
                f"the chain ends at #{expected_seq - 1} but its head records #{head.last_seq}: "
                "the newest entries were removed",
            ),
            pending,
        )
    return ChainReport(checked, None, pending)
