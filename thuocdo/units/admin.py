from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from thuocdo.accounts.admin_base import ScopedModelAdmin

from .models import Unit, UnitAlias
from .permissions import unit_policy
from .services import unit_update_contact

EDITABLE_FIELDS = ("email", "phone")  # everything else comes from the datasets


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0
    fields = ("kind", "name", "legacy_code", "context", "is_partial")
    readonly_fields = fields
    can_delete = False
    max_num = 0


@admin.register(Unit)
class UnitAdmin(ScopedModelAdmin):
    """Names and the tree come from the datasets (`load_units`); operators edit contact details."""

    policy = unit_policy
    view_action = "change"
    list_display = ("name", "code", "level", "kind_label", "parent", "is_active")
    list_filter = ("level", "kind", "is_active")
    search_fields = ("name", "code", "search_name")
    list_select_related = ("parent",)
    fields = (
        "code",
        "name",
        "short_name",
        "level",
        "kind_label",
        "parent",
        "latitude",
        "longitude",
        "email",
        "phone",
        "is_active",
    )
    readonly_fields = tuple(name for name in fields if name not in EDITABLE_FIELDS)
    inlines = [UnitAliasInline]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        from thuocdo.core.text import search_words  # noqa: PLC0415

        if not search_term:
            return queryset, False
        for word in search_words(search_term):
            queryset = queryset.filter(search_name__contains=f" {word}")
        return queryset, False

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        unit_update_contact(actor=request.user, unit=obj, email=obj.email, phone=obj.phone, reason="admin")
