"""Monitoring pages: dashboards (live), my tasks, an assignment with its reports, the
verification queue, plans and league tables. Thin: parse, call a service or selector, render."""

import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import close_old_connections
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuocdo.audit.selectors import audit_latest_event_id
from thuocdo.core.errors import AppError, NotFound
from thuocdo.units.models import Unit
from thuocdo.units.selectors import unit_ancestors, unit_get, unit_root

from . import selectors, services
from .forms import JudgementForm, ReportForm, ReviewForm, VerificationForm
from .models import DashboardPin, Evidence, Indicator, Report, Verification
from .permissions import assignment_policy, report_policy, verification_policy

logger = logging.getLogger(__name__)
LIVE_POLL_SECONDS = 1.0


def _plan_from(request: HttpRequest) -> Any:
    plan_id = request.GET.get("plan", "")
    return selectors.plan_get(plan_id=int(plan_id)) if plan_id.isdigit() else None


def _dashboard_context(unit: Unit, plan: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "unit": unit,
        "plan": plan,
        "attention": selectors.attention_list(within=unit, plan=plan, limit=25),
        "trend": selectors.progress_over_time(within=unit, plan=plan),
        "plans": selectors.plan_list(),
        "pins": selectors.dashboard_pins(unit=unit),
    }
    if unit.depth == 0:
        overview = selectors.national_overview(plan=plan)
        context.update(card=overview.card, provinces=overview.provinces, ministries=overview.ministries)
    else:
        context["card"] = selectors.unit_scorecard(unit=unit, plan=plan)
    return context


@login_required
def dashboard(request: HttpRequest, code: str | None = None) -> HttpResponse:
    unit = unit_get(code=code) if code else unit_root()
    plan = _plan_from(request)
    context = _dashboard_context(unit, plan)
    context["ancestors"] = unit_ancestors(unit=unit)
    if assignment_policy.user_may_in_unit(request.user, "review", unit):
        context["pin_choices"] = selectors.pinnable_indicators()
    template = (
        "delivery/_dashboard_body.html" if request.headers.get("HX-Request") else "delivery/dashboard.html"
    )
    return render(request, template, context)


@login_required
def live(request: HttpRequest) -> StreamingHttpResponse:
    """Server-sent events: one `changed` event whenever anything is written (every write
    appends to the audit log, so its newest id is a cheap change counter). The browser
    reconnects by itself when the stream ends."""

    def events() -> Iterator[str]:
        last = audit_latest_event_id()
        yield "retry: 2000\n\n"
        deadline = time.monotonic() + settings.THUOCDO_LIVE_STREAM_SECONDS
        try:
            while time.monotonic() < deadline:
                time.sleep(LIVE_POLL_SECONDS)
                current = audit_latest_event_id()
                if current != last:
                    last = current
                    yield f"event: changed\ndata: {current}\n\n"
                else:
                    yield ": keep-alive\n\n"
        except Exception:  # the database went away (shutdown): end the stream, the browser reconnects
            logger.info("live stream ended early", exc_info=True)
        finally:
            close_old_connections()

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    assignments = list(selectors.my_assignments(user=request.user)[:500])
    return render(request, "delivery/my_tasks.html", {"assignments": assignments})


def _assignment_context(request: HttpRequest, assignment: Any) -> dict[str, Any]:
    user = request.user
    may_see_internal = assignment_policy.user_may(user, "view_internal", assignment)
    indicators = list(assignment.task.indicators.filter(is_current=True))
    return {
        "assignment": assignment,
        "task": assignment.task,
        "indicators": indicators,
        "judgement": assignment.judgements.select_related("judged_by").first() if may_see_internal else None,
        "reports": selectors.report_history(actor=user, assignment=assignment) if may_see_internal else [],
        "may_report": assignment_policy.user_may(user, "report", assignment),
        "may_review": assignment_policy.user_may_review(user, assignment),
        "may_judge": assignment_policy.user_may(user, "judge", assignment),
        "may_verify": verification_policy.user_may_in_unit(user, "verify", assignment.unit),
        # Verification notes are internal to the centre's verifiers (and administrators).
        "may_see_verification_notes": verification_policy.user_may_in_unit(user, "view", assignment.unit),
        "report_form": ReportForm(indicators=indicators, initial={"idempotency_key": uuid.uuid4().hex}),
        "review_form": ReviewForm(),
        "verification_form": VerificationForm(),
        "judgement_form": JudgementForm(),
    }


@login_required
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.assignment_get(assignment_id=assignment_id)
    return render(request, "delivery/assignment_detail.html", _assignment_context(request, assignment))


def _error_text(error: AppError) -> str:
    return "; ".join([str(error.message), *(m for msgs in error.fields.values() for m in msgs)])


def _apply_errors(form: Any, error: AppError) -> None:
    if not error.fields:
        form.add_error(None, str(error.message))
    for field, messages_ in error.fields.items():
        target = field if field in form.fields else None
        if field.startswith("values."):
            key = f"value_{field.split('.', 1)[1]}"
            target = key if key in form.fields else None
        if field == "evidence":
            target = "evidence_files"
        for message in messages_:
            form.add_error(target, message if target else f"{field}: {message}")


@login_required
@require_POST
def report_submit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.assignment_get(assignment_id=assignment_id)
    indicators = list(assignment.task.indicators.filter(is_current=True))
    form = ReportForm(request.POST, request.FILES, indicators=indicators)
    if form.is_valid():
        data = form.cleaned_data
        values = [
            services.IndicatorValueInput(key=i.key, value=data[f"value_{i.key}"])
            for i in indicators
            if data.get(f"value_{i.key}", "").strip()
        ]
        try:
            services.report_submit(
                actor=request.user,
                assignment=assignment,
                period=data["period"],
                progress=data["progress"],
                narrative=data["narrative"],
                obstacles=data["obstacles"],
                proposals=data["proposals"],
                values=values,
                evidence_files=data["evidence_files"],
                evidence_links=form.links(),
                idempotency_key=data["idempotency_key"] or None,
            )
        except AppError as error:
            if error.status == 403:
                raise
            _apply_errors(form, error)
        else:
            messages.success(request, _("Đã gửi báo cáo tiến độ."))
            return redirect("delivery:assignment", assignment_id=assignment.pk)
    context = _assignment_context(request, assignment)
    context["report_form"] = form
    return render(request, "delivery/assignment_detail.html", context, status=400)


@login_required
@require_POST
def report_review(request: HttpRequest, report_id: int) -> HttpResponse:
    report = Report.objects.select_related("assignment", "assignment__unit").filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Quyết định không hợp lệ."))
    else:
        try:
            services.report_review(
                actor=request.user,
                report=report,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Đã ghi nhận quyết định."))
        except AppError as error:
            if error.status == 403:
                raise
            messages.error(request, _error_text(error))
    return redirect("delivery:assignment", assignment_id=report.assignment_id)


@login_required
@require_POST
def judgement_record(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.assignment_get(assignment_id=assignment_id)
    form = JudgementForm(request.POST)
    if form.is_valid():
        services.judgement_record(
            actor=request.user,
            assignment=assignment,
            colour=form.cleaned_data["colour"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Đã ghi đánh giá của lãnh đạo."))
    else:
        messages.error(request, _("Cần chọn màu và nêu lý do."))
    return redirect("delivery:assignment", assignment_id=assignment.pk)


@login_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    verification_policy.require(request.user, "view")
    items = list(selectors.verification_queue(actor=request.user)[:200])
    return render(request, "delivery/verification_queue.html", {"items": items, "form": VerificationForm()})


@login_required
@require_POST
def verification_request(request: HttpRequest, report_id: int) -> HttpResponse:
    report = Report.objects.select_related("assignment__unit").filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    services.verification_request(actor=request.user, report=report)
    messages.success(request, _("Đã đưa báo cáo vào danh sách kiểm tra."))
    return redirect("delivery:verification_queue")


@login_required
@require_POST
def verification_decide(request: HttpRequest, verification_id: int) -> HttpResponse:
    verification = (
        Verification.objects.select_related("report__assignment__unit").filter(pk=verification_id).first()
    )
    if verification is None:
        raise NotFound()
    form = VerificationForm(request.POST)
    if form.is_valid():
        try:
            services.verification_decide(
                actor=request.user,
                verification=verification,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Đã ghi kết luận kiểm tra."))
        except AppError as error:
            if error.status == 403:
                raise
            messages.error(request, _error_text(error))
    return redirect("delivery:verification_queue")


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> Any:
    evidence = Evidence.objects.select_related("report__assignment__unit").filter(pk=evidence_id).first()
    if evidence is None or not evidence.file:
        raise NotFound()
    report_policy.require(request.user, "view", evidence.report)
    return FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name or "minh-chung"
    )


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "delivery/plans.html", {"plans": selectors.plan_list()})


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(plan_id=plan_id)
    tasks = list(selectors.task_list(plan=plan))
    counts = selectors.task_colour_counts(tasks=tasks)
    rows = [(task, counts.get(task.pk, {})) for task in tasks]
    return render(request, "delivery/plan_detail.html", {"plan": plan, "rows": rows})


@login_required
def league(request: HttpRequest) -> HttpResponse:
    plan = _plan_from(request)
    overview = selectors.national_overview(plan=plan)
    return render(
        request,
        "delivery/league.html",
        {
            "plan": plan,
            "plans": selectors.plan_list(),
            "provinces": overview.provinces,
            "ministries": overview.ministries,
        },
    )


@login_required
@require_POST
def pin_add(request: HttpRequest, code: str) -> HttpResponse:
    unit = unit_get(code=code)
    indicator_id = request.POST.get("indicator", "")
    indicator = (
        Indicator.objects.filter(pk=int(indicator_id), is_current=True).first()
        if indicator_id.isdigit()
        else None
    )
    if indicator is None:
        messages.error(request, _("Hãy chọn một chỉ tiêu."))
    else:
        services.dashboard_pin_add(actor=request.user, unit=unit, indicator=indicator)
        messages.success(request, _("Đã ghim chỉ tiêu lên bảng điều hành."))
    return redirect("delivery:unit_dashboard", code=unit.code)


@login_required
@require_POST
def pin_remove(request: HttpRequest, pin_id: int) -> HttpResponse:
    pin = DashboardPin.objects.select_related("unit").filter(pk=pin_id).first()
    if pin is None:
        raise NotFound()
    services.dashboard_pin_remove(actor=request.user, pin=pin)
    messages.success(request, _("Đã bỏ ghim."))
    return redirect("delivery:unit_dashboard", code=pin.unit.code)
