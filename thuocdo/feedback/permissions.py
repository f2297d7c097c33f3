"""Who may do what on the feedback desk.

- A case belongs to its responsible unit. Officers, leaders and administrators whose
  role covers that unit handle it (accept, transfer, answer, pause, reject).
- Cases nobody is responsible for yet (the triage queue) have no unit: only roles held
  at the root unit — the Standing Office — reach them (`UnitScopedPolicy` treats an
  object without a unit path that way).
- Personal data (a submitter's contact) is narrower than the subtree rule: only roles
  held exactly at the handling unit, or at the root (the Standing Office).
- Merging, publishing and triage are the Standing Office's.
"""

from typing import Any

from django.db.models import Q

from thuocdo.accounts.models import Role
from thuocdo.accounts.policy import UnitScopedPolicy, minimal_paths

from .models import Case

HANDLER_ROLES = frozenset({Role.OFFICER, Role.LEADER, Role.ADMIN})


class CasePolicy(UnitScopedPolicy[Case]):
    model = Case
    path_lookup = "unit__path"
    actions = {
        "view": frozenset({Role.VIEWER, *HANDLER_ROLES}),
        "handle": HANDLER_ROLES,
        "view_personal": HANDLER_ROLES,
        # Only meaningful at the root unit: see the checks below.
        "triage": frozenset({Role.OFFICER, Role.ADMIN}),
        "publish": frozenset({Role.OFFICER, Role.ADMIN}),
        "merge": frozenset({Role.OFFICER, Role.ADMIN}),
        "configure": frozenset({Role.ADMIN}),
    }

    def visibility_filter(self, user: Any, action: str = "view") -> Q | None:
        """The subtree rule of `UnitScopedPolicy`, on the ids of the units in the user's
        subtrees instead of a join on their paths (same cases; see `subtree_unit_ids`)."""
        condition = super().visibility_filter(user, action)
        if condition is None:
            return None
        from .config_cache import subtree_unit_ids  # noqa: PLC0415 - the cache imports models

        paths = minimal_paths(scope.path for scope in self.scopes(user, action))
        ids = sorted({unit_id for path in paths for unit_id in subtree_unit_ids(path)})
        return Q(unit_id__in=ids)

    def is_standing_office(self, user: Any, action: str = "triage") -> bool:
        """Holds a role for `action` at the root unit (depth 0)."""
        return self.is_superuser(user) or any(scope.depth == 0 for scope in self.scopes(user, action))

    def user_may_view_personal(self, user: Any, case: Case) -> bool:
        if self.is_superuser(user):
            return True
        scopes = self.scopes(user, "view_personal")
        if any(scope.depth == 0 for scope in scopes):
            return True
        return case.unit_id is not None and any(scope.unit_id == case.unit_id for scope in scopes)


case_policy = CasePolicy()
