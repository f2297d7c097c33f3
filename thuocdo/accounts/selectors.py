"""Reads for people, roles and tokens, filtered by what the acting user may see."""

from typing import Any

from django.db.models import QuerySet

from thuocdo.core.errors import NotFound
from thuocdo.units.models import Unit

from .models import ApiToken, RoleAssignment, User
from .permissions import api_token_policy, role_assignment_policy, user_policy


def role_assignment_list(
    *, actor: Any, unit: Unit | None = None, user: User | None = None, include_subtree: bool = False
) -> QuerySet[RoleAssignment]:
    queryset = RoleAssignment.objects.select_related("user", "unit", "granted_by")
    if unit is not None:
        queryset = (
            queryset.filter(Unit.subtree_q(unit.path, prefix="unit__"))
            if include_subtree
            else queryset.filter(unit=unit)
        )
    if user is not None:
        queryset = queryset.filter(user=user)
    return role_assignment_policy.visible(actor, queryset).order_by("unit__path", "role", "user__username")


def role_assignment_get(*, actor: Any, assignment_id: int) -> RoleAssignment:
    """An assignment the actor may see; others are reported as not found."""
    assignment = (
        role_assignment_policy.visible(actor, RoleAssignment.objects.select_related("user", "unit"))
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise NotFound()
    return assignment


def user_roles(*, user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("unit").order_by("unit__path", "role")


def user_list(*, actor: Any) -> QuerySet[User]:
    return user_policy.visible(actor, User.objects.filter(is_active=True)).order_by("username")


def api_token_list(*, actor: Any) -> QuerySet[ApiToken]:
    return api_token_policy.visible(actor).order_by("-created_at")


def api_token_get(*, actor: Any, token_id: int) -> ApiToken:
    token = api_token_list(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token
