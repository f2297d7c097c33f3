"""Abuse protection at intake without outside services: request rates per address and
per contact (e-mail or phone), counted in the shared cache (Redis in production, see
docs/decisions). The honeypot field, size limits and blocked terms are checked by the
form and the intake service."""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from thuocdo.core.errors import RateLimited
from thuocdo.core.text import fold_diacritics


def _contact_key(contact: str) -> str:
    digits = "".join(ch for ch in contact if ch.isdigit())
    return fold_diacritics(contact) if "@" in contact else digits


def intake_throttle(request: HttpRequest, *, contact: str = "", group: str = "feedback-intake") -> None:
    """Raise RateLimited when this address, or this contact, has sent too much lately."""
    ip_usage = get_usage(
        request, group=f"{group}:ip", key="ip", rate=settings.FEEDBACK_RATE_PER_IP, increment=True
    )
    if ip_usage is not None and ip_usage["should_limit"]:
        raise RateLimited()
    key = _contact_key(contact)
    if key:
        contact_usage = get_usage(
            request,
            group=f"{group}:contact",
            key=lambda _group, _request: key,
            rate=settings.FEEDBACK_RATE_PER_CONTACT,
            increment=True,
        )
        if contact_usage is not None and contact_usage["should_limit"]:
            raise RateLimited()
