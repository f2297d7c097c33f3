"""`{% notification_bell %}`: the unread count in the header, one COUNT query, only for
signed-in people."""

from typing import Any

from django import template

from thuocdo.notifications.selectors import notification_unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread_count": notification_unread_count(actor=user)}
