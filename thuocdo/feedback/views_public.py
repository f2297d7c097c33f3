"""Public pages of the feedback desk (no login; a logged-in person is welcome too):
filing an item, following it by its tracking code, rating or disputing the answer, the
published answers and the per-unit figures. Thin: parse, call one service or selector,
render. Nothing here shows a submitter's contact data."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from thuocdo.core.errors import AppError, Conflict, NotFound, RateLimited, ValidationFailed
from thuocdo.core.tracking import tracking_code_normalize
from thuocdo.units.models import Unit

from . import selectors, services
from .forms import (
    PERSONAL_DATA_NOTICE,
    DisputeForm,
    PublishedFilterForm,
    RateForm,
    SubmissionForm,
    TrackLookupForm,
    commune_choices,
    new_idempotency_key,
)
from .models import Channel, Item, Kind, KindSetting
from .statistics import SORT_KEYS
from .statistics import unit_statistics as statistics_by_unit
from .throttle import intake_throttle

PUBLISHED_PAGE_SIZE = 20
SIMILAR_TEXT_MAX = 1000


def _anonymous_kinds() -> list[str]:
    """Labels of the kinds that may be sent anonymously (a kind without a setting row
    follows the model default, which allows it)."""
    refused = set(KindSetting.objects.filter(allow_anonymous=False).values_list("kind", flat=True))
    return [str(label) for value, label in Kind.choices if value not in refused]


def _submission_form(request: HttpRequest, data: Any = None, files: Any = None) -> SubmissionForm:
    province_code = (data.get("province") or "").strip() if data is not None else ""
    initial: dict[str, Any] = {"idempotency_key": new_idempotency_key()}
    user = request.user
    if data is None and user.is_authenticated:
        initial.update(
            contact_name=getattr(user, "display_name", "") or user.get_full_name(),
            contact_email=getattr(user, "email", ""),
        )
    return SubmissionForm(
        data,
        files,
        initial=initial,
        topics=list(selectors.topic_list()),
        provinces=list(selectors.province_list()),
        communes=list(selectors.commune_list(province_code=province_code)) if province_code else [],
    )


def _submit_page(request: HttpRequest, form: SubmissionForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "notice": PERSONAL_DATA_NOTICE,
        "anonymous_kinds": _anonymous_kinds(),
    }
    return render(request, "feedback/public_submit.html", context, status=status)


def _submission_file(request: HttpRequest, form: SubmissionForm) -> tuple[Item | None, int]:
    """File the submission, or put the reason it was refused on the form (and store nothing)."""
    if form.is_robot:
        # Refuse quietly: the words a person sees for an odd failure, nothing recorded.
        form.add_error(None, _("Không gửi được phản ánh. Vui lòng kiểm tra lại và gửi lại sau ít phút."))
        return None, 400
    contact = (request.POST.get("contact_email") or request.POST.get("contact_phone") or "").strip()
    try:
        intake_throttle(request, contact=contact)
    except RateLimited as error:
        form.add_error(None, str(error.message))
        return None, error.status
    if not form.is_valid():
        return None, 400
    try:
        item = services.feedback_submit(
            actor=request.user,
            data=form.submission(),
            files=form.cleaned_data["attachments"],
            channel=Channel.WEB,
            idempotency_key=form.cleaned_data.get("idempotency_key") or "",
        )
    except (ValidationFailed, Conflict) as error:
        form.add_service_errors(error.fields, str(error.message))
        return None, 400
    return item, 302


@require_http_methods(["GET", "HEAD", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _submit_page(request, _submission_form(request))
    form = _submission_form(request, request.POST, request.FILES)
    item, status = _submission_file(request, form)
    if item is None:
        return _submit_page(request, form, status=status)
    response = redirect("feedback:track", code=item.tracking_code)
    response["Location"] += "?" + urlencode({"new": "1"})
    return response


@require_safe
def communes(request: HttpRequest) -> HttpResponse:
    """The <option>s of the commune picker for the chosen province (htmx)."""
    code = (request.GET.get("province") or "").strip()[:10]
    units = list(selectors.commune_list(province_code=code)) if code else []
    return render(request, "feedback/_commune_options.html", {"choices": commune_choices(units)})


@require_safe
def similar(request: HttpRequest) -> HttpResponse:
    """Open or published cases like the one being typed, before it is sent. Titles, state
    and unit only: nothing about the people who sent them."""
    from .services.similar import similar_to_text  # noqa: PLC0415 - being improved elsewhere

    text = f"{request.GET.get('title', '')} {request.GET.get('body', '')}".strip()[:SIMILAR_TEXT_MAX]
    cases = similar_to_text(text=text, limit=5, scope="public") if len(text) >= 10 else []
    return render(request, "feedback/_similar.html", {"cases": cases})


@require_http_methods(["GET", "HEAD", "POST"])
def track_lookup(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else (request.GET if "code" in request.GET else None)
    form = TrackLookupForm(data)
    if data is not None and form.is_valid():
        code = tracking_code_normalize(form.cleaned_data["code"])
        if code is not None:
            return redirect("feedback:track", code=code)
        form.add_error("code", _("Mã tra cứu gồm 2 chữ cái và 10 ký tự, ví dụ KN-7KQ3M-X9TPA."))
    status = 400 if form.errors else 200
    return render(request, "feedback/public_track_lookup.html", {"form": form}, status=status)


def _item_or_missing(request: HttpRequest, code: str) -> Item | HttpResponse:
    intake_throttle(request, group="feedback-track")
    try:
        return selectors.item_by_tracking_code(code)
    except NotFound:
        form = TrackLookupForm(initial={"code": code[:40]})
        return render(
            request, "feedback/public_track_missing.html", {"form": form, "code": code[:40]}, status=404
        )


def _track_page(
    request: HttpRequest,
    item: Item,
    *,
    rate_form: RateForm | None = None,
    dispute_form: DisputeForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    track = selectors.tracking_shape(item)
    context = {
        "item": item,
        "track": track,
        "code_groups": item.tracking_code.split("-"),
        "dispute_until": services.dispute_deadline(item.case) if track["can_dispute"] else None,
        "is_new": request.GET.get("new") == "1",
        "rate_form": rate_form or RateForm(initial={"rating": item.rating}),
        "dispute_form": dispute_form or DisputeForm(),
        "error": error,
        "now": timezone.now(),
    }
    return render(request, "feedback/public_track.html", context, status=status)


@require_safe
def track(request: HttpRequest, code: str) -> HttpResponse:
    found = _item_or_missing(request, code)
    if isinstance(found, HttpResponse):
        return found
    if found.tracking_code != code:
        return redirect("feedback:track", code=found.tracking_code)
    return _track_page(request, found)


@require_POST
def track_rate(request: HttpRequest, code: str) -> HttpResponse:
    found = _item_or_missing(request, code)
    if isinstance(found, HttpResponse):
        return found
    form = RateForm(request.POST)
    if not form.is_valid():
        return _track_page(request, found, rate_form=form, status=400)
    try:
        services.item_rate(
            item=found, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
        )
    except AppError as error:
        _fields_to_form(form, error)
        return _track_page(request, found, rate_form=form, error=str(error.message), status=400)
    messages.success(request, _("Cảm ơn bạn đã đánh giá câu trả lời."))
    return redirect("feedback:track", code=found.tracking_code)


@require_POST
def track_dispute(request: HttpRequest, code: str) -> HttpResponse:
    found = _item_or_missing(request, code)
    if isinstance(found, HttpResponse):
        return found
    form = DisputeForm(request.POST)
    if not form.is_valid():
        return _track_page(request, found, dispute_form=form, status=400)
    try:
        services.item_dispute(item=found, reason=form.cleaned_data["reason"])
    except AppError as error:
        _fields_to_form(form, error)
        return _track_page(request, found, dispute_form=form, error=str(error.message), status=400)
    messages.success(request, _("Đã ghi nhận ý kiến không đồng ý. Hồ sơ được mở lại để xử lý."))
    return redirect("feedback:track", code=found.tracking_code)


def _fields_to_form(form: Any, error: AppError) -> None:
    for name, texts in error.fields.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


@require_safe
def published_list(request: HttpRequest) -> HttpResponse:
    form = PublishedFilterForm(
        request.GET or None, topics=list(selectors.topic_list()), provinces=list(selectors.province_list())
    )
    filters = {name: value for name, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    unit = None
    if filters.get("unit"):
        unit = Unit.objects.filter(code=filters["unit"].strip(), is_active=True).first()
        if unit is None:
            form.add_error("unit", _("Không có đơn vị với mã này."))
            filters = {}
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = selectors.published_case_page(
        page=number,
        per_page=PUBLISHED_PAGE_SIZE,
        topic=filters.get("topic", ""),
        kind=filters.get("kind", ""),
        province=filters.get("province", ""),
        unit=unit,
    )
    context = {"form": form, "page": page, "query": urlencode(filters)}
    return render(request, "feedback/public_published_list.html", context, status=400 if form.errors else 200)


@require_safe
def published_case(request: HttpRequest, case_id: int) -> HttpResponse:
    public = selectors.published_case_get(case_id=case_id)
    return render(request, "feedback/public_published_case.html", {"public": public, "case": public.case})


@require_safe
def unit_statistics(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "-received")
    if sort.lstrip("-") not in SORT_KEYS:
        sort = "-received"
    rows = statistics_by_unit(sort=sort)
    totals = {
        "received": sum(row.received for row in rows),
        "answered": sum(row.answered for row in rows),
        "on_time": sum(row.answered_on_time for row in rows),
        "overdue": sum(row.overdue_now for row in rows),
        "demo": sum(row.demo for row in rows),
    }
    columns = [
        ("name", _("Đơn vị")),
        ("received", pgettext("received", "Tiếp nhận")),
        ("answered", _("Đã trả lời")),
        ("on_time", _("Trả lời đúng hạn")),
        ("overdue", _("Đang quá hạn")),
        ("median", _("Thời gian trả lời (trung vị, ngày)")),
        ("satisfaction", _("Mức hài lòng")),
    ]
    context = {
        "rows": rows,
        "totals": totals,
        "sort": sort,
        "columns": columns,
        "generated_at": timezone.now(),
    }
    return render(request, "feedback/public_statistics.html", context)
