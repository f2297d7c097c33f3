"""Writes for units: loading the organisation from its datasets, and editing a unit."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import ValidationFailed
from thuocdo.core.text import fold_diacritics, search_document

from .datasets import UnitDataset, UnitRecord
from .models import PATH_SEPARATOR, AliasKind, Unit, UnitAlias
from .permissions import unit_policy

ProgressCallback = Callable[[str, int, int], None]
BATCH_SIZE = 1000
TRACKED_FIELDS = (
    "name",
    "short_name",
    "kind",
    "kind_label",
    "level",
    "latitude",
    "longitude",
    "area_km2",
    "source",
)


def _parked_path() -> Any:
    """A temporary unique path ("~moving~<id>") for rows whose paths are about to swap."""
    return Concat(Value("~moving~"), F("id"))


def unit_search_name(record: UnitRecord) -> str:
    return search_document(record.name, record.short_name, record.code, *record.abbreviations)[:400]


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0
    moved: int = 0
    aliases_created: int = 0
    aliases_removed: int = 0
    renamed: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "reactivated": self.reactivated,
            "moved": self.moved,
            "aliases_created": self.aliases_created,
            "aliases_removed": self.aliases_removed,
            "renamed": self.renamed[:200],
        }


def _ordered_for_loading(records: list[UnitRecord]) -> list[UnitRecord]:
    """Parents before children, whatever order the dataset lists them in."""
    by_code = {r.code: r for r in records}
    if len(by_code) != len(records):
        raise ValidationFailed(_("Bộ dữ liệu có mã đơn vị trùng nhau."))
    depth_cache: dict[str, int] = {}

    def depth(code: str, seen: frozenset[str] = frozenset()) -> int:
        if code in depth_cache:
            return depth_cache[code]
        if code in seen:
            raise ValidationFailed(_("Bộ dữ liệu có vòng lặp cấp trên: %(code)s") % {"code": code})
        parent = by_code[code].parent_code
        if parent and parent not in by_code:
            raise ValidationFailed(
                _("Đơn vị %(code)s có cấp trên %(parent)s không có trong bộ dữ liệu.")
                % {"code": code, "parent": parent}
            )
        value = 0 if not parent else depth(parent, seen | {code}) + 1
        depth_cache[code] = value
        return value

    return sorted(records, key=lambda r: (depth(r.code), r.code))


def units_load(  # noqa: PLR0912, PLR0915 - one transaction, one ordered pass
    *, dataset: UnitDataset, actor: Any = None, progress: ProgressCallback | None = None
) -> LoadReport:
    """Bring the units table in line with `dataset`, in one transaction.

    Idempotent: a second run changes nothing. Units are matched by code, so a rename
    updates the name and everything that refers to the unit keeps referring to it.
    A unit that left the dataset is deactivated, never deleted.
    """
    report = LoadReport()
    records = _ordered_for_loading(dataset.units)
    total = len(records)
    notify = progress or (lambda stage, done, total: None)

    with transaction.atomic():
        existing = {u.code: u for u in Unit.objects.select_for_update().all()}
        path_by_code: dict[str, str] = {}
        id_by_code: dict[str, int] = {code: u.pk for code, u in existing.items()}
        to_update: list[Unit] = []
        moved_paths: list[tuple[str, str]] = []
        pending_create: list[Unit] = []

        def flush_creates() -> None:
            if not pending_create:
                return
            Unit.objects.bulk_create(pending_create, batch_size=BATCH_SIZE)
            for unit in Unit.objects.filter(code__in=[u.code for u in pending_create]).only("id", "code"):
                id_by_code[unit.code] = unit.pk
            pending_create.clear()

        current_depth = -1
        for index, record in enumerate(records, start=1):
            parent_path = path_by_code.get(record.parent_code, "") if record.parent_code else ""
            depth = parent_path.count(PATH_SEPARATOR)
            if depth != current_depth:
                flush_creates()  # children need their parents' ids
                current_depth = depth
            path = f"{parent_path}{record.code}{PATH_SEPARATOR}"
            path_by_code[record.code] = path
            parent_id = id_by_code.get(record.parent_code) if record.parent_code else None
            values = {name: getattr(record, name) for name in TRACKED_FIELDS}
            search_name = unit_search_name(record)
            unit = existing.get(record.code)
            if unit is None:
                pending_create.append(
                    Unit(
                        code=record.code,
                        parent_id=parent_id,
                        path=path,
                        depth=depth,
                        search_name=search_name,
                        **values,
                    )
                )
                report.created += 1
            else:
                changed = [name for name, value in values.items() if getattr(unit, name) != value]
                if unit.name != record.name:
                    report.renamed.append({"code": unit.code, "before": unit.name, "after": record.name})
                if unit.path != path or unit.parent_id != parent_id:
                    moved_paths.append((unit.path, path))
                    report.moved += 1
                    changed += ["path", "parent_id", "depth"]
                if not unit.is_active:
                    report.reactivated += 1
                    changed.append("is_active")
                if changed or unit.search_name != search_name:
                    for name, value in values.items():
                        setattr(unit, name, value)
                    unit.parent_id, unit.path, unit.depth = parent_id, path, depth
                    unit.is_active = True
                    unit.search_name = search_name
                    to_update.append(unit)
                    report.updated += 1
                else:
                    report.unchanged += 1
            if index % 250 == 0 or index == total:
                notify("units", index, total)
        flush_creates()

        if moved_paths:
            # A unit that moved drags along descendants the dataset does not list (units added by hand).
            listed = set(path_by_code)
            for old_path, new_path in moved_paths:
                for descendant in Unit.objects.filter(path__startswith=old_path).exclude(code__in=listed):
                    descendant.path = new_path + descendant.path[len(old_path) :]
                    descendant.depth = descendant.path.count(PATH_SEPARATOR) - 1
                    to_update.append(descendant)
        if to_update:
            # Paths are unique: park moved rows on temporary paths first so swaps cannot collide.
            if moved_paths:
                Unit.objects.filter(pk__in=[u.pk for u in to_update]).update(path=_parked_path())
            Unit.objects.bulk_update(
                to_update,
                ["parent_id", "path", "depth", "is_active", "search_name", *TRACKED_FIELDS],
                batch_size=BATCH_SIZE,
            )

        dataset_sources = {r.source for r in records}
        gone = Unit.objects.filter(source__in=dataset_sources, is_active=True).exclude(
            code__in=dataset.codes()
        )
        report.deactivated = gone.update(is_active=False)

        _load_aliases(dataset, id_by_code, report, notify)

        if (
            report.created
            or report.updated
            or report.deactivated
            or report.aliases_created
            or report.aliases_removed
        ):
            audit_record(
                actor=actor,
                action=AuditAction.DATA_LOAD,
                object_type="units.unit",
                object_repr=dataset.version,
                after=report.as_dict(),
                reason=_("Nạp danh mục đơn vị từ %(version)s") % {"version": dataset.version},
            )
    return report


def _abbreviation_records(dataset: UnitDataset) -> list[tuple[str, str, str, str, str, bool]]:
    rows: list[tuple[str, str, str, str, str, bool]] = []
    for record in dataset.units:
        for abbreviation in record.abbreviations:
            rows.append((record.code, AliasKind.ABBREVIATION, abbreviation, "", "", False))
        if record.short_name and record.short_name != record.name:
            rows.append((record.code, AliasKind.SHORT_NAME, record.short_name, "", "", False))
    for alias in dataset.aliases:
        rows.append(
            (alias.unit_code, alias.kind, alias.name, alias.legacy_code, alias.context, alias.is_partial)
        )
    return rows


def _load_aliases(
    dataset: UnitDataset, id_by_code: dict[str, int], report: LoadReport, notify: ProgressCallback
) -> None:
    desired: dict[tuple[int, str, str, str], tuple[str, bool]] = {}
    for code, kind, name, legacy_code, context, partial in _abbreviation_records(dataset):
        unit_id = id_by_code.get(code)
        if unit_id is not None:
            desired[(unit_id, kind, legacy_code, name)] = (context, partial)
    existing = {
        (a.unit_id, a.kind, a.legacy_code, a.name): a
        for a in UnitAlias.objects.all().only(
            "id", "unit_id", "kind", "legacy_code", "name", "context", "is_partial", "search_name", "name_key"
        )
    }
    stale = [alias.pk for key, alias in existing.items() if key not in desired]
    for start in range(0, len(stale), BATCH_SIZE):
        UnitAlias.objects.filter(pk__in=stale[start : start + BATCH_SIZE]).delete()
    report.aliases_removed = len(stale)
    changed = []
    for key, (context, partial) in desired.items():
        alias = existing.get(key)
        search_name = search_document(key[3], context)[:400]
        name_key = fold_diacritics(key[3])[:255]
        if alias is not None and (
            alias.context != context
            or alias.is_partial != partial
            or alias.search_name != search_name
            or alias.name_key != name_key
        ):
            alias.context, alias.is_partial = context, partial
            alias.search_name, alias.name_key = search_name, name_key
            changed.append(alias)
    UnitAlias.objects.bulk_update(
        changed, ["context", "is_partial", "search_name", "name_key"], batch_size=BATCH_SIZE
    )
    new = [
        UnitAlias(
            unit_id=unit_id,
            kind=kind,
            legacy_code=legacy_code,
            name=name,
            context=context,
            is_partial=partial,
            search_name=search_document(name, context)[:400],
            name_key=fold_diacritics(name)[:255],
        )
        for (unit_id, kind, legacy_code, name), (context, partial) in desired.items()
        if (unit_id, kind, legacy_code, name) not in existing
    ]
    for start in range(0, len(new), BATCH_SIZE):
        UnitAlias.objects.bulk_create(new[start : start + BATCH_SIZE])
        notify("aliases", min(start + BATCH_SIZE, len(new)), len(new))
    report.aliases_created = len(new)


def unit_update_contact(*, actor: Any, unit: Unit, email: str, phone: str, reason: str = "") -> Unit:
    """Units' names and places come from the datasets; only contact details are edited here."""
    unit_policy.require(actor, "change", unit)
    before = {"email": unit.email, "phone": unit.phone}
    unit.email, unit.phone = email.strip(), phone.strip()
    try:
        unit.clean_fields(exclude=[f.name for f in Unit._meta.fields if f.name not in ("email", "phone")])
    except DjangoValidationError as error:
        unit.refresh_from_db(fields=["email", "phone"])
        raise ValidationFailed(fields=error.message_dict) from error
    with transaction.atomic():
        unit.save(update_fields=["email", "phone", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=unit,
            unit=unit,
            before=before,
            after={"email": unit.email, "phone": unit.phone},
            reason=reason,
        )
    return unit
