"""Admin for the reference data of initiatives: strategic areas and scoring rubrics.
Saving goes through the services, so the policy, validation and audit log apply."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from thuocdo.accounts.admin_base import ScopedModelAdmin

from .models import Review, Rubric, RubricCriterion, StrategicArea
from .permissions import reference_data_policy
from .services import CriterionInput, rubric_errors, rubric_save, strategic_area_save


class ReferenceDataAdmin(ScopedModelAdmin):
    policy = reference_data_policy

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request) and self.policy.user_may(request.user, "change")


@admin.register(StrategicArea)
class StrategicAreaAdmin(ReferenceDataAdmin):
    list_display = ("name", "code", "order", "is_active")
    list_filter = ("is_active",)
    fields = ("code", "name", "description", "order", "is_active")
    ordering = ("order", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()  # codes are never renamed: initiatives point at them

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        strategic_area_save(
            actor=request.user,
            area=obj,
            name=form.cleaned_data["name"],
            description=form.cleaned_data.get("description", ""),
            order=form.cleaned_data.get("order") or 0,
            is_active=form.cleaned_data.get("is_active", True),
        )


class CriterionFormSet(BaseInlineFormSet):
    """The criteria are validated together: weights must sum to 100."""

    def criteria_inputs(self) -> list[CriterionInput]:
        return [
            CriterionInput(
                code=f.cleaned_data["code"],
                name=f.cleaned_data["name"],
                weight=f.cleaned_data["weight"],
                description=f.cleaned_data.get("description", ""),
                order=f.cleaned_data.get("order") or 0,
            )
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("code")
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        errors = rubric_errors(self.criteria_inputs())
        if errors:
            raise forms.ValidationError([message for messages in errors.values() for message in messages])


class CriterionInline(admin.TabularInline):
    model = RubricCriterion
    formset = CriterionFormSet
    fields = ("order", "code", "name", "weight", "description")
    extra = 1

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return reference_data_policy.user_may(request.user, "change")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return reference_data_policy.user_may(request.user, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return reference_data_policy.user_may(request.user, "change")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return reference_data_policy.user_may(request.user, "view")


class RubricForm(forms.ModelForm):
    # Not a model field of the form: activating a rubric retires the active one inside
    # `rubric_save`, so the one-active constraint holds after the save, not before it.
    make_active = forms.BooleanField(label=_("đang áp dụng"), required=False)

    class Meta:
        model = Rubric
        fields = ("name",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["make_active"].initial = self.instance.is_active


@admin.register(Rubric)
class RubricAdmin(ReferenceDataAdmin):
    """A rubric and its weighted criteria. A rubric that reviews were scored against is
    read-only: create a new one and make it active instead."""

    form = RubricForm
    list_display = ("name", "is_active", "created_at")
    fields = ("name", "make_active")
    inlines = [CriterionInline]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, Rubric) and Review.objects.filter(rubric=obj).exists():
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Saved together with its criteria in `save_related`, through `rubric_save`."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        criteria_formset = next(f for f in formsets if isinstance(f, CriterionFormSet))
        # The admin's history message reads these, normally set by formset.save().
        criteria_formset.new_objects, criteria_formset.changed_objects = [], []
        criteria_formset.deleted_objects = []
        rubric_save(
            actor=request.user,
            rubric=form.instance,
            name=form.cleaned_data["name"],
            is_active=form.cleaned_data.get("make_active", False),
            criteria=criteria_formset.criteria_inputs(),
        )
