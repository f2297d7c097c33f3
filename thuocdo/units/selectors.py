"""Reads for units. Every subtree question is one indexed prefix query on `path`."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from thuocdo.core.errors import NotFound
from thuocdo.core.text import search_words

from .models import Unit, UnitAlias, UnitLevel

SEARCH_LIMIT_MAX = 200


def unit_get(*, code: str, include_inactive: bool = True) -> Unit:
    queryset = Unit.objects.all() if include_inactive else Unit.objects.filter(is_active=True)
    try:
        return queryset.select_related("parent").get(code=code)
    except Unit.DoesNotExist as error:
        raise NotFound(_("Không tìm thấy đơn vị có mã %(code)s.") % {"code": code}) from error


def unit_root() -> Unit:
    root = Unit.objects.filter(depth=0, is_active=True).order_by("id").first()
    if root is None:
        raise NotFound(_("Chưa nạp danh mục đơn vị. Chạy: python manage.py load_units"))
    return root


def unit_subtree(*, unit: Unit, level: str | None = None, include_self: bool = True) -> QuerySet[Unit]:
    queryset = Unit.objects.filter(Unit.subtree_q(unit.path), is_active=True)
    if not include_self:
        queryset = queryset.exclude(pk=unit.pk)
    if level:
        queryset = queryset.filter(level=level)
    return queryset


def unit_is_within(*, unit: Unit, ancestor: Unit) -> bool:
    return Unit.objects.filter(pk=unit.pk, path__startswith=ancestor.path).exists()


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(path__in=unit.ancestor_paths).order_by("depth"))


def unit_children(*, unit: Unit) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(parent=unit, is_active=True)
        .annotate(child_count=Count("children", filter=Q(children__is_active=True)))
        .order_by("level", "name")
    )


def unit_level_counts(*, unit: Unit) -> dict[str, int]:
    """How many active units of each level the subtree holds (the unit itself excluded)."""
    rows = unit_subtree(unit=unit, include_self=False).values("level").annotate(total=Count("id")).order_by()
    counts = dict.fromkeys(UnitLevel.values, 0)
    counts.update({row["level"]: row["total"] for row in rows})
    return counts


def unit_list(
    *,
    level: str | None = None,
    parent_code: str | None = None,
    within_code: str | None = None,
    query: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Unit]:
    queryset = Unit.objects.select_related("parent")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    if level:
        queryset = queryset.filter(level=level)
    if parent_code:
        queryset = queryset.filter(parent__code=parent_code)
    if within_code:
        queryset = queryset.filter(Unit.subtree_q(unit_get(code=within_code).path))
    if query:
        queryset = queryset.filter(_words_q(search_words(query), "search_name"))
    return queryset.order_by("path")


def _words_q(words: list[str], field: str) -> Q:
    """Every word must start a word of the stored text; all but the last must be whole
    words, so that results narrow as the user types ("phuong ba d")."""
    condition = Q()
    for index, word in enumerate(words):
        is_last = index == len(words) - 1
        needle = f" {word}" if is_last else f" {word} "
        condition &= Q(**{f"{field}__contains": needle})
    return condition


@dataclass(frozen=True)
class UnitMatch:
    unit: Unit
    via_alias: UnitAlias | None


def unit_search(
    *, query: str, level: str | None = None, within: Unit | None = None, limit: int = 20
) -> list[UnitMatch]:
    """Find units by name, short name, code, abbreviation or pre-2025 name, ignoring
    diacritics and case. Direct name matches come first, then matches through an alias."""
    words = search_words(query)
    if not words:
        return []
    phrase = " " + " ".join(words)
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    base = Unit.objects.filter(is_active=True).select_related("parent")
    if level:
        base = base.filter(level=level)
    if within is not None:
        base = base.filter(Unit.subtree_q(within.path))
    # The typed words as one phrase first ("ba dinh" before "dinh ... ba"), then any order.
    direct = list(base.filter(search_name__contains=phrase).order_by("depth", "name")[:limit])
    if len(direct) < limit:
        direct += list(
            base.filter(_words_q(words, "search_name"))
            .exclude(pk__in=[u.pk for u in direct])
            .order_by("depth", "name")[: limit - len(direct)]
        )
    matches = [UnitMatch(u, None) for u in direct]
    if len(matches) < limit:
        seen = {u.pk for u in direct}
        aliases = (
            UnitAlias.objects.filter(unit__in=base)
            .exclude(unit_id__in=seen)
            .select_related("unit", "unit__parent")
        )
        alias_rows = list(
            aliases.filter(search_name__contains=phrase).order_by("unit__depth", "name")[: limit * 3]
        )
        alias_rows += list(
            aliases.filter(_words_q(words, "search_name"))
            .exclude(search_name__contains=phrase)
            .order_by("unit__depth", "name")[: limit * 3]
        )
        for alias in alias_rows:
            if alias.unit_id in seen:
                continue
            seen.add(alias.unit_id)
            matches.append(UnitMatch(alias.unit, alias))
            if len(matches) >= limit:
                break
    return matches


def unit_resolve_legacy(*, name: str, province: str = "") -> list[Unit]:
    """Today's units for an old name, e.g. ("Huyện Ba Vì", "Hà Nội") -> [Thành phố Hà Nội].

    The name must be the whole old name; the type word may be left out ("Ba Vì")."""
    name_words = " ".join(search_words(name))
    condition = (Q(name_key=name_words) | Q(name_key__endswith=f" {name_words}")) & Q(
        kind__in=["legacy_province", "legacy_district", "legacy_commune"]
    )
    if province:
        condition &= _words_q(search_words(province), "search_name")
    unit_ids = UnitAlias.objects.filter(condition).values("unit_id")
    return list(Unit.objects.filter(pk__in=unit_ids, is_active=True).order_by("depth", "name"))


def unit_aliases(*, unit: Unit) -> QuerySet[UnitAlias]:
    return unit.aliases.order_by("kind", "name")
