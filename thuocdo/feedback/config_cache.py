"""Per-process copies of the small tables every submission reads (docs/decisions/0035).

Intake used to read the topic, the kind's rules, the blocked terms, the province and the
commune with one query each, on every submission. They change only when an operator
edits them, so each worker process keeps a copy:

- topics, kind rules and blocked terms: reloaded at most `CONFIG_SECONDS` after they
  were read, and at once in the process that changes them (model signals drop the copy
  when the change is saved and again when it commits). Another worker process follows an
  operator's edit within `CONFIG_SECONDS`; nothing else depends on seeing it sooner (a
  case received in those seconds keeps the rules in force when it arrived);
- units: rebuilt when they changed, by the routing index's freshness check (unit count
  and last change, `routing_index.STAMP_SECONDS`: at most every 30 seconds).

The copies are read-only snapshots: callers must not change and save the instances.
"""

import bisect
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from thuocdo.units.models import Unit

from .models import BlockedTerm, Kind, KindSetting, Topic
from .routing_index import STAMP_SECONDS, _stamp

CONFIG_SECONDS = 10.0


@dataclass(frozen=True)
class IntakeConfig:
    topics: dict[str, Topic]  # active topics by code, with default_unit loaded
    kind_settings: dict[str, KindSetting]
    blocked_terms: tuple[str, ...]  # folded
    loaded_at: float


@dataclass
class _Units:
    stamp: tuple[object, ...]
    by_id: dict[int, Unit] = field(default_factory=dict)
    by_code: dict[str, Unit] = field(default_factory=dict)
    # Every unit, active or not (old cases keep a unit that was closed), sorted by path.
    paths: list[str] = field(default_factory=list)
    path_ids: list[int] = field(default_factory=list)


_lock = threading.Lock()
_config: IntakeConfig | None = None
_units: _Units | None = None
_units_checked_at = 0.0


def _config_load() -> IntakeConfig:
    topics = {t.code: t for t in Topic.objects.filter(is_active=True).select_related("default_unit")}
    settings = {s.kind: s for s in KindSetting.objects.all()}
    missing = [kind for kind in Kind.values if kind not in settings]
    for kind in missing:  # as `deadlines.kind_setting` does: the defaults become a row
        settings[kind], _created = KindSetting.objects.get_or_create(kind=kind)
    terms = tuple(t for t in BlockedTerm.objects.values_list("folded", flat=True) if t)
    return IntakeConfig(topics, settings, terms, time.monotonic())


def intake_config() -> IntakeConfig:
    """Active topics, the kinds' rules and the blocked terms, at most `CONFIG_SECONDS` old."""
    global _config  # noqa: PLW0603 - a per-process cache
    current = _config
    if current is not None and time.monotonic() - current.loaded_at < CONFIG_SECONDS:
        return current
    fresh = _config_load()
    with _lock:
        _config = fresh
    return fresh


def active_unit(unit_id: int) -> Unit | None:
    return _unit_table().by_id.get(unit_id)


def active_unit_by_code(code: str) -> Unit | None:
    return _unit_table().by_code.get(code)


def subtree_unit_ids(path: str) -> list[int]:
    """Ids of the units whose path starts with `path` (the unit and everything below it),
    closed units included. Lists filter cases on these ids rather than joining the units
    by path: PostgreSQL then knows how many cases match and reads the newest ones through
    the received_at index instead of sorting the whole subtree (docs/decisions/0036)."""
    table = _unit_table()
    start = bisect.bisect_left(table.paths, path)
    ids: list[int] = []
    for position in range(start, len(table.paths)):
        if not table.paths[position].startswith(path):
            break
        ids.append(table.path_ids[position])
    return ids


def _unit_table() -> _Units:
    global _units, _units_checked_at  # noqa: PLW0603 - a per-process cache
    current = _units
    now = time.monotonic()
    if current is not None and now - _units_checked_at < STAMP_SECONDS:
        return current
    stamp = _stamp()  # the routing index's freshness check: unit count and last change
    if current is not None and current.stamp == stamp:
        _units_checked_at = now
        return current
    table = _Units(stamp)
    for unit in Unit.objects.order_by("path", "pk"):
        table.paths.append(unit.path)
        table.path_ids.append(unit.pk)
        if unit.is_active:
            table.by_id[unit.pk] = unit
            table.by_code[unit.code] = unit
    with _lock:
        _units, _units_checked_at = table, now
    return table


def caches_reset() -> None:
    """Forget every copy (tests; the signals below after an edit)."""
    global _config, _units  # noqa: PLW0603
    with _lock:
        _config = None
        _units = None


def _changed(**_kwargs: Any) -> None:
    global _config  # noqa: PLW0603
    with _lock:
        _config = None
    # A request of this process may reload before the change commits: drop it again then.
    transaction.on_commit(_forget_config)


def _forget_config() -> None:
    global _config  # noqa: PLW0603
    with _lock:
        _config = None


for _model in (Topic, KindSetting, BlockedTerm):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"feedback-config-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"feedback-config-{_model.__name__}-delete")
