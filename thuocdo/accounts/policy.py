"""The permission mechanism every domain uses: a policy per model that knows the unit tree.

A role held in a unit covers that unit's subtree. A policy declares, per action, which
roles allow it, and how to reach an object's unit path. From that one declaration it
answers both questions the rest of the code asks:

- `user_may(user, action, obj)` — may this user do this to this object?
- `visible(user, queryset)` — which objects may this user see? (one SQL filter)

`require()` is the checked form: it records the refusal in the audit log and raises.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.models import Q, QuerySet

from thuocdo.core.errors import PermissionDenied

ModelT = TypeVar("ModelT", bound=models.Model)
ROLE_CACHE_ATTRIBUTE = "_thuocdo_role_scopes"


@dataclass(frozen=True)
class RoleScope:
    role: str
    unit_id: int
    path: str
    depth: int


def role_scopes(user: Any) -> list[RoleScope]:
    """The user's roles with the path of the unit each is held in, cached on the user object
    for the length of a request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, ROLE_CACHE_ATTRIBUTE, None)
    if cached is None:
        # Written out: every permission check of every request starts here (core.rawsql).
        with connection.cursor() as cursor:
            cursor.execute(_ROLE_SCOPES_SQL, [user.pk])
            cached = [
                RoleScope(role, unit_id, path, depth) for role, unit_id, path, depth in cursor.fetchall()
            ]
        setattr(user, ROLE_CACHE_ATTRIBUTE, cached)
    return cached


_ROLE_SCOPES_SQL = (
    "SELECT ra.role, ra.unit_id, u.path, u.depth FROM accounts_roleassignment ra "
    "JOIN units_unit u ON u.id = ra.unit_id WHERE ra.user_id = %s AND u.is_active"
)


def forget_role_scopes(user: Any) -> None:
    if hasattr(user, ROLE_CACHE_ATTRIBUTE):
        delattr(user, ROLE_CACHE_ATTRIBUTE)


def minimal_paths(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies inside another one: their union is the same subtree set."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return result


class UnitScopedPolicy(Generic[ModelT]):
    model: type[ModelT]
    path_lookup: str = "unit__path"
    actions: Mapping[str, frozenset[str]] = {}
    public_actions: frozenset[str] = frozenset()

    def unit_path_of(self, obj: ModelT) -> str | None:
        """The path of the unit an object belongs to; None for objects of the whole system."""
        target: Any = obj
        for part in self.path_lookup.split("__"):
            target = getattr(target, part, None)
            if target is None:
                return None
        return str(target)

    def unit_of(self, obj: ModelT) -> Any:
        """The unit at the end of `path_lookup` ("plan__issuer__path" -> obj.plan.issuer)."""
        target: Any = obj
        for part in self.path_lookup.split("__")[:-1]:
            target = getattr(target, part, None)
            if target is None:
                return None
        return target

    def is_superuser(self, user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)

    def scopes(self, user: Any, action: str) -> list[RoleScope]:
        allowed = self.actions.get(action, frozenset())
        if not getattr(user, "is_active", False):
            return []
        return [scope for scope in role_scopes(user) if scope.role in allowed]

    def user_may(self, user: Any, action: str, obj: ModelT | None = None) -> bool:
        """May `user` do `action` on `obj`? Without an object: on anything at all."""
        if action in self.public_actions or self.is_superuser(user):
            return True
        scopes = self.scopes(user, action)
        if obj is None:
            return bool(scopes)
        path = self.unit_path_of(obj)
        if path is None:
            return any(scope.depth == 0 for scope in scopes)
        return any(path.startswith(scope.path) for scope in scopes)

    def user_may_in_unit(self, user: Any, action: str, unit: Any) -> bool:
        """May `user` do `action` on objects placed in `unit` (e.g. create one there)?"""
        if action in self.public_actions or self.is_superuser(user):
            return True
        return any(unit.path.startswith(scope.path) for scope in self.scopes(user, action))

    def require(self, user: Any, action: str, obj: ModelT | None = None, *, unit: Any = None) -> None:
        allowed = (
            self.user_may_in_unit(user, action, unit)
            if unit is not None and obj is None
            else self.user_may(user, action, obj)
        )
        if not allowed:
            self.record_denial(user, action, obj, unit)
            raise PermissionDenied()

    def record_denial(self, user: Any, action: str, obj: ModelT | None, unit: Any) -> None:
        from thuocdo.audit.models import AuditAction  # noqa: PLC0415
        from thuocdo.audit.services import audit_record  # noqa: PLC0415

        audit_record(
            actor=user,
            action=AuditAction.ACCESS_DENIED,
            obj=obj,
            object_type="" if obj is not None else self.model._meta.label_lower,
            unit=unit if unit is not None else (self.unit_of(obj) if obj is not None else None),
            after={"attempted_action": action},
        )

    def visibility_filter(self, user: Any, action: str = "view") -> Q | None:
        """A filter for what `user` may see; None means everything."""
        if action in self.public_actions or self.is_superuser(user):
            return None
        scopes = self.scopes(user, action)
        if any(scope.depth == 0 for scope in scopes):
            return None
        paths = minimal_paths(scope.path for scope in scopes)
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(**{f"{self.path_lookup}__startswith": path})
        return condition

    def visible(
        self, user: Any, queryset: QuerySet[ModelT] | None = None, action: str = "view"
    ) -> QuerySet[ModelT]:
        queryset = queryset if queryset is not None else self.model._default_manager.all()
        condition = self.visibility_filter(user, action)
        return queryset if condition is None else queryset.filter(condition)
