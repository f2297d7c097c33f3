"""Filing an Open311 service request: the spec's arguments become a desk submission.

Only the mapping lives here; the desk's own intake (`feedback_accept`) validates and
stores; routing follows in the intake processor (docs/decisions/0037). The Open311 token
is stored with the item, so a request is stored whole or not at all. Errors name the Open311 arguments, not the
desk's fields, so an integrator knows what to fix.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from thuocdo.core.errors import AppError, NotFound, ValidationFailed

from ..models import Channel, Item, Topic
from ..services import SubmissionInput, feedback_accept

TITLE_LENGTH = 80
ATTRIBUTES = ("kind", "province", "commune")

# Desk field -> the Open311 argument an integrator sent it as.
FIELD_NAMES = {
    "kind": "attribute[kind]",
    "topic": "service_code",
    "title": "description",
    "body": "description",
    "province": "attribute[province]",
    "commune": "attribute[commune]",
    "place_text": "address_string",
    "contact_name": "first_name",
    "contact_email": "email",
    "contact_phone": "phone",
    "is_anonymous": "email",
    "latitude": "lat",
    "longitude": "long",
    "idempotency_key": "Idempotency-Key",
}


@dataclass(frozen=True)
class Open311Submission:
    """The arguments of POST requests (all strings, as sent), without the api_key."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)


def title_from(description: str) -> str:
    """Open311 has no title: the description's start, cut at a word."""
    text = " ".join(description.split())
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[: TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return f"{cut}…"


def _open311_checks(params: Open311Submission) -> None:
    """What the spec requires beyond the desk's rules; raise before anything else."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(params.attributes) - set(ATTRIBUTES))
    if unknown:
        errors["attribute"] = [_("Thuộc tính không có trong định nghĩa dịch vụ: %s.") % ", ".join(unknown)]
    if not params.attributes.get("kind"):
        errors["attribute[kind]"] = [_("Thiếu thuộc tính bắt buộc kind.")]
    if bool(params.lat) != bool(params.long):
        errors["lat"] = [_("Cần gửi cả lat và long.")]
    has_place = (params.lat and params.long) or params.address_string.strip()
    if not has_place and not (params.attributes.get("province") or params.attributes.get("commune")):
        errors["location"] = [
            _(
                "Cần cho biết địa điểm: lat và long, address_string, hoặc attribute[province]/attribute[commune]."
            )
        ]
    if params.media_url:
        errors["media_url"] = [_("Chưa nhận tệp qua media_url; vui lòng gửi qua cổng thông tin.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _submission(params: Open311Submission, topic: Topic) -> SubmissionInput:
    name = " ".join(part.strip() for part in (params.first_name, params.last_name) if part.strip())
    anonymous = not (name or params.email.strip() or params.phone.strip())
    return SubmissionInput(
        kind=params.attributes.get("kind", ""),
        topic=topic.code,
        title=title_from(params.description),
        body=params.description,
        province=params.attributes.get("province", ""),
        commune=params.attributes.get("commune", ""),
        place_text=params.address_string,
        contact_name=name,
        contact_email=params.email,
        contact_phone=params.phone,
        is_anonymous=anonymous,
        # The integrator asserts the person agreed (docs/decisions/0026).
        consent=True,
        latitude=params.lat or None,
        longitude=params.long or None,
    )


def _renamed(error: AppError) -> AppError:
    if not error.fields:
        return error
    fields: dict[str, list[str]] = {}
    for name, messages in error.fields.items():
        target = FIELD_NAMES.get(name, name)
        fields[target] = [*fields.get(target, []), *(m for m in messages if m not in fields.get(target, []))]
    renamed = type(error)(error.message, fields=fields, code=error.code)
    renamed.status = error.status
    return renamed


def open311_request_create(*, actor: Any, params: Open311Submission, idempotency_key: str = "") -> Item:
    """File an Open311 request for the integrator `actor`; the item carries a token."""
    _open311_checks(params)
    topic = Topic.objects.filter(service_code=params.service_code, is_active=True).first()
    if topic is None:
        raise NotFound(fields={"service_code": [_("Không có dịch vụ với mã này.")]})
    try:
        item = feedback_accept(
            actor=actor,
            data=_submission(params, topic),
            channel=Channel.OPEN311,
            idempotency_key=idempotency_key,
            open311_token=secrets.token_urlsafe(16),
        )
    except AppError as error:
        raise _renamed(error) from error
    return item
