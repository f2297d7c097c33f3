"""Who may do what in monitoring. Progress, responsibility and results are public
("ba công khai"); reports' internals, verification and judgements are scoped."""

from typing import Any

from thuocdo.accounts.models import Role
from thuocdo.accounts.policy import UnitScopedPolicy

from .models import Assignment, Plan, Report, Task, Verification


class PlanPolicy(UnitScopedPolicy[Plan]):
    """A plan belongs to its issuing unit; its administrators manage it."""

    model = Plan
    path_lookup = "issuer__path"
    public_actions = frozenset({"view"})
    actions = {"manage": frozenset({Role.ADMIN})}


class TaskPolicy(UnitScopedPolicy[Task]):
    """Tasks are managed (edited, cascaded) by administrators over their plan's issuer."""

    model = Task
    path_lookup = "plan__issuer__path"
    public_actions = frozenset({"view"})
    actions = {"manage": frozenset({Role.ADMIN})}


class AssignmentPolicy(UnitScopedPolicy[Assignment]):
    model = Assignment
    path_lookup = "unit__path"
    public_actions = frozenset({"view"})
    actions = {
        "report": frozenset({Role.OFFICER, Role.LEADER, Role.ADMIN}),
        "review": frozenset({Role.LEADER, Role.ADMIN}),
        "judge": frozenset({Role.LEADER}),
        "view_internal": frozenset(Role.values),
    }

    def user_may_review(self, user: Any, assignment: Assignment) -> bool:
        """Reports are accepted or returned by the level above the reporting unit."""
        if self.is_superuser(user):
            return True
        path = assignment.unit.path
        return any(path.startswith(s.path) and path != s.path for s in self.scopes(user, "review"))


class ReportPolicy(UnitScopedPolicy[Report]):
    model = Report
    path_lookup = "assignment__unit__path"
    actions = {"view": frozenset(Role.values)}


class VerificationPolicy(UnitScopedPolicy[Verification]):
    """Independent verification belongs to the centre's verifiers."""

    model = Verification
    path_lookup = "report__assignment__unit__path"
    actions = {
        "view": frozenset({Role.VERIFIER, Role.ADMIN}),
        "verify": frozenset({Role.VERIFIER}),
    }


plan_policy = PlanPolicy()
task_policy = TaskPolicy()
assignment_policy = AssignmentPolicy()
report_policy = ReportPolicy()
verification_policy = VerificationPolicy()
