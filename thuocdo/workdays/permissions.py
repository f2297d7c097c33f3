"""Who may edit the working-day calendar.

The calendar belongs to no unit: it is the whole country's. `UnitScopedPolicy` treats an
object without a unit path as the system's, which only a role at the root (depth 0)
covers. Editing therefore needs an administrator at the root, or a superuser. Anyone,
signed in or not, may read the calendar.
"""

from typing import Any

from thuocdo.accounts.models import Role
from thuocdo.accounts.policy import UnitScopedPolicy
from thuocdo.core.errors import PermissionDenied

from .models import CalendarDay


class CalendarDayPolicy(UnitScopedPolicy[CalendarDay]):
    model = CalendarDay
    public_actions = frozenset({"view"})
    actions = {"manage": frozenset({Role.ADMIN})}

    def unit_path_of(self, obj: CalendarDay) -> str | None:
        return None  # the national calendar: only roles at the root cover it

    def unit_of(self, obj: CalendarDay) -> Any:
        return None

    def user_may_manage(self, user: Any) -> bool:
        return self.user_may(user, "manage", CalendarDay())

    def require_manage(self, user: Any) -> None:
        """The checked form: a refusal is written to the audit log, then raised."""
        if not self.user_may_manage(user):
            self.record_denial(user, "manage", None, None)
            raise PermissionDenied()


calendar_day_policy = CalendarDayPolicy()
