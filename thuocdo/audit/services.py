"""The only writer of the audit log."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

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
    so the change and its record commit or roll back together."""
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
    # Inside the caller's transaction no savepoint is needed: a failure rolls back both.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql" and _append_in_one_statement(event):
            return event
        # The head row is created by a migration; get_or_create only matters after a test flush.
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event.seq, event.prev_hash = head.last_seq + 1, head.last_hash
        event.hash = event_hash(event)
        event.save(force_insert=True)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


_APPEND_SQL = """
WITH head AS (
    SELECT last_seq + 1 AS seq, last_hash AS prev FROM audit_auditchainhead WHERE id = 1 FOR UPDATE
), appended AS (
    INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_label, action, object_type,
        object_id, object_repr, unit_id, before_json, after_json, reason, ip_address, request_id,
        channel, prev_hash, hash)
    SELECT head.seq, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, head.prev,
        encode(sha256(convert_to({material}, 'UTF8')), 'hex')
    FROM head
    RETURNING id, seq, prev_hash, hash
)
UPDATE audit_auditchainhead SET last_seq = appended.seq, last_hash = appended.hash
FROM appended WHERE audit_auditchainhead.id = 1
RETURNING appended.id, appended.seq, appended.prev_hash, appended.hash
"""


def _append_in_one_statement(event: AuditEvent) -> bool:
    """Append `event` to the chain with one statement (PostgreSQL): lock the head, insert
    the entry and move the head. The head's lock is held until the commit, so every writer
    waits for the one before it: one round trip instead of three keeps that wait short.

    The hash is the same `event_hash`: its canonical JSON is built here with markers for
    the two values only the head knows (the sequence number and the previous hash), and
    the database puts them in before hashing. The result is checked against `event_hash`.
    False (nothing written) when the head row is missing or a marker is ambiguous."""
    prev_marker, seq_marker = f"prev-{uuid.uuid4().hex}", f"seq-{uuid.uuid4().hex}"
    event.prev_hash, event.seq = prev_marker, 0
    text = canonical_json(_hash_material(event, seq=seq_marker))
    quoted_seq = json.dumps(seq_marker)
    if text.count(prev_marker) != 1 or text.count(quoted_seq) != 1:
        return False
    parts: list[str] = []
    params: list[Any] = []
    # The text between and around the two markers (each occurs once, checked above); a
    # plain search rather than a regular expression, which would be compiled anew for
    # every entry (the markers are random).
    markers = sorted(
        [
            (text.index(prev_marker), prev_marker, "head.prev"),
            (text.index(quoted_seq), quoted_seq, "head.seq::text"),
        ]
    )
    start = 0
    for position, marker, expression in markers:
        parts += ["%s::text", expression]
        params.append(text[start:position])
        start = position + len(marker)
    parts.append("%s::text")
    params.append(text[start:])
    sql = _APPEND_SQL.format(material=" || ".join(parts))
    values = [
        event.occurred_at,
        event.actor_id,
        event.actor_label,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.unit_id,
        event.before_json,
        event.after_json,
        event.reason,
        event.ip_address,
        event.request_id,
        event.channel,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params])
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk, event.seq, event.prev_hash, event.hash = row
    event._state.adding, event._state.db = False, connection.alias
    if event_hash(event) != event.hash:  # the database hashed other text: refuse the write
        raise RuntimeError("audit chain: the hash computed by the database does not match")
    return True


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order and return the first broken link, if any."""
    expected_seq = 1
    expected_prev = GENESIS_HASH
    checked = 0
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(
                checked,
                ChainBreak(
                    expected_seq, None, f"entry #{expected_seq} is missing (next present: #{event.seq})"
                ),
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                ChainBreak(event.seq, event.pk, "previous-hash link does not match the entry before it"),
            )
        if event_hash(event) != event.hash:
            return ChainReport(checked, ChainBreak(event.seq, event.pk, "content does not match its hash"))
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
        )
    return ChainReport(checked, None)
