"""Writes for people, roles and API tokens. Every change is audited."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core import rawsql
from thuocdo.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from thuocdo.units.models import Unit
from thuocdo.units.permissions import unit_policy

from .models import ApiToken, Role, RoleAssignment, User
from .permissions import api_token_policy, role_assignment_policy
from .policy import forget_role_scopes

TOKEN_PREFIX = "td"  # noqa: S105 - a label, not a secret
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user.get_username(),
        "unit": assignment.unit.code,
        "role": assignment.role,
    }


def role_grant(*, actor: Any, user: User, unit: Unit, role: str, reason: str = "") -> RoleAssignment:
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Vai trò không hợp lệ.")]})
    unit_policy.require(actor, "manage_roles", unit)
    with transaction.atomic():
        if RoleAssignment.objects.filter(user=user, unit=unit, role=role).exists():
            raise Conflict(_("Người này đã có vai trò đó tại đơn vị này."))
        assignment = RoleAssignment.objects.create(
            user=user, unit=unit, role=role, granted_by=actor if actor.is_authenticated else None
        )
        audit_record(
            actor=actor,
            action=AuditAction.PERMISSION_GRANT,
            obj=assignment,
            unit=unit,
            after=_assignment_snapshot(assignment),
            reason=reason,
        )
    forget_role_scopes(user)
    return assignment


def role_revoke(*, actor: Any, assignment: RoleAssignment, reason: str = "") -> None:
    role_assignment_policy.require(actor, "revoke", assignment)
    with transaction.atomic():
        snapshot = _assignment_snapshot(assignment)
        audit_record(
            actor=actor,
            action=AuditAction.PERMISSION_REVOKE,
            obj=assignment,
            unit=assignment.unit,
            before=snapshot,
            reason=reason,
        )
        assignment.delete()
    forget_role_scopes(assignment.user)


def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
    position: str = "",
    is_staff: bool = False,
) -> User:
    username = username.strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Tên đăng nhập không được để trống.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("Tên đăng nhập đã được dùng.")]
    candidate = User(username=username, full_name=full_name, email=email.strip(), position=position)
    try:
        candidate.clean_fields(exclude=["password", *errors])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        candidate.is_staff = is_staff
        candidate.set_password(password)
        candidate.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=candidate,
            after={"username": username, "full_name": full_name, "is_staff": is_staff},
        )
    return candidate


USER_AUDITED_FIELDS = (
    "username",
    "full_name",
    "email",
    "phone",
    "position",
    "is_active",
    "is_staff",
    "is_superuser",
)


def user_save_from_admin(*, actor: Any, user: User, changed_fields: list[str], created: bool) -> User:
    """Save an account edited in the Django admin's user form (superusers only), audited.
    The password itself never enters the log, only the fact that it changed."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied()
    before: dict[str, Any] | None = None
    if not created:
        stored = User.objects.filter(pk=user.pk).values(*USER_AUDITED_FIELDS).first() or {}
        before = {name: stored.get(name) for name in changed_fields if name in USER_AUDITED_FIELDS}
    after: dict[str, Any] = {
        name: getattr(user, name) for name in changed_fields if name in USER_AUDITED_FIELDS
    }
    if "password" in changed_fields or "password1" in changed_fields:
        after["password_changed"] = True
    with transaction.atomic():
        user.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=user,
            before=before,
            after=after,
            reason="admin",
        )
    return user


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def api_token_create(*, actor: Any, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for `actor`. Returns the token and its plaintext, shown only once."""
    api_token_policy.require(actor, "create")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(fields={"name": [_("Tên mã truy cập phải có từ 1 đến 100 ký tự.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(fields={"expires_at": [_("Thời hạn phải ở tương lai.")]})
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor, name=name, prefix=prefix, secret_hash=_hash_secret(secret), expires_at=expires_at
        )
        audit_record(
            actor=actor, action=AuditAction.TOKEN_CREATE, obj=token, after={"name": name, "prefix": prefix}
        )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    api_token_policy.require(actor, "revoke", token)
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.TOKEN_REVOKE, obj=token, before={"prefix": token.prefix})
    return token


def _token_with_user(prefix: str) -> ApiToken | None:
    """The token with `prefix` and its user, in one written statement: every API request
    with a token runs it (core.rawsql)."""
    sql = (
        f"SELECT {rawsql.columns(ApiToken, 'k')}, {rawsql.columns(User, 'u')} "  # noqa: S608 - column names only
        f"FROM {ApiToken._meta.db_table} k JOIN {User._meta.db_table} u ON u.id = k.user_id WHERE k.prefix = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    token, index = rawsql.instance(ApiToken, row)
    token.user, _index = rawsql.instance(User, row, index)
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user a presented token belongs to, or None. Constant-time comparison."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    _prefix_marker, prefix, secret = parts
    token = _token_with_user(prefix)
    if token is None or not hmac.compare_digest(token.secret_hash, _hash_secret(secret)):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_get_by_username(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as error:
        raise NotFound(_("Không tìm thấy người dùng.")) from error
