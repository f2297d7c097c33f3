"""Who may do what with units. The organisation tree itself is public information."""

from thuocdo.accounts.models import Role
from thuocdo.accounts.policy import UnitScopedPolicy

from .models import Unit


class UnitPolicy(UnitScopedPolicy[Unit]):
    model = Unit
    path_lookup = "path"
    public_actions = frozenset({"view"})
    actions = {
        "change": frozenset({Role.ADMIN}),
        "view_people": frozenset(Role.values),
        "manage_roles": frozenset({Role.ADMIN}),
    }


unit_policy = UnitPolicy()
