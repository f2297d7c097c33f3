"""The unit-scoped policies: a role held in a unit covers its subtree, nothing else.

The matrix below is the specification: for every policy and action, which roles allow
it. Each role is then placed in Hà Nội and tried on objects inside (Hà Nội, Phường Ba
Đình) and outside (the root, Bộ Tài chính, Hồ Chí Minh, Phường Sài Gòn) its subtree,
through both questions the policy answers: `user_may` and `visible`.
"""

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thuocdo.accounts.models import Role, RoleAssignment, User
from thuocdo.accounts.permissions import api_token_policy, role_assignment_policy, user_policy
from thuocdo.accounts.policy import UnitScopedPolicy, minimal_paths
from thuocdo.accounts.services import api_token_create, role_grant, role_revoke
from thuocdo.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.audit.permissions import audit_event_policy
from thuocdo.audit.tests.factories import AuditEventFactory
from thuocdo.core.errors import PermissionDenied
from thuocdo.units.models import Unit
from thuocdo.units.permissions import unit_policy

pytestmark = pytest.mark.django_db

EVERY_ROLE = frozenset(Role)
PUBLIC = "public"  # allowed to anyone, anywhere, signed in or not

POLICIES: dict[str, UnitScopedPolicy[Any]] = {
    "unit": unit_policy,
    "role_assignment": role_assignment_policy,
    "user": user_policy,
    "audit_event": audit_event_policy,
}

MATRIX: dict[tuple[str, str], frozenset[Role] | str] = {
    ("unit", "view"): PUBLIC,
    ("unit", "change"): frozenset({Role.ADMIN}),
    ("unit", "view_people"): EVERY_ROLE,
    ("unit", "manage_roles"): frozenset({Role.ADMIN}),
    ("role_assignment", "view"): EVERY_ROLE,
    ("role_assignment", "grant"): frozenset({Role.ADMIN}),
    ("role_assignment", "revoke"): frozenset({Role.ADMIN}),
    ("user", "view"): EVERY_ROLE,
    ("user", "change"): frozenset({Role.ADMIN}),
    ("audit_event", "view"): frozenset({Role.LEADER, Role.VERIFIER, Role.ADMIN}),
}

INSIDE_HANOI = ("01", "00004")
OUTSIDE_HANOI = ("BCDTW", "BO-TC", "79", "26740")


def object_in(kind: str, unit: Unit) -> Any:
    """An object of the given policy's model that belongs to `unit`."""
    if kind == "unit":
        return unit
    if kind == "role_assignment":
        return RoleAssignmentFactory(unit=unit, role=Role.VIEWER)
    if kind == "user":
        return RoleAssignmentFactory(unit=unit, role=Role.VIEWER).user
    if kind == "audit_event":
        return AuditEventFactory(unit=unit)
    raise AssertionError(kind)


def sees(policy: UnitScopedPolicy[Any], user: Any, action: str, obj: Any) -> bool:
    return policy.visible(user, action=action).filter(pk=obj.pk).exists()


def test_matrix_covers_every_action_of_every_policy():
    for name, policy in POLICIES.items():
        declared = set(policy.actions) | set(policy.public_actions)
        assert declared == {action for policy_name, action in MATRIX if policy_name == name}, name


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("kind", "action"), list(MATRIX))
def test_role_in_a_province_covers_its_subtree_only(role, kind, action, user_with_role, unit_by_code):
    actor = user_with_role(role, "01")
    allowed = MATRIX[(kind, action)]
    policy = POLICIES[kind]
    in_scope = allowed == PUBLIC or role in allowed

    for code in INSIDE_HANOI:
        obj = object_in(kind, unit_by_code(code))
        assert policy.user_may(actor, action, obj) is in_scope, code
        assert sees(policy, actor, action, obj) is in_scope, code
        assert policy.user_may_in_unit(actor, action, unit_by_code(code)) is in_scope, code
    for code in OUTSIDE_HANOI:
        obj = object_in(kind, unit_by_code(code))
        assert policy.user_may(actor, action, obj) is (allowed == PUBLIC), code
        assert sees(policy, actor, action, obj) is (allowed == PUBLIC), code
        assert policy.user_may_in_unit(actor, action, unit_by_code(code)) is (allowed == PUBLIC), code


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("kind", "action"), list(MATRIX))
def test_role_at_the_root_covers_everything(role, kind, action, user_with_role, unit_by_code):
    actor = user_with_role(role, "BCDTW")
    allowed = MATRIX[(kind, action)]
    in_scope = allowed == PUBLIC or role in allowed
    policy = POLICIES[kind]

    for code in INSIDE_HANOI + OUTSIDE_HANOI:
        obj = object_in(kind, unit_by_code(code))
        assert policy.user_may(actor, action, obj) is in_scope, code
        assert sees(policy, actor, action, obj) is in_scope, code


@pytest.mark.parametrize("role", list(Role))
def test_only_root_level_readers_see_events_of_no_unit(role, user_with_role, audit_event_factory):
    at_root = user_with_role(role, "BCDTW")
    in_province = user_with_role(role, "01")
    login = audit_event_factory(action=AuditAction.LOGIN, unit=None)
    may_read_audit = role in MATRIX[("audit_event", "view")]

    assert audit_event_policy.user_may(at_root, "view", login) is may_read_audit
    assert sees(audit_event_policy, at_root, "view", login) is may_read_audit
    assert audit_event_policy.user_may(in_province, "view", login) is False
    assert sees(audit_event_policy, in_province, "view", login) is False


def test_root_leader_sees_the_whole_audit_log(user_with_role, audit_event_factory, ba_dinh):
    leader = user_with_role(Role.LEADER, "BCDTW")
    audit_event_factory(unit=ba_dinh)
    audit_event_factory(unit=None)

    assert set(audit_event_policy.visible(leader)) == set(AuditEvent.objects.all())


# --- scenes from the brief -----------------------------------------------------------------


def test_commune_officer_sees_people_of_the_commune_only(
    user_with_role, role_factory, ba_dinh, hoan_kiem, hanoi
):
    officer = user_with_role(Role.OFFICER, "00004")
    colleague = role_factory(unit=ba_dinh, role=Role.VIEWER)
    neighbour = role_factory(unit=hoan_kiem, role=Role.OFFICER)
    province_leader = role_factory(unit=hanoi, role=Role.LEADER)

    visible = set(role_assignment_policy.visible(officer))

    assert visible == {colleague, *officer.role_assignments.all()}
    assert role_assignment_policy.user_may(officer, "view", colleague)
    assert not role_assignment_policy.user_may(officer, "view", neighbour)
    assert not role_assignment_policy.user_may(officer, "view", province_leader)

    people = set(user_policy.visible(officer))
    assert people == {officer, colleague.user}
    assert user_policy.user_may(officer, "view", colleague.user)
    assert not user_policy.user_may(officer, "view", neighbour.user)
    assert not user_policy.user_may(officer, "view", province_leader.user)


def test_province_leader_sees_exactly_the_province_subtree(user_with_role, role_factory, unit_by_code):
    leader = user_with_role(Role.LEADER, "01")
    inside = {
        role_factory(unit=unit_by_code(code), role=role)
        for code in ("01", "00004", "00070")
        for role in (Role.OFFICER, Role.ADMIN)
    }
    outside = {
        role_factory(unit=unit_by_code(code), role=Role.LEADER) for code in ("BCDTW", "BO-TC", "79", "26740")
    }

    visible = set(role_assignment_policy.visible(leader))

    assert visible == inside | set(leader.role_assignments.all())
    assert not visible & outside
    assert set(user_policy.visible(leader)) == {a.user for a in inside} | {leader}


def test_someone_with_roles_inside_and_outside_is_visible(user_with_role, role_factory, unit_by_code):
    leader = user_with_role(Role.LEADER, "01")
    person = role_factory(unit=unit_by_code("79"), role=Role.OFFICER).user
    role_factory(user=person, unit=unit_by_code("00004"), role=Role.VIEWER)

    assert user_policy.user_may(leader, "view", person)
    assert list(user_policy.visible(leader).filter(pk=person.pk)) == [person]  # once, not per role
    assert set(
        role_assignment_policy.visible(leader).filter(user=person).values_list("unit__code", flat=True)
    ) == {"00004"}


def test_everyone_sees_themselves_even_without_roles(user_factory):
    loner = user_factory()

    assert user_policy.user_may(loner, "view", loner)
    assert list(user_policy.visible(loner)) == [loner]
    assert not role_assignment_policy.visible(loner).exists()


def test_two_roles_cover_the_union_of_their_subtrees(user_with_role, role_factory, unit_by_code):
    person = user_with_role(Role.VIEWER, "00004")
    role_factory(user=person, unit=unit_by_code("79"), role=Role.VIEWER)
    wanted = {role_factory(unit=unit_by_code(code)) for code in ("00004", "26740", "79")}
    unwanted = {role_factory(unit=unit_by_code(code)) for code in ("01", "00070", "BCDTW")}

    visible = set(role_assignment_policy.visible(person))

    assert wanted <= visible
    assert not visible & unwanted


def test_role_in_a_closed_unit_grants_nothing(user_with_role, role_factory, hoan_kiem):
    officer = user_with_role(Role.OFFICER, "00070")
    colleague = role_factory(unit=hoan_kiem)
    Unit.objects.filter(pk=hoan_kiem.pk).update(is_active=False)
    # A fresh object, as each request gets: the roles are cached per user object.
    officer = User.objects.get(pk=officer.pk)

    assert not role_assignment_policy.user_may(officer, "view", colleague)
    assert not role_assignment_policy.visible(officer).exists()


# --- who may grant and revoke --------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_grant_roles(role, user_with_role, user_factory, ba_dinh):
    actor = user_with_role(role, "01")
    newcomer = user_factory()

    if role == Role.ADMIN:
        assignment = role_grant(actor=actor, user=newcomer, unit=ba_dinh, role=Role.OFFICER)
        assert assignment.granted_by == actor
    else:
        with pytest.raises(PermissionDenied):
            role_grant(actor=actor, user=newcomer, unit=ba_dinh, role=Role.OFFICER)
        assert not RoleAssignment.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_revoke_roles(role, user_with_role, role_factory, ba_dinh):
    actor = user_with_role(role, "01")
    assignment = role_factory(unit=ba_dinh, role=Role.OFFICER)

    if role == Role.ADMIN:
        role_revoke(actor=actor, assignment=assignment)
        assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    else:
        with pytest.raises(PermissionDenied):
            role_revoke(actor=actor, assignment=assignment)
        assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_admin_grants_and_revokes_only_inside_their_subtree(
    user_with_role, user_factory, role_factory, sai_gon
):
    admin = user_with_role(Role.ADMIN, "01")
    elsewhere = role_factory(unit=sai_gon)

    with pytest.raises(PermissionDenied):
        role_grant(actor=admin, user=user_factory(), unit=sai_gon, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        role_revoke(actor=admin, assignment=elsewhere)
    with pytest.raises(PermissionDenied):  # nor above it
        role_grant(actor=admin, user=user_factory(), unit=Unit.objects.get(code="BCDTW"), role=Role.VIEWER)


def test_root_admin_grants_anywhere(admin_user, user_factory, sai_gon, bo_tai_chinh):
    for unit in (sai_gon, bo_tai_chinh):
        assert role_grant(actor=admin_user, user=user_factory(), unit=unit, role=Role.LEADER).unit == unit


def test_granted_role_takes_effect_for_the_grantee(admin_user, user_factory, role_factory, ba_dinh):
    grantee = user_factory()
    colleague = role_factory(unit=ba_dinh)
    assert not role_assignment_policy.user_may(grantee, "view", colleague)

    assignment = role_grant(actor=admin_user, user=grantee, unit=ba_dinh, role=Role.VIEWER)
    assert role_assignment_policy.user_may(grantee, "view", colleague)

    role_revoke(actor=admin_user, assignment=assignment)
    assert not role_assignment_policy.user_may(grantee, "view", colleague)


# --- superusers, inactive and anonymous users ---------------------------------------------


@pytest.mark.parametrize(("kind", "action"), list(MATRIX))
def test_superuser_may_do_everything(kind, action, superuser, unit_by_code):
    policy = POLICIES[kind]
    for code in INSIDE_HANOI + OUTSIDE_HANOI:
        obj = object_in(kind, unit_by_code(code))
        assert policy.user_may(superuser, action, obj)
        assert sees(policy, superuser, action, obj)


def test_superuser_sees_all(superuser, role_factory, audit_event_factory, sai_gon):
    role_factory(unit=sai_gon)
    audit_event_factory(unit=None)

    assert role_assignment_policy.visible(superuser).count() == RoleAssignment.objects.count()
    assert user_policy.visible(superuser).count() == User.objects.count()
    assert audit_event_policy.visible(superuser).count() == AuditEvent.objects.count()
    assert audit_event_policy.user_may(superuser, "view", AuditEvent.objects.filter(unit=None).latest("id"))


@pytest.mark.parametrize(("kind", "action"), [key for key, allowed in MATRIX.items() if allowed != PUBLIC])
def test_inactive_user_may_do_nothing(kind, action, user_with_role, unit_by_code):
    # Even an administrator at the root, even a superuser, once deactivated.
    admin = user_with_role(Role.ADMIN, "BCDTW", is_active=False, is_superuser=True)
    policy = POLICIES[kind]
    obj = object_in(kind, unit_by_code("00004"))

    assert not policy.user_may(admin, action, obj)
    assert not policy.user_may(admin, action)
    assert not sees(policy, admin, action, obj)


def test_inactive_user_sees_nothing(user_with_role, role_factory, audit_event_factory, ba_dinh):
    admin = user_with_role(Role.ADMIN, "BCDTW", is_active=False)
    role_factory(unit=ba_dinh)
    audit_event_factory(unit=ba_dinh)

    assert not role_assignment_policy.visible(admin).exists()
    assert not audit_event_policy.visible(admin).exists()
    # Only their own record stays visible to them ("everyone may see themselves").
    assert list(user_policy.visible(admin)) == [admin]


def test_anonymous_sees_only_public_things(anonymous, role_factory, ba_dinh):
    role_factory(unit=ba_dinh)

    assert unit_policy.user_may(anonymous, "view", ba_dinh)
    assert unit_policy.visible(anonymous).count() == Unit.objects.count()
    assert not unit_policy.user_may(anonymous, "view_people", ba_dinh)
    assert not role_assignment_policy.visible(anonymous).exists()
    assert not user_policy.visible(anonymous).exists()
    assert not audit_event_policy.visible(anonymous).exists()


def test_api_tokens_are_personal(user_factory, superuser):
    owner, other = user_factory(), user_factory()
    token, _plaintext = api_token_create(actor=owner, name="Đồng bộ số liệu")

    assert api_token_policy.user_may(owner, "revoke", token)
    assert not api_token_policy.user_may(other, "revoke", token)
    assert list(api_token_policy.visible(owner)) == [token]
    assert not api_token_policy.visible(other).exists()
    assert not api_token_policy.visible(superuser).exists()


# --- require() -----------------------------------------------------------------------------


def test_require_refuses_and_records_the_denial(user_with_role, role_factory, hoan_kiem):
    officer = user_with_role(Role.OFFICER, "00004")
    assignment = role_factory(unit=hoan_kiem)
    last_id = AuditEvent.objects.latest("id").pk

    with pytest.raises(PermissionDenied) as error:
        role_assignment_policy.require(officer, "revoke", assignment)

    assert error.value.code == "forbidden"
    event = AuditEvent.objects.get(pk__gt=last_id)
    assert event.action == AuditAction.ACCESS_DENIED
    assert event.actor == officer
    assert (event.object_type, event.object_id) == ("accounts.roleassignment", str(assignment.pk))
    assert event.unit == hoan_kiem
    assert event.after == {"attempted_action": "revoke"}


def test_require_in_a_unit_records_the_unit(user_with_role, sai_gon):
    admin = user_with_role(Role.ADMIN, "01")

    with pytest.raises(PermissionDenied):
        role_assignment_policy.require(admin, "grant", unit=sai_gon)

    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.unit) == (
        AuditAction.ACCESS_DENIED,
        "accounts.roleassignment",
        sai_gon,
    )


def test_require_of_anonymous_is_recorded_without_actor(anonymous, ba_dinh):
    with pytest.raises(PermissionDenied):
        unit_policy.require(anonymous, "change", ba_dinh)

    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor, event.actor_label) == (AuditAction.ACCESS_DENIED, None, "system")


def test_require_on_a_user_refuses_and_records_the_denial(user_with_role, role_factory, ba_dinh):
    viewer = user_with_role(Role.VIEWER, "01")
    person = role_factory(unit=ba_dinh).user

    with pytest.raises(PermissionDenied):
        user_policy.require(viewer, "change", person)

    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.ACCESS_DENIED,
        "accounts.user",
        str(person.pk),
    )


def test_require_that_passes_records_nothing(admin_user, ba_dinh):
    events = AuditEvent.objects.count()

    unit_policy.require(admin_user, "change", ba_dinh)
    role_assignment_policy.require(admin_user, "grant", unit=ba_dinh)

    assert AuditEvent.objects.count() == events


# --- property: visible() is exactly "inside one of my subtrees" ---------------------------

UNIT_CODES = ["BCDTW", "VPTW", "CUC-CDS-CY", "BO-TC", "01", "00004", "00070", "79", "26740"]
role_in_unit = st.tuples(st.sampled_from(list(Role)), st.sampled_from(UNIT_CODES))


@contextmanager
def rolled_back():
    """Each hypothesis example runs in its own savepoint, undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def test_minimal_paths_drops_nested_paths():
    assert minimal_paths(["BCDTW/01/00004/", "BCDTW/01/", "BCDTW/79/", "BCDTW/01/"]) == [
        "BCDTW/01/",
        "BCDTW/79/",
    ]
    assert minimal_paths(["BCDTW/0/", "BCDTW/01/"]) == ["BCDTW/0/", "BCDTW/01/"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    my_roles=st.lists(role_in_unit, max_size=3, unique=True),
    others=st.lists(role_in_unit, max_size=8),
    event_units=st.lists(st.sampled_from([*UNIT_CODES, None]), max_size=5),
    active=st.booleans(),
)
def test_visible_is_exactly_what_my_roles_cover(db, my_roles, others, event_units, active):
    paths = dict(Unit.objects.filter(code__in=UNIT_CODES).values_list("code", "path"))
    audit_readers = MATRIX[("audit_event", "view")]

    def covered(unit_code: str | None, roles: Callable[[str], bool]) -> bool:
        if not active:
            return False
        if unit_code is None:
            return any(roles(role) and code == "BCDTW" for role, code in my_roles)
        return any(roles(role) and paths[unit_code].startswith(paths[code]) for role, code in my_roles)

    with rolled_back():
        me = UserFactory(is_active=active)
        for role, code in my_roles:
            RoleAssignmentFactory(user=me, unit=Unit.objects.get(code=code), role=role)
        assignments = [
            RoleAssignmentFactory(unit=Unit.objects.get(code=code), role=role) for role, code in others
        ]
        events = [
            AuditEventFactory(unit=Unit.objects.get(code=code) if code else None) for code in event_units
        ]

        expected_assignments = {
            a.pk for a in [*assignments, *me.role_assignments.all()] if covered(a.unit.code, lambda _: True)
        }
        assert set(role_assignment_policy.visible(me).values_list("pk", flat=True)) == expected_assignments

        expected_users = {a.user_id for a in assignments if covered(a.unit.code, lambda _: True)} | {me.pk}
        assert set(user_policy.visible(me).values_list("pk", flat=True)) == expected_users

        expected_events = {
            e.pk for e in events if covered(e.unit.code if e.unit else None, lambda r: r in audit_readers)
        }
        visible_events = audit_event_policy.visible(me).filter(pk__in=[e.pk for e in events])
        assert set(visible_events.values_list("pk", flat=True)) == expected_events
        for event in events:
            assert audit_event_policy.user_may(me, "view", event) is (event.pk in expected_events)
