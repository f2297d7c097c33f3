"""Configuration data of the desk: topics (from data/topics.toml) and per-kind rules."""

import tomllib
from pathlib import Path

from django.db import transaction

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.units.models import Unit

from .models import HandlingLevel, Kind, KindSetting, Topic

TOPICS_FILE = Path(__file__).parent / "data" / "topics.toml"


def topics_load(path: Path = TOPICS_FILE) -> tuple[int, int]:
    """Create or update topics from the TOML file. Returns (created, updated)."""
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["topic"]
    created = updated = 0
    with transaction.atomic():
        for order, row in enumerate(rows):
            unit = Unit.objects.get(code=row["default_unit"]) if row.get("default_unit") else None
            values = {
                "name": row["name"],
                "description": row.get("description", ""),
                "default_unit": unit,
                "handling_level": HandlingLevel(row.get("handling_level", "central")),
                "service_code": row["service_code"],
                "keywords": "\n".join(row.get("keywords", [])),
                "sort_order": order,
            }
            topic, was_created = Topic.objects.get_or_create(code=row["code"], defaults=values)
            if was_created:
                created += 1
                continue
            changed = [name for name, value in values.items() if getattr(topic, name) != value]
            if changed:
                for name in changed:
                    setattr(topic, name, values[name])
                topic.save(update_fields=changed)
                updated += 1
        for kind in Kind.values:
            KindSetting.objects.get_or_create(kind=kind)
        if created or updated:
            audit_record(
                actor=None,
                action=AuditAction.DATA_LOAD,
                object_type="feedback.topic",
                after={"created": created, "updated": updated, "source": path.name},
            )
    return created, updated
