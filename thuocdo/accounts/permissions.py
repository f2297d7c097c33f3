"""Who may see people and roles, and change them."""

from typing import Any

from django.db.models import Q, QuerySet

from .models import ApiToken, Role, RoleAssignment, User
from .policy import UnitScopedPolicy, minimal_paths


class RoleAssignmentPolicy(UnitScopedPolicy[RoleAssignment]):
    """Anyone with a role in a unit sees who else holds roles in its subtree; only a
    unit's administrators grant and revoke roles there."""

    model = RoleAssignment
    path_lookup = "unit__path"
    actions = {
        "view": frozenset(Role.values),
        "grant": frozenset({Role.ADMIN}),
        "revoke": frozenset({Role.ADMIN}),
    }


class UserPolicy(UnitScopedPolicy[User]):
    """A person is visible to those who may see at least one of that person's roles.
    Everyone may see themselves."""

    model = User
    path_lookup = "role_assignments__unit__path"
    actions = {
        "view": frozenset(Role.values),
        "change": frozenset({Role.ADMIN}),
    }

    def unit_of(self, obj: User) -> Any:
        return None  # a person may hold roles in many units; denials are recorded without one

    def user_may(self, user: Any, action: str, obj: User | None = None) -> bool:
        if obj is not None and action == "view" and getattr(user, "pk", None) == obj.pk:
            return True
        if obj is None or self.is_superuser(user):
            return super().user_may(user, action, obj)
        scopes = self.scopes(user, action)
        if any(scope.depth == 0 for scope in scopes):
            return True
        paths = minimal_paths(scope.path for scope in scopes)
        unit_paths = obj.role_assignments.values_list("unit__path", flat=True)
        return any(p.startswith(scope) for p in unit_paths for scope in paths)

    def visible(
        self, user: Any, queryset: QuerySet[User] | None = None, action: str = "view"
    ) -> QuerySet[User]:
        queryset = queryset if queryset is not None else User.objects.all()
        condition = self.visibility_filter(user, action)
        if condition is None:
            return queryset
        own = Q(pk=user.pk) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
        return queryset.filter(Q(pk__in=User.objects.filter(condition).values("pk")) | own)


class ApiTokenPolicy(UnitScopedPolicy[ApiToken]):
    """Tokens are personal: only their owner sees and revokes them."""

    model = ApiToken

    def user_may(self, user: Any, action: str, obj: ApiToken | None = None) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return obj is None or obj.user_id == user.pk

    def visible(
        self, user: Any, queryset: QuerySet[ApiToken] | None = None, action: str = "view"
    ) -> QuerySet[ApiToken]:
        queryset = queryset if queryset is not None else ApiToken.objects.all()
        if not getattr(user, "is_authenticated", False):
            return queryset.none()
        return queryset.filter(user_id=user.pk)


role_assignment_policy = RoleAssignmentPolicy()
user_policy = UserPolicy()
api_token_policy = ApiTokenPolicy()
