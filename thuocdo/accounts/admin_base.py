"""The admin goes through the same policies as the UI and the API: querysets are scoped
to the operator's subtree and every object-level permission asks the model's policy."""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from .policy import UnitScopedPolicy


class ScopedModelAdmin(admin.ModelAdmin):
    policy: UnitScopedPolicy[Any]
    view_action = "view"
    change_action = "change"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.policy.visible(request.user, super().get_queryset(request), action=self.view_action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request) and self.policy.user_may(
            request.user, self.view_action, obj
        )

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request) and self.policy.user_may(
            request.user, self.change_action, obj
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
