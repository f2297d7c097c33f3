"""Open311 GeoReport v2 endpoints. Thin: parse the spec's arguments, call one selector
or service, render in the format of the URL's suffix; every application error becomes
the spec's error document in that same format."""

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, time
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from thuocdo.accounts.services import api_token_authenticate
from thuocdo.core.errors import AppError, NotFound, PermissionDenied, ValidationFailed

from ..models import Topic
from ..throttle import intake_throttle
from . import selectors
from .serializers import error_response as spec_error
from .serializers import render
from .services import Open311Submission, open311_request_create

View = Callable[..., HttpResponse]
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_\-]+)\]$")
_SCALARS = (str, int, float)


def open311_view(*methods: str) -> Callable[[View], View]:
    """Allow `methods`; turn AppError into the spec's error document (format from URL)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except AppError as error:
                return spec_error(fmt, error)

        return csrf_exempt(wrapper)

    return decorate


@open311_view("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:root"))
    shape = selectors.discovery_shape(url=url, contact=settings.DEFAULT_FROM_EMAIL)
    return render(fmt, "discovery", shape)


@open311_view("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return render(fmt, "services", [selectors.service_shape(topic) for topic in selectors.service_list()])


@open311_view("GET")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    return render(fmt, "service_definition", selectors.service_definition_shape(selectors.service_get(code)))


@open311_view("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    items = selectors.request_list(_filters(request.GET))
    return render(fmt, "service_requests", [selectors.request_shape(item) for item in items])


@open311_view("GET")
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    return render(fmt, "service_requests", [selectors.request_shape(selectors.request_get(request_id))])


@open311_view("GET")
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    item = selectors.request_by_token(token)
    return render(
        fmt, "service_requests", [{"service_request_id": str(item.pk), "token": item.open311_token}]
    )


# --- POST requests -------------------------------------------------------------------------


def _post_arguments(request: HttpRequest) -> dict[str, Any]:
    """Form-encoded (the spec) or a JSON object with the same names."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise ValidationFailed(fields={"body": [_("Nội dung JSON không hợp lệ.")]}) from error
        if not isinstance(data, dict):
            raise ValidationFailed(fields={"body": [_("Nội dung JSON phải là một đối tượng.")]})
        return data
    return {key: request.POST.get(key) for key in request.POST}


def _string(name: str, value: Any, errors: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        errors.setdefault(name, []).append(_("Giá trị phải là chuỗi hoặc số."))
        return ""
    return str(value).strip() if not isinstance(value, str) else value


def _submission(arguments: Mapping[str, Any]) -> Open311Submission:
    errors: dict[str, list[str]] = {}
    attributes: dict[str, str] = {}
    nested = arguments.get("attribute")
    if isinstance(nested, Mapping):
        for code, value in nested.items():
            attributes[str(code)] = _string(f"attribute[{code}]", value, errors).strip()
    elif nested is not None:
        errors["attribute"] = [_("attribute phải là một đối tượng (mã thuộc tính: giá trị).")]
    for key, value in arguments.items():
        if match := _ATTRIBUTE.match(key):
            attributes[match.group(1)] = _string(key, value, errors).strip()
    names = [name for name in Open311Submission.__dataclass_fields__ if name != "attributes"]
    values = {name: _string(name, arguments.get(name), errors) for name in names}
    if errors:
        raise ValidationFailed(fields=errors)
    return Open311Submission(**values, attributes=attributes)


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    arguments = _post_arguments(request)
    api_key = arguments.get("api_key")
    if not isinstance(api_key, str) or not api_key.strip():
        raise PermissionDenied(_("Thiếu api_key: cần mã truy cập API của đơn vị tích hợp."), code="api_key")
    actor = api_token_authenticate(api_key)
    if actor is None:
        raise PermissionDenied(_("api_key không hợp lệ hoặc đã bị thu hồi."), code="api_key")
    params = _submission(arguments)
    intake_throttle(request, contact=params.email or params.phone, group="feedback-open311")
    item = open311_request_create(
        actor=actor, params=params, idempotency_key=request.headers.get("Idempotency-Key", "")
    )
    replayed = getattr(item, "replayed", False)
    body = [
        {
            "service_request_id": str(item.pk),
            "token": item.open311_token,
            "service_notice": _("Mã tra cứu: %(code)s. %(notice)s")
            % {"code": item.tracking_code, "notice": selectors.service_notice(item)},
        }
    ]
    return render(fmt, "service_requests", body, status=200 if replayed else 201)


# --- GET requests' filters ---------------------------------------------------------------


def _moment(name: str, raw: str, errors: dict[str, list[str]]) -> datetime | None:
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = datetime.combine(day, time.min)
    except ValueError:
        moment = None
    if moment is None:
        errors[name] = [_("Thời điểm phải theo ISO 8601 (W3C), ví dụ 2026-01-01T00:00:00+07:00.")]
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _listed(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _filters(query: Mapping[str, str]) -> selectors.RequestFilters:
    errors: dict[str, list[str]] = {}
    ids = _listed(query.get("service_request_id", ""))
    if any(not selectors.is_request_id(part) for part in ids):
        errors["service_request_id"] = [_("service_request_id là các số, cách nhau bằng dấu phẩy.")]
    statuses = _listed(query.get("status", ""))
    if set(statuses) - {"open", "closed"}:
        errors["status"] = [_("status chỉ nhận open, closed (cách nhau bằng dấu phẩy).")]
    start = _moment("start_date", query.get("start_date", ""), errors)
    end = _moment("end_date", query.get("end_date", ""), errors)
    if start and end and start > end:
        errors["end_date"] = [_("end_date phải sau start_date.")]
    elif start and end and end - start > selectors.DEFAULT_WINDOW:
        errors["end_date"] = [_("Khoảng thời gian không được dài quá 90 ngày.")]
    codes = _listed(query.get("service_code", ""))
    if errors:
        raise ValidationFailed(fields=errors)
    known = set(Topic.objects.filter(service_code__in=codes).values_list("service_code", flat=True))
    if codes and set(codes) - known:
        missing = ", ".join(sorted(set(codes) - known))
        raise NotFound(fields={"service_code": [_("Không có dịch vụ với mã: %s.") % missing]})
    return selectors.RequestFilters(
        ids=[int(part) for part in ids], service_codes=codes, start=start, end=end, statuses=statuses
    )
