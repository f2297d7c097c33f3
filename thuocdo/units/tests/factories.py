"""Factories for units: dataset records (to build changed datasets) and hand-made units."""

from dataclasses import replace

import factory

from thuocdo.core.text import search_document
from thuocdo.units.datasets import UnitDataset, UnitRecord
from thuocdo.units.models import PATH_SEPARATOR, Unit, UnitLevel, UnitSource


class UnitRecordFactory(factory.Factory):
    """A commune record as a new release of the official dataset would list it."""

    class Meta:
        model = UnitRecord

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.LazyAttribute(lambda record: f"Xã Thử Nghiệm {record.code}")
    short_name = factory.LazyAttribute(lambda record: f"Thử Nghiệm {record.code}")
    kind = "commune"
    kind_label = "Xã"
    level = UnitLevel.COMMUNE.value
    parent_code = "01"
    source = UnitSource.ADMIN_DATASET.value


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit added by hand (not from a dataset) under an existing parent."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"TAY-{n:04d}")
    name = factory.LazyAttribute(lambda unit: f"Tổ công tác {unit.code}")
    kind = "working_group"
    level = factory.LazyAttribute(lambda unit: unit.parent.level)
    parent = factory.LazyFunction(lambda: Unit.objects.get(code="01"))
    source = UnitSource.MANUAL
    path = factory.LazyAttribute(lambda unit: f"{unit.parent.path}{unit.code}{PATH_SEPARATOR}")
    depth = factory.LazyAttribute(lambda unit: unit.parent.depth + 1)
    search_name = factory.LazyAttribute(lambda unit: search_document(unit.name, unit.code))


def dataset_changed(
    dataset: UnitDataset,
    *,
    rename: dict[str, str] | None = None,
    reparent: dict[str, str] | None = None,
    remove: set[str] | frozenset[str] = frozenset(),
    add: list[UnitRecord] | tuple[UnitRecord, ...] = (),
    version: str = "test-release",
) -> UnitDataset:
    """A copy of `dataset` as a later release might ship it; `dataset` is left untouched."""
    rename = rename or {}
    reparent = reparent or {}
    units = []
    for record in dataset.units:
        if record.code in remove:
            continue
        changes: dict[str, str] = {}
        if record.code in rename:
            changes["name"] = rename[record.code]
        if record.code in reparent:
            changes["parent_code"] = reparent[record.code]
        units.append(replace(record, **changes))
    units.extend(add)
    return UnitDataset(version=version, units=units, aliases=list(dataset.aliases))
