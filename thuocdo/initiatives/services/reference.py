"""Reference data: strategic technology areas and scoring rubrics, loaded from the TOML files
in `data/` and edited in the admin."""

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import Conflict, ValidationFailed

from ..models import Review, Rubric, RubricCriterion, StrategicArea
from ..permissions import reference_data_policy

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def strategic_areas_load(*, path: Path | None = None) -> dict[str, int]:
    """Load the areas from the TOML file: matched by code, names updated, areas missing
    from the file deactivated (never deleted). A second run changes nothing."""
    data = tomllib.loads((path or DATA_DIR / "strategic_areas.toml").read_text(encoding="utf-8"))
    records = data.get("area", [])
    codes = [str(r.get("code", "")) for r in records]
    if len(set(codes)) != len(codes) or any(not c for c in codes):
        raise ValidationFailed(fields={"area": [_("Mã lĩnh vực bị trùng hoặc để trống.")]})
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    with transaction.atomic():
        existing = {a.code: a for a in StrategicArea.objects.select_for_update()}
        for record in records:
            values = {
                "name": str(record["name"]),
                "description": str(record.get("description", "")),
                "order": int(record.get("order", 0)),
                "is_active": True,
            }
            area = existing.get(record["code"])
            if area is None:
                StrategicArea.objects.create(code=record["code"], **values)
                counts["created"] += 1
            elif any(getattr(area, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(area, name, value)
                area.save(update_fields=[*values, "updated_at"])
                counts["updated"] += 1
        gone = StrategicArea.objects.filter(is_active=True).exclude(code__in=codes)
        counts["deactivated"] = gone.update(is_active=False)
        if any(counts.values()):
            audit_record(
                actor=None,
                action=AuditAction.DATA_LOAD,
                object_type="initiatives.strategicarea",
                object_repr="strategic_areas.toml",
                after=counts,
                reason="load_initiative_data",
            )
    return counts


@dataclass(frozen=True)
class CriterionInput:
    code: str
    name: str
    weight: int
    description: str = ""
    order: int = 0


def rubric_errors(criteria: Sequence[CriterionInput]) -> dict[str, list[str]]:
    """Weights are whole percentages that sum to exactly 100; codes are unique slugs."""
    errors: dict[str, list[str]] = {}
    if not criteria:
        errors["criteria"] = [_("Bộ tiêu chí cần ít nhất một tiêu chí.")]
        return errors
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        errors["criteria"] = [_("Mã tiêu chí bị trùng.")]
    for criterion in criteria:
        if not SLUG.fullmatch(criterion.code) or len(criterion.code) > 40:
            errors.setdefault("criteria", []).append(
                _("Mã tiêu chí %(code)s chỉ gồm chữ thường không dấu, số, gạch ngang.")
                % {"code": criterion.code}
            )
        if not criterion.name.strip():
            errors.setdefault("criteria", []).append(_("Tiêu chí cần có tên."))
        if isinstance(criterion.weight, bool) or not isinstance(criterion.weight, int):
            errors["weights"] = [_("Trọng số phải là số nguyên.")]
        elif not 0 < criterion.weight <= 100:
            errors["weights"] = [_("Mỗi trọng số phải lớn hơn 0 và không quá 100.")]
    if "weights" not in errors:
        total = sum(c.weight for c in criteria)
        if total != 100:
            errors["weights"] = [_("Tổng trọng số phải bằng 100 (hiện là %(total)d).") % {"total": total}]
    return errors


def rubric_save(
    *,
    actor: Any,
    name: str,
    criteria: Sequence[CriterionInput],
    is_active: bool = True,
    rubric: Rubric | None = None,
) -> Rubric:
    """Create a rubric, or change one no review was scored against yet. Activating it
    retires the rubric that was active."""
    if actor is not None:
        reference_data_policy.require(actor, "change")
    errors = rubric_errors(criteria)
    if not name.strip() or len(name) > 200:
        errors["name"] = [_("Tên bộ tiêu chí từ 1 đến 200 ký tự.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if rubric is not None and rubric.pk and Review.objects.filter(rubric=rubric).exists():
        raise Conflict(_("Bộ tiêu chí đã được dùng để chấm điểm; hãy tạo bộ tiêu chí mới thay thế."))
    with transaction.atomic():
        if is_active:
            others = Rubric.objects.filter(is_active=True)
            if rubric is not None and rubric.pk is not None:
                others = others.exclude(pk=rubric.pk)
            others.update(is_active=False)
        rubric = rubric if rubric is not None else Rubric()
        created = rubric.pk is None
        rubric.name, rubric.is_active = name.strip(), is_active
        if created:
            rubric.save()
        else:
            rubric.save(update_fields=["name", "is_active", "updated_at"])
            rubric.criteria.all().delete()
        RubricCriterion.objects.bulk_create(
            [
                RubricCriterion(
                    rubric=rubric,
                    code=c.code,
                    name=c.name.strip(),
                    description=c.description,
                    weight=c.weight,
                    order=c.order or index,
                )
                for index, c in enumerate(criteria, start=1)
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=rubric,
            after={"active": is_active, "weights": {c.code: c.weight for c in criteria}},
        )
    return rubric


def rubric_default_load(*, path: Path | None = None) -> Rubric | None:
    """Create the default rubric from its TOML file when no rubric exists yet."""
    if Rubric.objects.exists():
        return None
    data = tomllib.loads((path or DATA_DIR / "default_rubric.toml").read_text(encoding="utf-8"))
    criteria = [
        CriterionInput(
            code=str(c["code"]),
            name=str(c["name"]),
            weight=int(c["weight"]),
            description=str(c.get("description", "")),
            order=index,
        )
        for index, c in enumerate(data.get("criterion", []), start=1)
    ]
    return rubric_save(actor=None, name=str(data["name"]), criteria=criteria)


def strategic_area_save(
    *, actor: Any, area: StrategicArea, name: str, description: str, order: int, is_active: bool
) -> StrategicArea:
    """An edit from the admin; a new area gets its code once, and the code never changes."""
    reference_data_policy.require(actor, "change")
    if area.pk is None and (not SLUG.fullmatch(area.code or "") or len(area.code) > 40):
        raise ValidationFailed(fields={"code": [_("Mã chỉ gồm chữ thường không dấu, số, gạch ngang.")]})
    if not name.strip() or len(name) > 200:
        raise ValidationFailed(fields={"name": [_("Tên lĩnh vực từ 1 đến 200 ký tự.")]})
    with transaction.atomic():
        created = area.pk is None
        area.name, area.description, area.order, area.is_active = name.strip(), description, order, is_active
        if created:
            area.save()
        else:
            area.save(update_fields=["name", "description", "order", "is_active", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=area,
            after={"code": area.code, "name": area.name, "active": is_active},
        )
    return area


def rubric_active() -> Rubric:
    rubric = Rubric.objects.filter(is_active=True).prefetch_related("criteria").first()
    if rubric is None:
        raise Conflict(_("Chưa có bộ tiêu chí chấm điểm đang áp dụng."))
    return rubric
