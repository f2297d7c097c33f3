from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from thuocdo.core.errors import NotFound
from thuocdo.units.selectors import unit_get

from .forms import AuditFilterForm
from .permissions import audit_event_policy
from .selectors import audit_event_list


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    audit_event_policy.require(request.user, "view")
    form = AuditFilterForm(request.GET or None)
    events = audit_event_list(actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        unit = None
        if data["unit"]:
            try:
                unit = unit_get(code=data["unit"].strip())
            except NotFound as error:
                form.add_error("unit", str(error.message))
        events = audit_event_list(
            actor=request.user,
            action=data["action"] or None,
            unit=unit,
            actor_username=data["actor"] or None,
            since=timezone.make_aware(datetime.combine(data["since"], time.min)) if data["since"] else None,
            until=(
                timezone.make_aware(datetime.combine(data["until"] + timedelta(days=1), time.min))
                if data["until"]
                else None
            ),
        )
    if form.errors:
        events = events.none()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )
