"""Notification pages: a person's notifications (mark read with htmx), and the operator
view of email deliveries with resend. Thin: parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuocdo.core.errors import AppError

from . import selectors, services
from .forms import DeliveryFilterForm
from .permissions import email_delivery_policy

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notification_list(actor=request.user, unread_only=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread_count": selectors.notification_unread_count(actor=request.user),
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = selectors.notification_get(actor=request.user, notification_id=notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "notifications/_notification_read.html",
            {"n": notification, "unread_count": selectors.notification_unread_count(actor=request.user)},
        )
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, _("Đã đánh dấu %(count)s thông báo là đã đọc.") % {"count": count})
    return redirect("notifications:list")


@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    email_delivery_policy.require(request.user, "view")
    form = DeliveryFilterForm(request.GET or None, events=selectors.email_delivery_events(actor=request.user))
    status = event = None
    if form.is_valid():
        status = form.cleaned_data["status"] or None
        event = form.cleaned_data["event"] or None
    deliveries = selectors.email_delivery_list(actor=request.user, status=status, event=event)
    if form.errors:
        deliveries = deliveries.none()
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/delivery_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "show_addresses": email_delivery_policy.user_may_see_addresses(request.user),
            "may_resend": email_delivery_policy.user_may(request.user, "resend"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def delivery_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    email_delivery_policy.require(request.user, "view")
    delivery = selectors.email_delivery_get(actor=request.user, delivery_id=delivery_id)
    try:
        services.email_delivery_resend(actor=request.user, delivery=delivery)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Đã đưa thư #%(id)s vào hàng đợi gửi lại.") % {"id": delivery.pk})
    return redirect("notifications:deliveries")
