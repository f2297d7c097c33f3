"""Reading units: the tree (subtrees, ancestors), search and pre-2025 names."""

import pytest
from django.db import connection

from thuocdo.core.errors import NotFound
from thuocdo.units.models import Unit, UnitLevel
from thuocdo.units.selectors import (
    unit_aliases,
    unit_ancestors,
    unit_children,
    unit_get,
    unit_is_within,
    unit_level_counts,
    unit_list,
    unit_resolve_legacy,
    unit_root,
    unit_search,
    unit_subtree,
)

pytestmark = pytest.mark.django_db


def codes(matches) -> list[str]:
    return [match.unit.code for match in matches]


# --- the tree ----------------------------------------------------------------------------


def test_unit_get_and_root(root_unit):
    assert unit_get(code="01").name == "Thành phố Hà Nội"
    assert unit_root() == root_unit
    with pytest.raises(NotFound):
        unit_get(code="KHONG-CO")


def test_subtree_of_a_province_is_the_province_and_its_communes(official_dataset, hanoi):
    expected = {"01"} | {r.code for r in official_dataset.units if r.parent_code == "01"}

    subtree = set(unit_subtree(unit=hanoi).values_list("code", flat=True))

    assert subtree == expected
    assert {"00004", "00070"} <= subtree
    assert "79" not in subtree
    assert set(unit_subtree(unit=hanoi, include_self=False).values_list("code", flat=True)) == expected - {
        "01"
    }


def test_subtree_of_the_root_is_everything(root_unit):
    assert unit_subtree(unit=root_unit).count() == 3405
    assert unit_subtree(unit=root_unit, level=UnitLevel.PROVINCE).count() == 34
    assert unit_subtree(unit=root_unit, level=UnitLevel.COMMUNE).count() == 3321


def test_subtree_of_a_commune_is_itself(ba_dinh):
    assert list(unit_subtree(unit=ba_dinh)) == [ba_dinh]
    assert not unit_subtree(unit=ba_dinh, include_self=False).exists()


def test_subtree_count_is_one_query(hanoi, django_assert_num_queries):
    with django_assert_num_queries(1):
        total = unit_subtree(unit=hanoi, level=UnitLevel.COMMUNE).count()

    assert total == Unit.objects.filter(parent=hanoi).count()


def test_level_counts_are_one_query(root_unit, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = unit_level_counts(unit=root_unit)

    assert counts == {UnitLevel.CENTRAL: 49, UnitLevel.PROVINCE: 34, UnitLevel.COMMUNE: 3321}


@pytest.mark.parametrize(
    ("code", "ancestor_code", "expected"),
    [
        ("00004", "01", True),
        ("00004", "00004", True),
        ("00004", "BCDTW", True),
        ("00004", "79", False),
        ("00004", "00070", False),
        ("01", "00004", False),
        ("01", "BCDTW", True),
        ("BO-TC", "BCDTW", True),
        ("BO-TC", "01", False),
        ("26740", "79", True),
        ("26740", "01", False),
    ],
)
def test_is_within(unit_by_code, code, ancestor_code, expected, django_assert_num_queries):
    unit, ancestor = unit_by_code(code), unit_by_code(ancestor_code)

    with django_assert_num_queries(1):
        assert unit_is_within(unit=unit, ancestor=ancestor) is expected
    assert unit.is_within(ancestor) is expected


def test_codes_that_share_a_prefix_are_not_nested(unit_factory, hanoi):
    # "01" must not swallow a sibling whose code starts with "01": paths end with "/".
    sibling = unit_factory(code="0123", parent=Unit.objects.get(code="BCDTW"), level=UnitLevel.PROVINCE)

    assert not unit_is_within(unit=sibling, ancestor=hanoi)
    assert sibling not in unit_subtree(unit=hanoi)


def test_ancestors_from_the_root_down(ba_dinh):
    assert [u.code for u in unit_ancestors(unit=ba_dinh)] == ["BCDTW", "01"]
    assert unit_ancestors(unit=Unit.objects.get(code="BCDTW")) == []


def test_children_carry_their_active_child_count(root_unit):
    children = {u.code: u for u in unit_children(unit=root_unit)}

    assert children["01"].child_count == Unit.objects.filter(parent__code="01").count()
    assert children["BO-TC"].child_count == 0
    assert "00004" not in children


def test_inactive_units_leave_subtrees_and_lists(hanoi, hoan_kiem):
    Unit.objects.filter(pk=hoan_kiem.pk).update(is_active=False)

    assert hoan_kiem not in unit_subtree(unit=hanoi)
    assert not unit_list(within_code="01").filter(code="00070").exists()
    assert unit_list(within_code="01", include_inactive=True).filter(code="00070").exists()


def test_unit_list_filters_combine():
    provinces = unit_list(level=UnitLevel.PROVINCE)
    assert provinces.count() == 34
    assert list(unit_list(parent_code="01", query="ba dinh").values_list("code", flat=True)) == ["00004"]
    assert (
        unit_list(within_code="79", level=UnitLevel.COMMUNE).count()
        == Unit.objects.filter(parent__code="79").count()
    )


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["phuong ba dinh", "PHƯỜNG BA ĐÌNH", "Phường Ba Đình", "p ba dinh", "ba đình"]
)
def test_search_ignores_diacritics_and_case(query):
    results = unit_search(query=query, within=Unit.objects.get(code="01"))

    assert codes(results)[0] == "00004"
    assert results[0].via_alias is None


def test_search_diacritic_and_plain_spelling_find_the_same_units():
    assert codes(unit_search(query="PHƯỜNG BA ĐÌNH")) == codes(unit_search(query="phuong ba dinh"))
    assert codes(unit_search(query="Đà Nẵng")) == codes(unit_search(query="da nang"))


def test_search_treats_đ_as_d():
    assert "48" in codes(unit_search(query="da nang", level=UnitLevel.PROVINCE))
    assert codes(unit_search(query="đà nẵng", level=UnitLevel.PROVINCE)) == ["48"]
    assert codes(unit_search(query="Đa Nang", level=UnitLevel.PROVINCE)) == ["48"]


@pytest.mark.parametrize(
    ("query", "code"), [("tp hcm", "79"), ("TP. HCM", "79"), ("tp ho chi minh", "79"), ("hn", "01")]
)
def test_search_understands_common_abbreviations(query, code):
    assert codes(unit_search(query=query))[0] == code


@pytest.mark.parametrize("query", ["Bộ KH&CN", "bo kh&cn", "BKHCN", "Bộ Khoa học và Công nghệ"])
def test_search_finds_central_bodies_by_abbreviation(query):
    assert codes(unit_search(query=query))[0] == "BO-KHCN"


def test_search_by_code():
    assert codes(unit_search(query="00004")) == ["00004"]


def test_search_narrows_as_the_user_types():
    assert "00004" in codes(unit_search(query="phuong ba d", limit=200))


def test_search_respects_level_within_and_limit(hanoi):
    results = unit_search(query="phuong", level=UnitLevel.COMMUNE, within=hanoi, limit=5)

    assert len(results) == 5
    assert all(m.unit.level == UnitLevel.COMMUNE and m.unit.path.startswith(hanoi.path) for m in results)
    assert unit_search(query="   ") == []
    assert len(unit_search(query="xa", limit=10_000)) == 200


def test_search_falls_back_to_pre_2025_names():
    results = unit_search(query="huyen ba vi", level=UnitLevel.PROVINCE)

    assert codes(results)[0] == "01"
    assert results[0].via_alias is not None
    assert results[0].via_alias.name == "Huyện Ba Vì"


# --- pre-2025 names ----------------------------------------------------------------------


def test_legacy_district_resolves_to_todays_province(hanoi):
    units = unit_resolve_legacy(name="Huyện Ba Vì", province="Hà Nội")

    assert hanoi in units
    assert all(u.path.startswith(hanoi.path) for u in units)


def test_legacy_names_resolve_without_diacritics(hanoi):
    assert hanoi in unit_resolve_legacy(name="huyen ba vi", province="ha noi")


def test_legacy_province_resolves_to_the_merged_province():
    # Hà Giang merged into Tuyên Quang on 1 July 2025.
    assert "Tỉnh Tuyên Quang" in [u.name for u in unit_resolve_legacy(name="Tỉnh Hà Giang")]


def test_legacy_province_resolves_only_to_the_merged_province():
    assert [u.name for u in unit_resolve_legacy(name="Tỉnh Hà Giang") if u.level == UnitLevel.PROVINCE] == [
        "Tỉnh Tuyên Quang"
    ]


def test_legacy_commune_resolves_to_the_commune_it_merged_into(ba_dinh):
    assert unit_resolve_legacy(name="Phường Trúc Bạch", province="Hà Nội") == [ba_dinh]


def test_split_legacy_commune_resolves_to_every_part(ba_dinh):
    parts = unit_resolve_legacy(name="Phường Ngọc Hà", province="Hà Nội")

    assert ba_dinh in parts
    assert len(parts) > 1
    assert all(u.parent.code == "01" for u in parts)
    assert ba_dinh.aliases.get(name="Phường Ngọc Hà").is_partial


def test_search_finds_a_commune_by_its_pre_2025_name():
    results = unit_search(query="truc bach")

    assert codes(results)[0] == "00004"
    assert results[0].via_alias.name == "Phường Trúc Bạch"


def test_legacy_district_resolves_to_the_province_not_to_its_communes(hanoi):
    assert unit_resolve_legacy(name="Huyện Ba Vì", province="Hà Nội") == [hanoi]


@pytest.mark.parametrize(
    ("name", "province", "expected"),
    [("Xã Phú Lưu", "Hà Nội", ["10417"]), ("Xã Tả Van", "Lào Cai", ["03037"])],
)
def test_legacy_name_does_not_match_longer_names_that_start_with_it(name, province, expected):
    assert [u.code for u in unit_resolve_legacy(name=name, province=province)] == expected


def test_unknown_legacy_name_resolves_to_nothing():
    assert unit_resolve_legacy(name="Huyện Không Tồn Tại") == []


def test_aliases_of_a_unit(bo_khcn):
    names = set(unit_aliases(unit=bo_khcn).values_list("name", flat=True))

    assert {"Bộ KH&CN", "BKHCN"} <= names


# --- index -------------------------------------------------------------------------------


def explain(queryset) -> str:
    return queryset.explain()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index choice is PostgreSQL's")
def test_subtree_filter_is_an_index_scan_on_postgresql(hanoi):
    plan = explain(Unit.objects.filter(path__startswith=hanoi.path))

    assert "Index" in plan
    assert "Seq Scan" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index choice is PostgreSQL's")
def test_subtree_filter_uses_the_pattern_ops_index_on_postgresql(hanoi):
    # unique=True makes Django create units_unit_path_<hash>_like with varchar_pattern_ops.
    plan = explain(Unit.objects.filter(path__startswith=hanoi.path))
    assert "_like" in plan
