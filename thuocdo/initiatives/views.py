"""Initiative pages. Public: registration, the tracking page (and resubmission after
"needs revision"), published decisions. Internal: the Standing Office's queue, an
initiative's file (screening, experts, decision), the ranking; an expert's assignments and
review form. Thin: parse, call one service or selector, render."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from thuocdo.accounts.models import User
from thuocdo.core.errors import AppError, NotFound, ValidationFailed
from thuocdo.delivery.models import Plan
from thuocdo.units.models import Unit

from . import selectors, services
from .forms import (
    AssignExpertForm,
    ConflictForm,
    DecisionForm,
    RegistrationForm,
    ResubmitForm,
    ScoreForm,
    ScreeningForm,
    TrackingLookupForm,
)
from .models import ConflictStatus, InitiativeStatus, Outcome, ReviewStatus
from .permissions import initiative_policy, review_policy


def _apply_errors(form: Any, error: AppError) -> None:
    """Put a service's field errors on the form (fields it does not have go on top)."""
    if not error.fields:
        form.add_error(None, str(error.message))
    aliases = {"area": "area", "expected_results": "result_1_name", "reasons": "reasons"}
    for name, problems in error.fields.items():
        field: str | None = aliases.get(name, name)
        if name.startswith("scores."):
            field = "score_" + name.split(".", 1)[1]
        if field not in form.fields:
            field = None
        for problem in problems:
            form.add_error(field, problem)


# --- public ----------------------------------------------------------------------------------------


@require_safe
def public_list(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in Outcome.values else ""
    items = selectors.published_list(outcome=outcome or None)
    return render(
        request,
        "initiatives/public_list.html",
        {
            "items": items,
            "outcome": outcome,
            "outcomes": Outcome.choices,
            "any_demo": any(i.is_demo for i in items),
        },
    )


@require_safe
def public_detail(request: HttpRequest, initiative_id: int) -> HttpResponse:
    item = selectors.published_get(initiative_id=initiative_id)
    return render(request, "initiatives/public_detail.html", {"item": item})


def register(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                initiative = services.initiative_register(
                    actor=request.user,
                    content=form.content(),
                    contact=form.contact(),
                    consent=bool(data["consent"]),
                    attachments=data["attachments"],
                    honeypot=data["website"],
                    idempotency_key=data["idempotency_key"] or None,
                )
            except AppError as error:
                _apply_errors(form, error)
            else:
                request.session["initiative_registered"] = initiative.tracking_code
                return redirect("initiatives:registered")
        status = 400
    else:
        form = RegistrationForm(initial={"idempotency_key": uuid.uuid4().hex})
        status = 200
    return render(request, "initiatives/register.html", {"form": form}, status=status)


@require_safe
def registered(request: HttpRequest) -> HttpResponse:
    """The confirmation, once, with the tracking code (kept in the session, not the URL)."""
    code = request.session.get("initiative_registered")
    if not code:
        return redirect("initiatives:register")
    return render(request, "initiatives/registered.html", {"code": code})


@require_safe
def track_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackingLookupForm(request.GET or None)
    if form.is_valid():
        try:
            view = selectors.tracking_get(code=form.cleaned_data["code"])
        except NotFound:
            form.add_error("code", _("Không tìm thấy sáng kiến với mã tra cứu này."))
        else:
            return redirect("initiatives:track", code=view.tracking_code)
    return render(
        request, "initiatives/track_lookup.html", {"form": form}, status=400 if form.errors else 200
    )


@require_safe
def track(request: HttpRequest, code: str) -> HttpResponse:
    view = selectors.tracking_get(code=code)
    response = render(request, "initiatives/track.html", {"item": view})
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the code is the key to this page
    return response


def resubmit(request: HttpRequest, code: str) -> HttpResponse:
    view = selectors.tracking_get(code=code)
    if not view.may_resubmit:
        messages.error(request, _("Sáng kiến này không ở trạng thái được gửi lại."))
        return redirect("initiatives:track", code=view.tracking_code)
    if request.method == "POST":
        form = ResubmitForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.initiative_resubmit(
                    actor=request.user,
                    tracking_code=view.tracking_code,
                    contact_email=form.cleaned_data["contact_email"],
                    content=form.content(),
                    attachments=form.cleaned_data["attachments"],
                )
            except AppError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Đã gửi lại sáng kiến. Phiên bản mới sẽ được xét như lần đầu."))
                return redirect("initiatives:track", code=view.tracking_code)
        status = 400
    else:
        form = ResubmitForm()
        status = 200
    return render(request, "initiatives/resubmit.html", {"form": form, "item": view}, status=status)


# --- the Standing Office ---------------------------------------------------------------------------


@login_required
@require_safe
def office_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in InitiativeStatus.values else ""
    items = list(selectors.initiative_queue(actor=request.user, status=status or None)[:500])
    context = {"items": items, "status": status, "statuses": InitiativeStatus.choices}
    if request.htmx and request.htmx.target == "initiative-queue":  # type: ignore[attr-defined]
        return render(request, "initiatives/_queue.html", context)
    return render(request, "initiatives/office_queue.html", context)


@login_required
@require_safe
def office_ranking(request: HttpRequest) -> HttpResponse:
    return render(request, "initiatives/ranking.html", {"items": selectors.ranking(actor=request.user)})


def _detail_context(request: HttpRequest, initiative: Any) -> dict[str, Any]:
    user = request.user
    is_office = initiative_policy.is_office(user)
    reviews = selectors.reviews_visible(actor=user, initiative=initiative)
    mean, counted = services.review_round_score(initiative) if is_office else (None, 0)
    return {
        "initiative": initiative,
        "is_office": is_office,
        "results": initiative.expected_results.filter(version=initiative.version),
        "attachments": initiative.attachments.all(),
        "versions": initiative.versions.all(),
        "decisions": initiative.decisions.select_related("responsible_unit", "plan", "decided_by"),
        "reviews": reviews,
        "round_score": mean,
        "round_reviews": counted,
        "min_reviews": services.MIN_REVIEWS,
        "may_screen": initiative_policy.user_may(user, "screen", initiative),
        "may_assign": initiative_policy.user_may(user, "assign", initiative),
        "may_decide": initiative_policy.user_may(user, "decide", initiative),
        "screening_form": ScreeningForm(),
        "assign_form": AssignExpertForm(experts=selectors.expert_candidates()),
        "decision_form": DecisionForm(),
        "statuses": InitiativeStatus,
    }


@login_required
@require_safe
def office_detail(request: HttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    if not initiative_policy.is_office(request.user):
        # Experts work from their review page, which applies the blind-review rule.
        review = selectors.my_reviews(actor=request.user).filter(initiative=initiative).first()
        if review is None:
            raise NotFound()
        return redirect("initiatives:review", review_id=review.pk)
    return render(request, "initiatives/office_detail.html", _detail_context(request, initiative))


@login_required
@require_POST
def office_screen(request: HttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    if request.POST.get("start") == "1":
        services.initiative_screening_start(actor=request.user, initiative=initiative)
        messages.success(request, _("Đã đưa sáng kiến vào xét điều kiện."))
        return redirect("initiatives:office_detail", initiative_id=initiative.pk)
    form = ScreeningForm(request.POST)
    if form.is_valid():
        try:
            services.initiative_screen(
                actor=request.user,
                initiative=initiative,
                eligible=form.cleaned_data["decision"] == "eligible",
                reason=form.cleaned_data["reason"],
            )
        except AppError as error:
            if error.status == 403:
                raise
            _apply_errors(form, error)
        else:
            messages.success(request, _("Đã ghi kết quả xét điều kiện."))
            return redirect("initiatives:office_detail", initiative_id=initiative.pk)
    context = _detail_context(request, initiative)
    context["screening_form"] = form
    return render(request, "initiatives/office_detail.html", context, status=400)


@login_required
@require_POST
def office_assign(request: HttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    experts = selectors.expert_candidates()
    form = AssignExpertForm(request.POST, experts=experts)
    if form.is_valid():
        try:
            services.review_assign(
                actor=request.user,
                initiative=initiative,
                expert=User.objects.filter(pk=int(form.cleaned_data["expert"])).first(),
            )
        except AppError as error:
            if error.status == 403:
                raise
            _apply_errors(form, error)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                context = _detail_context(request, initiative)
                return render(request, "initiatives/_office_reviews.html", context)
            messages.success(request, _("Đã phân công chuyên gia."))
            return redirect("initiatives:office_detail", initiative_id=initiative.pk)
    context = _detail_context(request, initiative)
    context["assign_form"] = form
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "initiatives/_office_reviews.html", context, status=400)
    return render(request, "initiatives/office_detail.html", context, status=400)


@login_required
@require_POST
def office_decide(request: HttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            unit = None
            if data["responsible_unit"].strip():
                unit = Unit.objects.filter(code=data["responsible_unit"].strip()).first()
                if unit is None:
                    raise ValidationFailed(fields={"responsible_unit": [_("Không có đơn vị với mã này.")]})
            plan = Plan.objects.filter(pk=data["plan_id"]).first() if data["plan_id"] else None
            services.initiative_decide(
                actor=request.user,
                initiative=initiative,
                outcome=data["outcome"],
                reasons=data["reasons"],
                minutes_summary=data["minutes_summary"],
                minutes=data["minutes"],
                meeting_on=data["meeting_on"],
                responsible_unit=unit,
                plan=plan,
            )
        except AppError as error:
            if error.status == 403:
                raise
            _apply_errors(form, error)
        else:
            messages.success(request, _("Đã ghi và công bố quyết định của Hội đồng."))
            return redirect("initiatives:office_detail", initiative_id=initiative.pk)
    context = _detail_context(request, initiative)
    context["decision_form"] = form
    return render(request, "initiatives/office_detail.html", context, status=400)


@login_required
@require_safe
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get(actor=request.user, attachment_id=attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- experts -----------------------------------------------------------------------------------------


@login_required
@require_safe
def expert_reviews(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "initiatives/expert_reviews.html",
        {"reviews": list(selectors.my_reviews(actor=request.user))},
    )


def _review_context(request: HttpRequest, review: Any) -> dict[str, Any]:
    initiative = review.initiative
    current = review.version == initiative.version
    may_read = review.conflict == ConflictStatus.NONE or initiative_policy.is_office(request.user)
    others = [
        r
        for r in selectors.reviews_visible(actor=request.user, initiative=initiative)
        if r.pk != review.pk and r.status == ReviewStatus.SUBMITTED
    ]
    rubric = selectors.rubric_active_or_none()
    return {
        "review": review,
        "initiative": initiative,
        "may_read": may_read,
        "results": initiative.expected_results.filter(version=initiative.version) if may_read else [],
        "attachments": initiative.attachments.filter(version=initiative.version) if may_read else [],
        "others": others if current else [],
        "may_declare": current
        and initiative.status == InitiativeStatus.IN_REVIEW
        and review.conflict == ConflictStatus.UNDECLARED
        and review_policy.user_may(request.user, "review", review),
        "may_score": current
        and initiative.status == InitiativeStatus.IN_REVIEW
        and review.conflict == ConflictStatus.NONE
        and review.status == ReviewStatus.ASSIGNED
        and review_policy.user_may(request.user, "review", review),
        "conflict_form": ConflictForm(),
        "score_form": ScoreForm(rubric=rubric),
        "own_scores": list(review.scores.select_related("criterion")),
    }


@login_required
@require_safe
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_get(actor=request.user, review_id=review_id)
    return render(request, "initiatives/review.html", _review_context(request, review))


@login_required
@require_POST
def review_conflict(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_get(actor=request.user, review_id=review_id)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.review_declare_conflict(
                actor=request.user,
                review=review,
                has_conflict=form.cleaned_data["has_conflict"] == "yes",
                note=form.cleaned_data["note"],
            )
        except AppError as error:
            if error.status == 403:
                raise
            _apply_errors(form, error)
        else:
            messages.success(request, _("Đã ghi khai báo xung đột lợi ích."))
            return redirect("initiatives:review", review_id=review.pk)
    context = _review_context(request, review)
    context["conflict_form"] = form
    return render(request, "initiatives/review.html", context, status=400)


@login_required
@require_POST
def review_submit(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_get(actor=request.user, review_id=review_id)
    form = ScoreForm(request.POST, rubric=selectors.rubric_active_or_none())
    if form.is_valid():
        try:
            services.review_submit(
                actor=request.user, review=review, scores=form.scores(), comment=form.cleaned_data["comment"]
            )
        except AppError as error:
            if error.status == 403:
                raise
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("Đã nộp phiếu chấm. Bạn có thể xem điểm của các chuyên gia khác đã nộp.")
            )
            return redirect("initiatives:review", review_id=review.pk)
    context = _review_context(request, review)
    context["score_form"] = form
    return render(request, "initiatives/review.html", context, status=400)
