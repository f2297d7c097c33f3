"""Who may do what with breakthrough initiatives.

- Registration, the tracking page and published decisions are public.
- The Standing Office is whoever holds `admin` or `officer` at the root (depth 0): they
  screen, assign experts and see everything internal. Recording the council decision
  needs `admin` at the root, because a selected initiative becomes a task of a plan
  issued by the root, which only root administrators may create (`task_policy`).
- Experts (`expert`, held anywhere) see only the reviews assigned to them.

An initiative belongs to no unit, so the mechanism asks for a role at the root.
"""

from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from thuocdo.accounts.models import Role
from thuocdo.accounts.policy import UnitScopedPolicy

from .models import Initiative, Review, ReviewStatus, StrategicArea

OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICER})
ModelT = TypeVar("ModelT", bound=models.Model)


class RootScopedPolicy(UnitScopedPolicy[ModelT]):
    """Objects that belong to no unit: every action needs one of its roles at the root."""

    path_lookup = "no_unit"

    def unit_of(self, obj: ModelT) -> Any:
        return None

    def user_may(self, user: Any, action: str, obj: ModelT | None = None) -> bool:
        if action in self.public_actions or self.is_superuser(user):
            return True
        return any(scope.depth == 0 for scope in self.scopes(user, action))

    def user_may_in_unit(self, user: Any, action: str, unit: Any) -> bool:
        return self.user_may(user, action)

    def visibility_filter(self, user: Any, action: str = "view") -> Q | None:
        return None if self.user_may(user, action) else Q(pk__in=[])


class InitiativePolicy(RootScopedPolicy[Initiative]):
    model = Initiative
    actions = {
        "view": OFFICE_ROLES,
        "view_internal": OFFICE_ROLES,
        "screen": OFFICE_ROLES,
        "assign": OFFICE_ROLES,
        "decide": frozenset({Role.ADMIN}),
    }

    def is_office(self, user: Any) -> bool:
        return self.user_may(user, "view_internal")


class ReferenceDataPolicy(RootScopedPolicy[Any]):
    """Strategic areas and rubrics: the office reads them, root administrators change them."""

    model = StrategicArea
    actions = {"view": OFFICE_ROLES, "change": frozenset({Role.ADMIN})}


class ReviewPolicy(UnitScopedPolicy[Review]):
    """A review is the assigned expert's own. The office sees every review; an expert
    sees another expert's review only after submitting their own (see selectors)."""

    model = Review
    path_lookup = "no_unit"
    actions = {"review": frozenset({Role.EXPERT})}

    def unit_of(self, obj: Review) -> Any:
        return None

    def is_expert(self, user: Any) -> bool:
        return self.is_superuser(user) or bool(self.scopes(user, "review"))

    def user_may(self, user: Any, action: str, obj: Review | None = None) -> bool:
        if action != "review":
            return False
        if obj is None:
            return self.is_expert(user)
        # Superusers do not score in other people's names: only the assigned expert may.
        return bool(self.scopes(user, "review")) and obj.expert_id == getattr(user, "pk", None)

    def user_may_in_unit(self, user: Any, action: str, unit: Any) -> bool:
        return self.user_may(user, action)

    def visibility_filter(self, user: Any, action: str = "view") -> Q | None:
        if initiative_policy.is_office(user):
            return None
        if not self.is_expert(user):
            return Q(pk__in=[])
        return Q(expert_id=user.pk)

    def may_see_others(self, user: Any, initiative: Initiative) -> bool:
        """Blind review: an expert sees the other experts' scores on this version only
        once their own review is submitted. The office always sees them."""
        if initiative_policy.is_office(user):
            return True
        return Review.objects.filter(
            initiative=initiative,
            version=initiative.version,
            expert_id=getattr(user, "pk", None),
            status=ReviewStatus.SUBMITTED,
        ).exists()


initiative_policy = InitiativePolicy()
reference_data_policy = ReferenceDataPolicy()
review_policy = ReviewPolicy()
