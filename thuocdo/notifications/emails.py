"""Vietnamese emails from templates, so callers keep their wording out of Python.

A template `notifications/email/<event>.txt` renders to the subject on its first line, a
blank line, then the body. Templates are plain text: wrap them in `{% autoescape off %}`.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from thuocdo.core.errors import ValidationFailed

EVENT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


def email_render(*, event: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Render `notifications/email/<event>.txt` in Vietnamese (whatever the request's
    language): the first non-empty line is the subject, the rest is the body."""
    if not EVENT_PATTERN.match(event):
        raise ValidationFailed(fields={"event": [f"Mã sự kiện không hợp lệ: {event!r}"]})
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"notifications/email/{event}.txt", dict(context))
    lines = text.strip().splitlines()
    subject = lines[0].strip() if lines else ""
    body = "\n".join(lines[1:]).strip("\n")
    return RenderedEmail(subject=subject, body=body)


def absolute_link(link: str) -> str:
    """A link inside the platform ("/monitoring/…") as a full address for an email."""
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.THUOCDO_SITE_URL.rstrip("/") + link


def email_body(*, subject: str, body: str, link: str) -> str:
    """The caller's text in the common email layout: greeting-free body, the link, and a
    footer saying where the message comes from."""
    with translation.override(settings.LANGUAGE_CODE):
        return (
            render_to_string(
                "notifications/email_layout.txt",
                {"subject": subject, "body": body, "link": absolute_link(link)},
            ).strip()
            + "\n"
        )
