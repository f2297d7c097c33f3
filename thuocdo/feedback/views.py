"""The handlers' desk: inbox, triage queue, escalations, backlog by age, and the case
page with every handling step. Thin: parse, call one service or selector, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuocdo.core.errors import AppError, NotFound
from thuocdo.units.models import Unit

from . import selectors, services
from .models import BlockedTerm, Case, CaseState, Item, Kind, KindSetting, RejectReason
from .permissions import case_policy
from .services import configuration

PAGE_SIZE = 50


def _unit_or_404(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip(), is_active=True).first()
    if unit is None:
        raise NotFound(fields={"unit": [_("Không có đơn vị với mã này.")]})
    return unit


def _home_unit(user: Any) -> Unit | None:
    scopes = case_policy.scopes(user, "view")
    if not scopes:
        return None
    top = min(scopes, key=lambda scope: scope.depth)
    return Unit.objects.filter(pk=top.unit_id).first()


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    params = request.GET
    cases = selectors.case_list(
        user=request.user,
        state=params.get("state") or None,
        open_only=params.get("open") == "1",
        overdue_only=params.get("overdue") == "1",
        kind=params.get("kind") or None,
        query=params.get("q", "")[:200],
    ).select_related("suggested_unit")
    page = Paginator(cases, PAGE_SIZE).get_page(params.get("page"))
    return render(
        request,
        "feedback/inbox.html",
        {
            "page": page,
            "states": CaseState.choices,
            "kinds": Kind.choices,
            "params": params,
            "now": timezone.now(),
            "is_standing_office": case_policy.is_standing_office(request.user),
        },
    )


@login_required
def triage(request: HttpRequest) -> HttpResponse:
    queue = selectors.triage_queue(user=request.user)
    if not case_policy.is_standing_office(request.user):
        case_policy.record_denial(request.user, "triage", None, None)
        raise NotFound()
    return render(request, "feedback/triage.html", {"cases": queue[:200], "total": queue.count()})


@login_required
def escalations(request: HttpRequest) -> HttpResponse:
    cases = selectors.escalated_cases(user=request.user)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/escalations.html", {"page": page, "now": timezone.now()})


@login_required
def backlog(request: HttpRequest, code: str | None = None) -> HttpResponse:
    unit = _unit_or_404(code) if code else _home_unit(request.user)
    if unit is None:
        raise NotFound()
    summary = selectors.unit_backlog(user=request.user, unit=unit)
    oldest = selectors.case_list(user=request.user, unit=unit, open_only=True).order_by("received_at")[:20]
    children = Unit.objects.filter(parent=unit, is_active=True).order_by("name")[:60]
    return render(
        request,
        "feedback/backlog.html",
        {"summary": summary, "oldest": oldest, "children": children, "now": timezone.now()},
    )


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    user = request.user
    handle = case_policy.user_may(user, "handle", case)
    office = case_policy.is_standing_office(user)
    from .services.similar import similar_cases  # noqa: PLC0415 - optional module

    return {
        "case": case,
        "items": case.items.select_related("province", "commune").prefetch_related("attachments"),
        "history": selectors.case_history(case=case, public_only=False),
        "may_handle": handle,
        "is_standing_office": office,
        "may_view_personal": case_policy.user_may_view_personal(user, case),
        "reject_reasons": RejectReason.choices,
        "similar": similar_cases(case=case, limit=5) if case.is_open and (handle or office) else [],
        "now": timezone.now(),
        **extra,
    }


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    return render(request, "feedback/case_detail.html", _case_context(request, case))


def _run_action(request: HttpRequest, case: Case, action: str) -> str:  # noqa: PLR0911 - one return per action
    post, user = request.POST, request.user
    if action == "accept":
        services.case_accept(actor=user, case=case)
        return _("Đã nhận xử lý.")
    if action == "transfer":
        services.case_transfer(
            actor=user, case=case, to_unit=_unit_or_404(post.get("unit", "")), reason=post.get("reason", "")
        )
        return _("Đã chuyển đơn vị.")
    if action == "triage":
        services.case_triage(
            actor=user, case=case, unit=_unit_or_404(post.get("unit", "")), note=post.get("note", "")
        )
        return _("Đã giao đơn vị xử lý.")
    if action == "pause":
        services.case_pause(actor=user, case=case, reason=post.get("reason", ""))
        return _("Đã tạm dừng thời hạn, chờ người gửi bổ sung.")
    if action == "resume":
        services.case_resume(actor=user, case=case, note=post.get("note", ""))
        return _("Đã tiếp tục xử lý.")
    if action == "answer":
        services.case_answer(actor=user, case=case, answer=post.get("answer", ""))
        return _("Đã gửi trả lời.")
    if action == "close":
        services.case_close(actor=user, case=case)
        return _("Đã đóng hồ sơ.")
    if action == "reject":
        services.case_reject(actor=user, case=case, reason=post.get("reason", ""), note=post.get("note", ""))
        return _("Đã từ chối hồ sơ.")
    if action == "merge":
        try:
            into_id = int(post.get("into", ""))
        except ValueError as error:
            raise NotFound(fields={"into": [_("Nhập số hồ sơ để gộp vào.")]}) from error
        services.case_merge(
            actor=user,
            case=case,
            into=selectors.case_get(user=user, case_id=into_id),
            note=post.get("note", ""),
        )
        return _("Đã gộp hồ sơ.")
    if action == "publish":
        services.case_publish(actor=user, case=case, public_summary=post.get("public_summary", ""))
        return _("Đã công khai kết quả.")
    if action == "note":
        services.case_note(actor=user, case=case, note=post.get("note", ""))
        return _("Đã ghi chú.")
    raise NotFound()


@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    case = Case.objects.select_related("unit", "topic").filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    try:
        message = _run_action(request, case, action)
    except AppError as error:
        if error.status in (401, 403):
            raise
        details = [m for msgs in error.fields.values() for m in msgs]
        case.refresh_from_db()
        context = _case_context(
            request, case, error=error.message, error_details=details, failed_action=action
        )
        return render(
            request, "feedback/case_detail.html", context, status=error.status if error.status != 404 else 400
        )
    messages.success(request, message)
    if action == "merge":
        case.refresh_from_db()
        return redirect("feedback:case", case_id=case.merged_into_id or case.pk)
    return redirect("feedback:case", case_id=case.pk)


@login_required
@require_POST
def item_contact(request: HttpRequest, item_id: int) -> HttpResponse:
    item = Item.objects.select_related("case").filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    contact = services.item_contact_view(actor=request.user, item=item)
    return render(request, "feedback/_contact.html", {"item": item, "contact": contact})


@login_required
def desk_settings(request: HttpRequest) -> HttpResponse:
    """Deadlines and anonymity per kind, and the blocked-terms list (Standing Office)."""
    if not case_policy.is_standing_office(request.user, "configure"):
        case_policy.record_denial(request.user, "configure", None, None)
        raise NotFound()
    error: AppError | None = None
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "kind":
                configuration.kind_setting_update(
                    actor=request.user,
                    kind=post.get("kind", ""),
                    answer_working_days=post.get("answer_working_days"),
                    transfer_working_days=post.get("transfer_working_days"),
                    dispute_days=post.get("dispute_days"),
                    allow_anonymous=post.get("allow_anonymous") == "on",
                )
            elif post.get("action") == "term_add":
                configuration.blocked_term_add(actor=request.user, term=post.get("term", ""))
            elif post.get("action") == "term_remove":
                configuration.blocked_term_remove(actor=request.user, term_id=int(post.get("term_id") or 0))
        except AppError as caught:
            error = caught
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("feedback:settings")
    for kind in Kind.values:
        KindSetting.objects.get_or_create(kind=kind)
    context = {
        "settings_by_kind": KindSetting.objects.order_by("kind"),
        "terms": BlockedTerm.objects.order_by("term"),
        "error": error,
        "error_details": [m for msgs in error.fields.values() for m in msgs] if error else [],
        "is_standing_office": True,
    }
    return render(request, "feedback/settings.html", context, status=error.status if error else 200)
