"""Loading the organisation from its datasets (`units_load`) and editing a unit."""

import pytest

from thuocdo.accounts.models import Role, RoleAssignment
from thuocdo.accounts.policy import role_scopes
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.core.errors import PermissionDenied, ValidationFailed
from thuocdo.units.datasets import UnitDataset
from thuocdo.units.models import Unit, UnitAlias, UnitLevel
from thuocdo.units.selectors import unit_get, unit_search, unit_subtree
from thuocdo.units.services import unit_update_contact, units_load
from thuocdo.units.tests.factories import dataset_changed

pytestmark = pytest.mark.django_db


def unit_rows() -> dict[str, tuple[int, str, str, bool]]:
    return {
        code: (pk, name, path, active)
        for pk, code, name, path, active in Unit.objects.values_list(
            "pk", "code", "name", "path", "is_active"
        )
    }


# --- what the official dataset puts in the database ---------------------------------------


def test_official_dataset_holds_34_provinces_and_3321_communes():
    assert Unit.objects.filter(level=UnitLevel.PROVINCE).count() == 34
    assert Unit.objects.filter(level=UnitLevel.COMMUNE).count() == 3321
    assert Unit.objects.count() == 3405
    assert not Unit.objects.filter(is_active=False).exists()


@pytest.mark.parametrize(
    ("code", "name", "parent_code"),
    [
        ("01", "Thành phố Hà Nội", "BCDTW"),
        ("79", "Thành phố Hồ Chí Minh", "BCDTW"),
        ("48", "Thành phố Đà Nẵng", "BCDTW"),
        ("00004", "Phường Ba Đình", "01"),
        ("00070", "Phường Hoàn Kiếm", "01"),
        ("26740", "Phường Sài Gòn", "79"),
        ("31078", "Đặc khu Phú Quốc", "91"),
        ("BO-TC", "Bộ Tài chính", "BCDTW"),
    ],
)
def test_known_codes_carry_their_official_names(code, name, parent_code):
    unit = unit_get(code=code)

    assert unit.name == name
    assert unit.parent.code == parent_code
    assert unit.path == f"{unit.parent.path}{code}/"
    assert unit.depth == unit.parent.depth + 1


def test_the_tree_has_one_root_and_every_other_unit_a_parent(root_unit):
    assert root_unit.path == "BCDTW/"
    assert root_unit.depth == 0
    assert list(Unit.objects.filter(parent__isnull=True)) == [root_unit]
    assert set(Unit.objects.filter(level=UnitLevel.PROVINCE).values_list("parent__code", flat=True)) == {
        "BCDTW"
    }
    assert set(Unit.objects.filter(level=UnitLevel.COMMUNE).values_list("depth", flat=True)) == {2}


def test_commune_kinds_follow_the_official_type(ba_dinh):
    assert (ba_dinh.kind, ba_dinh.kind_label) == ("ward", "Phường")
    assert unit_get(code="31078").kind == "special_zone"


# --- loader ------------------------------------------------------------------------------


def test_loading_the_same_dataset_again_changes_nothing(official_dataset):
    before = unit_rows()
    alias_ids = set(UnitAlias.objects.values_list("pk", flat=True))
    events = AuditEvent.objects.count()

    report = units_load(dataset=official_dataset)

    assert (report.created, report.updated, report.deactivated, report.reactivated, report.moved) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert report.unchanged == 3405
    assert (report.aliases_created, report.aliases_removed) == (0, 0)
    assert report.renamed == []
    assert unit_rows() == before  # same rows, same ids, same names and paths
    assert set(UnitAlias.objects.values_list("pk", flat=True)) == alias_ids
    assert AuditEvent.objects.count() == events  # a load that changes nothing is not an event


def test_loader_puts_parents_first_whatever_the_order_of_the_dataset(official_dataset):
    shuffled = UnitDataset(
        version=official_dataset.version,
        units=list(reversed(official_dataset.units)),
        aliases=official_dataset.aliases,
    )
    before = unit_rows()

    report = units_load(dataset=shuffled)

    assert (report.created, report.updated) == (0, 0)
    assert unit_rows() == before


def test_rename_updates_the_name_and_keeps_the_unit(official_dataset, ba_dinh, role_factory):
    assignment = role_factory(unit=ba_dinh, role=Role.OFFICER)
    renamed = dataset_changed(official_dataset, rename={"00004": "Phường Ba Đình Mới"})

    report = units_load(dataset=renamed)

    assert (report.created, report.updated, report.deactivated) == (0, 1, 0)
    assert report.renamed == [{"code": "00004", "before": "Phường Ba Đình", "after": "Phường Ba Đình Mới"}]
    unit = Unit.objects.get(code="00004")
    assert unit.pk == ba_dinh.pk
    assert unit.name == "Phường Ba Đình Mới"
    assert unit.path == ba_dinh.path
    assignment.refresh_from_db()
    assert assignment.unit_id == ba_dinh.pk
    assert [m.unit.code for m in unit_search(query="ba dinh moi")][:1] == ["00004"]

    event = AuditEvent.objects.filter(action=AuditAction.DATA_LOAD).latest("id")
    assert event.object_repr == "test-release"
    assert event.after["updated"] == 1
    assert event.after["renamed"] == [
        {"code": "00004", "before": "Phường Ba Đình", "after": "Phường Ba Đình Mới"}
    ]


def test_unit_left_out_of_the_dataset_is_deactivated_not_deleted(official_dataset, hoan_kiem, user_with_role):
    officer = user_with_role(Role.OFFICER, "00070")
    hanoi = Unit.objects.get(code="01")
    communes_before = unit_subtree(unit=hanoi, level=UnitLevel.COMMUNE).count()

    report = units_load(dataset=dataset_changed(official_dataset, remove={"00070"}))

    assert report.deactivated == 1
    assert Unit.objects.count() == 3405
    unit = Unit.objects.get(code="00070")
    assert (unit.pk, unit.is_active) == (hoan_kiem.pk, False)
    assert RoleAssignment.objects.filter(user=officer, unit=unit).exists()
    assert unit_subtree(unit=hanoi, level=UnitLevel.COMMUNE).count() == communes_before - 1
    assert unit_get(code="00070").pk == hoan_kiem.pk  # history still resolves the code
    assert role_scopes(officer) == []  # a role in a closed unit grants nothing
    assert "00070" not in [m.unit.code for m in unit_search(query="hoan kiem")]
    event = AuditEvent.objects.filter(action=AuditAction.DATA_LOAD).latest("id")
    assert event.after["deactivated"] == 1

    again = units_load(dataset=official_dataset)

    assert (again.reactivated, again.deactivated) == (1, 0)
    assert Unit.objects.get(code="00070").is_active


def test_units_added_by_hand_survive_a_reload(official_dataset, unit_factory, ba_dinh):
    group = unit_factory(parent=ba_dinh)

    report = units_load(dataset=dataset_changed(official_dataset, rename={"00004": "Phường Ba Đình Mới"}))

    assert report.deactivated == 0
    group.refresh_from_db()
    assert group.is_active
    assert group.path == f"{ba_dinh.path}{group.code}/"


def test_new_commune_in_a_release_is_created_under_its_province(official_dataset, unit_record_factory, hanoi):
    record = unit_record_factory(parent_code="01")

    report = units_load(dataset=dataset_changed(official_dataset, add=[record]))

    assert report.created == 1
    unit = Unit.objects.get(code=record.code)
    assert (unit.parent_id, unit.path, unit.depth) == (hanoi.pk, f"{hanoi.path}{record.code}/", 2)
    assert unit in unit_subtree(unit=hanoi)


def test_commune_moved_to_another_province_takes_its_hand_made_children(
    official_dataset, unit_factory, ba_dinh, ho_chi_minh, hanoi
):
    group = unit_factory(parent=ba_dinh)

    report = units_load(dataset=dataset_changed(official_dataset, reparent={"00004": "79"}))

    assert report.moved == 1
    ba_dinh.refresh_from_db()
    group.refresh_from_db()
    assert (ba_dinh.parent_id, ba_dinh.path) == (ho_chi_minh.pk, "BCDTW/79/00004/")
    assert group.path == f"BCDTW/79/00004/{group.code}/"
    assert group.depth == 3
    assert set(unit_subtree(unit=ho_chi_minh).filter(code__in=["00004", group.code])) == {ba_dinh, group}
    assert not unit_subtree(unit=hanoi).filter(code__in=["00004", group.code]).exists()


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"add_parent": "99"}, id="unknown-parent"),
        pytest.param({"cycle": ("00004", "00070")}, id="cycle"),
        pytest.param({"self_parent": "00004"}, id="own-parent"),
        pytest.param({"duplicate": "00004"}, id="duplicate-code"),
    ],
)
def test_broken_dataset_is_refused_and_changes_nothing(official_dataset, unit_record_factory, broken):
    if "add_parent" in broken:
        dataset = dataset_changed(
            official_dataset,
            rename={"00004": "Đổi tên không được lưu"},
            add=[unit_record_factory(parent_code=broken["add_parent"])],
        )
    elif "cycle" in broken:
        first, second = broken["cycle"]
        dataset = dataset_changed(
            official_dataset,
            rename={"00070": "Đổi tên không được lưu"},
            reparent={first: second, second: first},
        )
    elif "self_parent" in broken:
        code = broken["self_parent"]
        dataset = dataset_changed(official_dataset, reparent={code: code})
    else:
        original = next(r for r in official_dataset.units if r.code == broken["duplicate"])
        dataset = dataset_changed(official_dataset, add=[original])
    before = unit_rows()
    aliases = UnitAlias.objects.count()
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed):
        units_load(dataset=dataset)

    assert unit_rows() == before
    assert UnitAlias.objects.count() == aliases
    assert AuditEvent.objects.count() == events


def test_load_reports_progress(official_dataset):
    calls = []

    units_load(
        dataset=official_dataset, progress=lambda stage, done, total: calls.append((stage, done, total))
    )

    assert calls[-1] == ("units", 3405, 3405)
    assert [done for stage, done, _ in calls if stage == "units"] == sorted(
        done for stage, done, _ in calls if stage == "units"
    )


# --- editing a unit ----------------------------------------------------------------------


def test_admin_updates_contact_details_and_it_is_audited(user_with_role, ba_dinh):
    admin = user_with_role(Role.ADMIN, "01")

    unit_update_contact(
        actor=admin,
        unit=ba_dinh,
        email=" ubnd@badinh.hanoi.gov.vn ",
        phone="024 3823 1234",
        reason="Cập nhật",
    )

    ba_dinh.refresh_from_db()
    assert (ba_dinh.email, ba_dinh.phone) == ("ubnd@badinh.hanoi.gov.vn", "024 3823 1234")
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor, event.unit_id) == (AuditAction.UPDATE, admin, ba_dinh.pk)
    assert event.before == {"email": "", "phone": ""}
    assert event.after == {"email": "ubnd@badinh.hanoi.gov.vn", "phone": "024 3823 1234"}


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_admins_update_contact_details(user_with_role, ba_dinh, role):
    leader = user_with_role(role, "01")

    with pytest.raises(PermissionDenied):
        unit_update_contact(actor=leader, unit=ba_dinh, email="x@example.vn", phone="")

    ba_dinh.refresh_from_db()
    assert ba_dinh.email == ""


def test_admin_of_one_province_cannot_edit_another(user_with_role, sai_gon):
    admin = user_with_role(Role.ADMIN, "01")

    with pytest.raises(PermissionDenied):
        unit_update_contact(actor=admin, unit=sai_gon, email="x@example.vn", phone="")


def test_invalid_email_is_refused_and_nothing_is_saved(user_with_role, ba_dinh):
    admin = user_with_role(Role.ADMIN, "01")
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed) as error:
        unit_update_contact(actor=admin, unit=ba_dinh, email="not an email", phone="")

    assert "email" in error.value.fields
    ba_dinh.refresh_from_db()
    assert ba_dinh.email == ""
    assert AuditEvent.objects.count() == events
