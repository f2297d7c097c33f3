"""Readers for the two sources of units: the official administrative dataset shipped
by the `vietnamadminunits` package, and the repository's list of central bodies.

They return plain records, so the loader can be tested with a dataset changed by hand
(a rename, a removed commune) exactly as a new release of the package would change it.
"""

import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

CENTRAL_BODIES_FILE = Path(__file__).parent / "data" / "central_bodies.toml"

COMMUNE_KINDS = {"Phường": "ward", "Xã": "commune", "Đặc khu": "special_zone"}


@dataclass(frozen=True)
class UnitRecord:
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    level: str
    parent_code: str
    source: str
    latitude: float | None = None
    longitude: float | None = None
    area_km2: float | None = None
    abbreviations: tuple[str, ...] = ()


@dataclass(frozen=True)
class LegacyAliasRecord:
    unit_code: str
    kind: str
    name: str
    legacy_code: str
    context: str
    is_partial: bool = False


@dataclass
class UnitDataset:
    version: str
    units: list[UnitRecord]
    aliases: list[LegacyAliasRecord] = field(default_factory=list)

    def codes(self) -> set[str]:
        return {record.code for record in self.units}


def _admin_query(sql: str) -> list[dict[str, Any]]:
    from vietnamadminunits.database import query  # noqa: PLC0415 - heavy package, load on demand

    return query(sql)


def _converter_tables() -> dict[str, Any]:
    import vietnamadminunits  # noqa: PLC0415

    path = Path(vietnamadminunits.__file__).parent / "data" / "converter_2025.json"
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def read_central_bodies(path: Path = CENTRAL_BODIES_FILE) -> list[UnitRecord]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    records = []
    for item in data["unit"]:
        records.append(
            UnitRecord(
                code=item["code"],
                name=item["name"],
                short_name=item.get("short_name", ""),
                kind=item["kind"],
                kind_label=item.get("kind_label", ""),
                level="central",
                parent_code=item.get("parent", ""),
                source="central_bodies",
                abbreviations=tuple(item.get("abbreviations", ())),
            )
        )
    if not records or records[0].parent_code:
        raise ValueError(f'{path}: the first unit must be the root (parent = "").')
    return records


def _province_kind(name: str) -> tuple[str, str]:
    return ("city", "Thành phố") if name.startswith("Thành phố") else ("province", "Tỉnh")


def read_admin_units(root_code: str) -> Iterator[UnitRecord]:
    """Provinces (as children of `root_code`) then communes, from the official dataset."""
    rows = _admin_query("SELECT * FROM admin_units ORDER BY provinceCode, wardCode")
    seen_provinces: set[str] = set()
    for row in rows:
        if row["provinceCode"] in seen_provinces:
            continue
        seen_provinces.add(row["provinceCode"])
        kind, label = _province_kind(row["province"])
        yield UnitRecord(
            code=row["provinceCode"],
            name=row["province"],
            short_name=row["provinceShort"],
            kind=kind,
            kind_label=label,
            level="province",
            parent_code=root_code,
            source="admin_dataset",
            latitude=row["provinceLat"],
            longitude=row["provinceLon"],
            abbreviations=tuple(a.upper() for a in json.loads(row["provinceAlias"] or "[]")),
        )
    for row in rows:
        yield UnitRecord(
            code=row["wardCode"],
            name=row["ward"],
            short_name=row["wardShort"],
            kind=COMMUNE_KINDS.get(row["wardType"], "commune"),
            kind_label=row["wardType"],
            level="commune",
            parent_code=row["provinceCode"],
            source="admin_dataset",
            latitude=row["wardLat"],
            longitude=row["wardLon"],
            area_km2=row["wardAreaKm2"],
        )


def read_legacy_aliases() -> list[LegacyAliasRecord]:  # noqa: PLR0912 - one pass over the legacy table
    """Pre-July-2025 provinces, districts and communes, each pointing at the unit that
    holds it today (a district at its province; a split commune at every part)."""
    current = _admin_query("SELECT provinceKey, provinceCode, province, wardKey, wardCode FROM admin_units")
    province_code_by_key = {r["provinceKey"]: r["provinceCode"] for r in current}
    province_name_by_code = {r["provinceCode"]: r["province"] for r in current}
    ward_code_by_key = {(r["provinceKey"], r["wardKey"]): r["wardCode"] for r in current}

    tables = _converter_tables()
    new_province_by_old = {old: new for new, olds in tables["DICT_PROVINCE"].items() for old in olds}
    whole_ward_by_old: dict[str, tuple[str, str]] = {}
    for new_province, wards in tables["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, old_keys in wards.items():
            for old_key in old_keys:
                whole_ward_by_old[old_key] = (new_province, new_ward)
    split_wards_by_old: dict[str, list[tuple[str, str]]] = {}
    for new_province, olds in tables["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            split_wards_by_old[old_key] = [(new_province, p["newWardKey"]) for p in parts]

    legacy = _admin_query(
        "SELECT province, provinceKey, provinceCode, district, districtKey, districtCode, "
        "ward, wardKey, wardCode FROM admin_units_legacy"
    )
    aliases: dict[tuple[str, str, str, str], LegacyAliasRecord] = {}

    def add(record: LegacyAliasRecord) -> None:
        aliases.setdefault((record.unit_code, record.kind, record.legacy_code, record.name), record)

    for row in legacy:
        new_province_key = new_province_by_old.get(row["provinceKey"])
        province_code = province_code_by_key.get(new_province_key or "")
        if not province_code:
            continue
        if row["province"] != province_name_by_code[province_code]:
            add(LegacyAliasRecord(province_code, "legacy_province", row["province"], row["provinceCode"], ""))
        add(
            LegacyAliasRecord(
                province_code, "legacy_district", row["district"], row["districtCode"] or "", row["province"]
            )
        )
        old_key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}"
        context = f"{row['district']}, {row['province']}"
        targets: list[tuple[str, str]]
        partial = False
        if old_key in whole_ward_by_old:
            targets = [whole_ward_by_old[old_key]]
        else:
            targets = split_wards_by_old.get(old_key, [])
            partial = len(targets) > 1
        for target_province, target_ward in targets:
            unit_code = ward_code_by_key.get((target_province, target_ward))
            if not unit_code:
                continue
            if row["ward"]:
                add(
                    LegacyAliasRecord(
                        unit_code, "legacy_commune", row["ward"], row["wardCode"] or "", context, partial
                    )
                )
            else:  # island districts had no communes: the district itself became a special zone
                add(
                    LegacyAliasRecord(
                        unit_code,
                        "legacy_district",
                        row["district"],
                        row["districtCode"] or "",
                        row["province"],
                    )
                )
    return list(aliases.values())


def read_official_dataset() -> UnitDataset:
    central = read_central_bodies()
    root_code = central[0].code
    units = central + list(read_admin_units(root_code))
    return UnitDataset(
        version=f"vietnamadminunits {version('vietnamadminunits')}",
        units=units,
        aliases=read_legacy_aliases(),
    )
