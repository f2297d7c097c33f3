"""Web pages for the unit tree: browse nation → province → commune, search, people."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from thuocdo.accounts.selectors import role_assignment_get, role_assignment_list
from thuocdo.accounts.services import role_grant, role_revoke, user_get_by_username
from thuocdo.core.errors import AppError

from . import selectors
from .forms import RoleGrantForm, RoleRevokeForm
from .models import UnitLevel
from .permissions import unit_policy


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def browse(request: HtmxHttpRequest) -> HttpResponse:
    return unit_detail(request, selectors.unit_root().code)


def unit_detail(request: HtmxHttpRequest, code: str) -> HttpResponse:
    unit = selectors.unit_get(code=code)
    children = list(selectors.unit_children(unit=unit))
    filter_text = request.GET.get("loc", "").strip()
    if filter_text:
        matching = {m.unit.pk for m in selectors.unit_search(query=filter_text, within=unit, limit=200)}
        children = [c for c in children if c.pk in matching]
    groups = [(label, [c for c in children if c.level == level]) for level, label in UnitLevel.choices]
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit=unit),
        "groups": [(label, items) for label, items in groups if items],
        "counts": selectors.unit_level_counts(unit=unit),
        "aliases": selectors.unit_aliases(unit=unit)[:200],
        "filter_text": filter_text,
        "may_view_people": unit_policy.user_may(request.user, "view_people", unit),
    }
    if request.htmx and request.htmx.target == "unit-children":
        return render(request, "units/_children.html", context)
    return render(request, "units/unit_detail.html", context)


def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    level = request.GET.get("level") or None
    if level not in UnitLevel.values:
        level = None
    matches = selectors.unit_search(query=query, level=level, limit=30) if query else []
    template = "units/_search_results.html" if request.htmx else "units/search.html"
    return render(request, template, {"query": query, "matches": matches, "level": level})


@login_required
def people(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.unit_get(code=code)
    unit_policy.require(request.user, "view_people", unit)
    include_subtree = request.GET.get("subtree") == "1"
    form = RoleGrantForm()
    if request.method == "POST":
        form = RoleGrantForm(request.POST)
        if form.is_valid():
            try:
                unit_policy.require(request.user, "manage_roles", unit)
                user = user_get_by_username(form.cleaned_data["username"])
                role_grant(
                    actor=request.user,
                    user=user,
                    unit=unit,
                    role=form.cleaned_data["role"],
                    reason=form.cleaned_data["reason"],
                )
            except AppError as error:
                if error.status == 403:
                    raise
                form.add_error(None, str(error.message))
                for field, errors in error.fields.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Đã cấp vai trò."))
                return redirect("units:people", code=unit.code)
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit=unit),
        "assignments": role_assignment_list(actor=request.user, unit=unit, include_subtree=include_subtree)[
            :500
        ],
        "include_subtree": include_subtree,
        "may_manage": unit_policy.user_may(request.user, "manage_roles", unit),
        "form": form,
        "revoke_form": RoleRevokeForm(),
    }
    return render(request, "units/people.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def role_revoke_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = role_assignment_get(actor=request.user, assignment_id=assignment_id)
    form = RoleRevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    role_revoke(actor=request.user, assignment=assignment, reason=reason)
    messages.success(request, _("Đã thu hồi vai trò."))
    return redirect("units:people", code=assignment.unit.code)
