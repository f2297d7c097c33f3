from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from .admin_base import ScopedModelAdmin
from .models import ApiToken, RoleAssignment, User
from .permissions import role_assignment_policy, user_policy
from .services import role_grant, role_revoke, user_save_from_admin


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedModelAdmin):
    policy = role_assignment_policy
    change_action = "grant"
    list_display = ("user", "role", "unit", "granted_by", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "unit__name", "unit__code")
    list_select_related = ("user", "unit", "granted_by")
    autocomplete_fields = ("user",)
    raw_id_fields = ("unit",)
    fields = ("user", "unit", "role")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request) and role_assignment_policy.user_may(request.user, "grant")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a role is granted or revoked, never edited in place

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and role_assignment_policy.user_may(
            request.user, "revoke", obj
        )

    def save_model(self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool) -> None:
        created = role_grant(actor=request.user, user=obj.user, unit=obj.unit, role=obj.role, reason="admin")
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        role_revoke(actor=request.user, assignment=obj, reason="admin")


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    """Operators see the people of their subtree; accounts are created and edited by superusers."""

    policy = user_policy
    list_display = ("username", "full_name", "email", "is_staff", "is_active", "last_login")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("", {"fields": ("full_name", "email", "phone", "position")}),
        ("", {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        user_save_from_admin(
            actor=request.user, user=obj, changed_fields=list(form.changed_data), created=not change
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only for superusers: tokens are created and revoked by their owners."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("secret_hash",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
