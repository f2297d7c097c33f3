"""The operators' page of the working-day calendar (/ops/calendar/): a year at a glance and
the form that changes a day. Thin: parse, call one service or selector, render."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuocdo.core.errors import AppError, NotFound

from . import selectors, services
from .forms import KIND_OFF, KIND_WORKING, CalendarDayForm
from .permissions import calendar_day_policy

WEEKDAY_LABELS = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]


@login_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    return redirect("workdays:year", year=timezone.localdate().year)


def _page(
    request: HttpRequest, year: int, form: CalendarDayForm | None = None, status: int = 200
) -> HttpResponse:
    record = selectors.calendar_year_get(year=year)
    days = list(selectors.calendar_day_list(year=year).select_related("updated_by"))
    may_manage = calendar_day_policy.user_may_manage(request.user)
    if form is None and may_manage:
        initial: dict[str, Any] = {}
        chosen = next((item for item in days if item.day.isoformat() == request.GET.get("day")), None)
        if chosen is not None:
            initial = {
                "day": chosen.day,
                "kind": KIND_WORKING if chosen.is_working else KIND_OFF,
                "name": chosen.name,
            }
        form = CalendarDayForm(year=year, initial=initial)
    grids = selectors.calendar_month_grids(year=year, days=days)
    context = {
        "year": year,
        "record": record,
        "days": days,
        "grids": grids,
        "weekday_labels": WEEKDAY_LABELS,
        "working_days": sum(grid.working_days for grid in grids),
        "form": form,
        "may_manage": may_manage,
        "previous_year": year - 1 if selectors.year_in_range(year - 1) else None,
        "next_year": year + 1 if selectors.year_in_range(year + 1) else None,
    }
    return render(request, "workdays/year.html", context, status=status)


@login_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    return _page(request, year)


def _apply_errors(form: CalendarDayForm, error: AppError) -> None:
    if not error.fields:
        form.add_error(None, str(error.message))
    for field, field_messages in error.fields.items():
        target = {"is_working": "kind"}.get(field, field)
        for message in field_messages:
            form.add_error(target if target in form.fields else None, message)


@login_required
@require_POST
def calendar_day_set(request: HttpRequest, year: int) -> HttpResponse:
    calendar_day_policy.require_manage(request.user)
    form = CalendarDayForm(request.POST, year=year)
    if form.is_valid():
        try:
            item = services.calendar_day_set(
                actor=request.user,
                day=form.cleaned_data["day"],
                is_working=form.is_working,
                name=form.cleaned_data["name"],
            )
        except AppError as error:
            if error.status == 403:
                raise
            _apply_errors(form, error)
        else:
            messages.success(request, _("Đã lưu ngày %(day)s.") % {"day": f"{item.day:%d/%m/%Y}"})
            return redirect("workdays:year", year=year)
    return _page(request, year, form=form, status=400)


@login_required
@require_POST
def calendar_day_reset(request: HttpRequest, year: int, day: str) -> HttpResponse:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise NotFound() from None
    if parsed.year != year:
        raise NotFound()
    services.calendar_day_reset(actor=request.user, day=parsed)
    messages.success(request, _("Ngày %(day)s đã trở về lệ thường.") % {"day": f"{parsed:%d/%m/%Y}"})
    return redirect("workdays:year", year=year)
