"""Writes for people, roles and API tokens: each one validated and audited."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from thuocdo.accounts.models import ApiToken, Role, RoleAssignment, User
from thuocdo.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    role_grant,
    role_revoke,
    user_create,
    user_get_by_username,
)
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Ngay-mai-troi-lai-sang-2025"


def latest_event() -> AuditEvent:
    return AuditEvent.objects.latest("id")


# --- roles -------------------------------------------------------------------------------


def test_role_grant_creates_the_assignment_and_audits_it(admin_user, user_factory, ba_dinh):
    officer = user_factory(username="canbo.badinh")

    assignment = role_grant(
        actor=admin_user, user=officer, unit=ba_dinh, role=Role.OFFICER, reason="Phân công mới"
    )

    assert RoleAssignment.objects.get(user=officer) == assignment
    assert (assignment.unit, assignment.role, assignment.granted_by) == (ba_dinh, Role.OFFICER, admin_user)
    event = latest_event()
    assert event.action == AuditAction.PERMISSION_GRANT
    assert (event.actor, event.unit, event.reason) == (admin_user, ba_dinh, "Phân công mới")
    assert (event.object_type, event.object_id) == ("accounts.roleassignment", str(assignment.pk))
    assert event.before is None
    assert event.after == {"user": "canbo.badinh", "unit": "00004", "role": "officer"}


def test_role_revoke_deletes_the_assignment_and_audits_it(admin_user, role_factory, user_factory, ba_dinh):
    officer = user_factory(username="canbo.badinh")
    assignment = role_factory(user=officer, unit=ba_dinh, role=Role.OFFICER)
    assignment_pk = assignment.pk

    role_revoke(actor=admin_user, assignment=assignment, reason="Chuyển công tác")

    assert not RoleAssignment.objects.filter(pk=assignment_pk).exists()
    event = latest_event()
    assert event.action == AuditAction.PERMISSION_REVOKE
    assert (event.actor, event.unit, event.reason) == (admin_user, ba_dinh, "Chuyển công tác")
    assert (event.object_type, event.object_id) == ("accounts.roleassignment", str(assignment_pk))
    assert event.before == {"user": "canbo.badinh", "unit": "00004", "role": "officer"}
    assert event.after is None


def test_duplicate_grant_is_a_conflict(admin_user, role_factory, ba_dinh):
    existing = role_factory(unit=ba_dinh, role=Role.OFFICER)
    events = AuditEvent.objects.count()

    with pytest.raises(Conflict) as error:
        role_grant(actor=admin_user, user=existing.user, unit=ba_dinh, role=Role.OFFICER)

    assert error.value.code == "conflict"
    assert RoleAssignment.objects.filter(user=existing.user).count() == 1
    assert AuditEvent.objects.count() == events


def test_same_person_may_hold_another_role_or_the_same_role_elsewhere(
    admin_user, role_factory, ba_dinh, hoan_kiem
):
    existing = role_factory(unit=ba_dinh, role=Role.OFFICER)

    role_grant(actor=admin_user, user=existing.user, unit=ba_dinh, role=Role.LEADER)
    role_grant(actor=admin_user, user=existing.user, unit=hoan_kiem, role=Role.OFFICER)

    assert existing.user.role_assignments.count() == 3


@pytest.mark.parametrize("role", ["", "superadmin", "ADMIN", "Quản trị"])
def test_unknown_role_is_refused(admin_user, user_factory, ba_dinh, role):
    person = user_factory()

    with pytest.raises(ValidationFailed) as error:
        role_grant(actor=admin_user, user=person, unit=ba_dinh, role=role)

    assert error.value.fields == {"role": ["Vai trò không hợp lệ."]}
    assert error.value.as_dict()["error"]["code"] == "validation_error"
    assert not RoleAssignment.objects.filter(user=person).exists()


def test_anonymous_cannot_grant(anonymous, user_factory, ba_dinh):
    with pytest.raises(PermissionDenied):
        role_grant(actor=anonymous, user=user_factory(), unit=ba_dinh, role=Role.VIEWER)


# --- users -------------------------------------------------------------------------------


def test_user_create_stores_a_hashed_password_and_audits_without_it(admin_user):
    user = user_create(
        actor=admin_user,
        username="  nguyen.van.a ",
        password=GOOD_PASSWORD,
        full_name="Nguyễn Văn A",
        email="a@example.vn",
        position="Chuyên viên",
    )

    user.refresh_from_db()
    assert user.username == "nguyen.van.a"
    assert user.check_password(GOOD_PASSWORD)
    assert GOOD_PASSWORD not in user.password
    assert not user.is_staff
    event = latest_event()
    assert (event.action, event.actor, event.object_id) == (AuditAction.CREATE, admin_user, str(user.pk))
    assert event.after == {"username": "nguyen.van.a", "full_name": "Nguyễn Văn A", "is_staff": False}
    assert GOOD_PASSWORD not in event.after_json


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ngan-1", "Mật khẩu quá ngắn. Nó phải chứa ít nhất 10 ký tự."),
        ("20250701123456", "Mật khẩu này hoàn toàn là số."),
        ("password123", "Mật khẩu này quá phổ biến."),
        ("nguyenvanbinh", "Mật khẩu quá giống với Tên đăng nhập."),
    ],
)
def test_user_create_validates_passwords_in_vietnamese(admin_user, password, message):
    with pytest.raises(ValidationFailed) as error:
        user_create(actor=admin_user, username="nguyenvanbinh", password=password)

    assert message in error.value.fields["password"]
    assert not User.objects.filter(username="nguyenvanbinh").exists()


def test_user_create_refuses_a_taken_username_whatever_the_case(admin_user, user_factory):
    user_factory(username="tran.thi.b")

    with pytest.raises(ValidationFailed) as error:
        user_create(actor=admin_user, username="Tran.Thi.B", password=GOOD_PASSWORD)

    assert error.value.fields == {"username": ["Tên đăng nhập đã được dùng."]}


def test_user_create_reports_every_field_at_once(admin_user):
    with pytest.raises(ValidationFailed) as error:
        user_create(actor=admin_user, username="   ", password="123")

    assert error.value.fields["username"] == ["Tên đăng nhập không được để trống."]
    assert len(error.value.fields["password"]) >= 2


@pytest.mark.parametrize(
    ("fields", "invalid"),
    [
        pytest.param({"username": "a" * 151}, "username", id="username-too-long"),
        pytest.param({"username": "có dấu cách"}, "username", id="username-with-spaces"),
        pytest.param({"username": "nguyen.van.d", "email": "khong-phai-email"}, "email", id="bad-email"),
    ],
)
def test_user_create_refuses_what_the_user_model_refuses(admin_user, fields, invalid):
    with pytest.raises(ValidationFailed) as error:
        user_create(actor=admin_user, password=GOOD_PASSWORD, **fields)

    assert invalid in error.value.fields


def test_user_get_by_username(user_factory):
    person = user_factory(username="le.van.c")

    assert user_get_by_username("le.van.c") == person
    with pytest.raises(NotFound):
        user_get_by_username("khong.co.ai")


# --- API tokens ----------------------------------------------------------------------------


def split(plaintext: str) -> tuple[str, str, str]:
    marker, prefix, secret = plaintext.split("_", 2)
    return marker, prefix, secret


def test_token_plaintext_is_returned_once_and_only_its_hash_is_stored(user_factory):
    owner = user_factory()

    token, plaintext = api_token_create(actor=owner, name="  Đồng bộ báo cáo  ")

    marker, prefix, secret = split(plaintext)
    assert marker == "td"
    stored = ApiToken.objects.get(pk=token.pk)
    assert (stored.user, stored.name, stored.prefix) == (owner, "Đồng bộ báo cáo", prefix)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    event = latest_event()
    assert event.action == AuditAction.TOKEN_CREATE
    assert event.after == {"name": "Đồng bộ báo cáo", "prefix": prefix}
    assert secret not in event.after_json


def test_each_token_is_different(user_factory):
    owner = user_factory()

    plaintexts = {api_token_create(actor=owner, name=f"Mã {n}")[1] for n in range(5)}

    assert len(plaintexts) == 5


def test_token_authenticates_its_owner_and_notes_the_use(user_factory):
    owner = user_factory()
    token, plaintext = api_token_create(actor=owner, name="Đồng bộ")

    assert api_token_authenticate(plaintext) == owner
    assert api_token_authenticate(f"  {plaintext}\n") == owner
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(user_factory, django_assert_num_queries):
    owner = user_factory()
    _token, plaintext = api_token_create(actor=owner, name="Đồng bộ")
    api_token_authenticate(plaintext)

    with django_assert_num_queries(1):  # the lookup only, no write
        assert api_token_authenticate(plaintext) == owner


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"), id="wrong-secret"),
        pytest.param(lambda p: p.replace("td_", "xx_", 1), id="wrong-marker"),
        pytest.param(lambda p: "td_000000000000_" + split(p)[2], id="unknown-prefix"),
        pytest.param(lambda p: p.rsplit("_", 1)[0], id="no-secret"),
        pytest.param(lambda p: "", id="empty"),
        pytest.param(lambda p: "Bearer " + p, id="with-scheme"),
    ],
)
def test_token_with_a_wrong_secret_or_shape_is_refused(user_factory, tamper):
    _token, plaintext = api_token_create(actor=user_factory(), name="Đồng bộ")

    assert api_token_authenticate(tamper(plaintext)) is None


def test_revoked_token_is_refused_and_revocation_is_audited(user_factory):
    owner = user_factory()
    token, plaintext = api_token_create(actor=owner, name="Đồng bộ")

    api_token_revoke(actor=owner, token=token)

    assert api_token_authenticate(plaintext) is None
    event = latest_event()
    assert (event.action, event.actor, event.before) == (
        AuditAction.TOKEN_REVOKE,
        owner,
        {"prefix": token.prefix},
    )
    events = AuditEvent.objects.count()
    api_token_revoke(actor=owner, token=token)  # revoking twice changes nothing
    assert AuditEvent.objects.count() == events


def test_only_the_owner_revokes_a_token(user_factory, superuser):
    owner = user_factory()
    token, plaintext = api_token_create(actor=owner, name="Đồng bộ")

    for intruder in (user_factory(), superuser):
        with pytest.raises(PermissionDenied):
            api_token_revoke(actor=intruder, token=token)

    assert api_token_authenticate(plaintext) == owner


def test_expired_token_is_refused(user_factory, monkeypatch):
    owner = user_factory()
    now = timezone.now()
    _token, plaintext = api_token_create(actor=owner, name="Đồng bộ", expires_at=now + timedelta(days=30))
    assert api_token_authenticate(plaintext) == owner

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(days=30, seconds=1))

    assert api_token_authenticate(plaintext) is None


def test_token_of_a_deactivated_user_is_refused(user_factory):
    owner = user_factory()
    _token, plaintext = api_token_create(actor=owner, name="Đồng bộ")

    User.objects.filter(pk=owner.pk).update(is_active=False)

    assert api_token_authenticate(plaintext) is None


@pytest.mark.parametrize(
    ("name", "expires_in", "field"),
    [
        ("", None, "name"),
        ("   ", None, "name"),
        ("x" * 101, None, "name"),
        ("Đồng bộ", timedelta(seconds=-1), "expires_at"),
        ("Đồng bộ", timedelta(0), "expires_at"),
    ],
)
def test_token_create_validates(user_factory, name, expires_in, field):
    owner = user_factory()
    expires_at = timezone.now() + expires_in if expires_in is not None else None

    with pytest.raises(ValidationFailed) as error:
        api_token_create(actor=owner, name=name, expires_at=expires_at)

    assert set(error.value.fields) == {field}
    assert not ApiToken.objects.filter(user=owner).exists()


def test_anonymous_and_inactive_users_cannot_create_tokens(anonymous, user_factory):
    for actor in (anonymous, user_factory(is_active=False)):
        with pytest.raises(PermissionDenied):
            api_token_create(actor=actor, name="Đồng bộ")
    assert not ApiToken.objects.exists()
