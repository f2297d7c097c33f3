"""Initiative endpoints (/api/v1/initiatives). Registration, tracking by code and the
published decisions are public; the rest needs a token or a session and goes through the
same services and selectors as the pages (blind review included). Thin."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params import HeaderEx, P

from thuocdo.accounts.models import User
from thuocdo.core.errors import NotFound, ValidationFailed
from thuocdo.delivery.models import Plan
from thuocdo.units.models import Unit

from . import selectors, services
from .models import Initiative, InitiativeStatus, Outcome
from .permissions import initiative_policy
from .schemas import (
    AssignIn,
    ConflictIn,
    DecisionIn,
    DecisionOut,
    InitiativeDetailOut,
    InitiativeIn,
    InternalListItemOut,
    PublicInitiativeOut,
    RegisteredOut,
    ReviewOut,
    ReviewSubmitIn,
    ScreeningIn,
    TrackingOut,
)

router = Router(tags=["Sáng kiến đột phá"])

IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        max_length=80,
        description="Gửi lại cùng khoá và cùng nội dung sẽ nhận lại đúng sáng kiến đã tạo",
    ),
]


def _registered(initiative: Initiative) -> dict[str, Any]:
    return {
        "id": initiative.pk,
        "tracking_code": initiative.tracking_code,
        "status": initiative.status,
        "tracking_url": reverse("initiatives:track", args=[initiative.tracking_code]),
    }


@router.post(
    "/",
    response={200: RegisteredOut, 201: RegisteredOut},
    auth=None,
    summary="Đăng ký sáng kiến đột phá (công khai, không cần tài khoản)",
)
def register(request: HttpRequest, payload: InitiativeIn, idempotency_key: IdempotencyKey = None) -> object:
    # Anyone may call this. A shared per-client rate limiter is to sit in front of the
    # public intake endpoints; until then the honeypot and the size limits apply.
    initiative = services.initiative_register(
        actor=request.user,
        content=services.InitiativeContent(
            title=payload.title,
            problem=payload.problem,
            solution=payload.solution,
            area_code=payload.area,
            budget_million_vnd=payload.budget_million_vnd,
            duration_months=payload.duration_months,
            lead_organisation=payload.lead_organisation,
            team=payload.team,
            expected_results=[
                services.ExpectedResultInput(
                    name=r.name, unit_of_measure=r.unit_of_measure, target=r.target, baseline=r.baseline
                )
                for r in payload.expected_results
            ],
        ),
        contact=services.Contact(
            name=payload.contact_name, email=payload.contact_email, phone=payload.contact_phone
        ),
        consent=payload.consent,
        honeypot=payload.website,
        idempotency_key=idempotency_key,
    )
    return Status(200 if getattr(initiative, "replayed", False) else 201, _registered(initiative))


@router.get("/track/{code}", response=TrackingOut, auth=None, summary="Tra cứu sáng kiến bằng mã (công khai)")
def track(request: HttpRequest, code: str) -> object:
    return selectors.tracking_get(code=code)


class PublishedFilters(Schema):
    outcome: Outcome | None = None


@router.get(
    "/published", response=list[PublicInitiativeOut], auth=None, summary="Quyết định đã công bố (công khai)"
)
@paginate(LimitOffsetPagination)
def published_list(request: HttpRequest, filters: Query[PublishedFilters]) -> object:
    return selectors.published_list(outcome=filters.outcome)


@router.get(
    "/published/{initiative_id}", response=PublicInitiativeOut, auth=None, summary="Một quyết định đã công bố"
)
def published_detail(request: HttpRequest, initiative_id: int) -> object:
    return selectors.published_get(initiative_id=initiative_id)


class QueueFilters(Schema):
    status: InitiativeStatus | None = None


@router.get("/", response=list[InternalListItemOut], summary="Hồ sơ sáng kiến (Văn phòng thường trực)")
@paginate(LimitOffsetPagination)
def initiative_list(request: HttpRequest, filters: Query[QueueFilters]) -> object:
    return selectors.initiative_queue(actor=request.user, status=filters.status)


@router.get(
    "/reviews/mine", response=list[ReviewOut], summary="Phiếu thẩm định được giao cho tôi (chuyên gia)"
)
@paginate(LimitOffsetPagination)
def my_reviews(request: HttpRequest) -> object:
    return selectors.my_reviews(actor=request.user).prefetch_related("scores__criterion")


def _detail(request: HttpRequest, initiative: Initiative) -> dict[str, Any]:
    office = initiative_policy.is_office(request.user)
    return {
        **{
            name: getattr(initiative, name)
            for name in (
                "id",
                "tracking_code",
                "title",
                "problem",
                "solution",
                "budget_million_vnd",
                "duration_months",
                "lead_organisation",
                "team",
                "status",
                "version",
                "submitted_at",
                "ineligible_reason",
                "task_id",
                "is_demo",
            )
        },
        "area": initiative.area.code,
        "expected_results": list(initiative.expected_results.filter(version=initiative.version)),
        "reviews": selectors.reviews_visible(actor=request.user, initiative=initiative),
        "contact_name": initiative.contact_name if office else None,
        "contact_email": initiative.contact_email if office else None,
        "contact_phone": initiative.contact_phone if office else None,
    }


@router.get(
    "/{initiative_id}",
    response=InitiativeDetailOut,
    summary="Chi tiết sáng kiến (Văn phòng thường trực, chuyên gia được giao)",
)
def initiative_detail(request: HttpRequest, initiative_id: int) -> object:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    return _detail(request, initiative)


@router.post("/{initiative_id}/screening", response=InitiativeDetailOut, summary="Xét điều kiện")
def screening(request: HttpRequest, initiative_id: int, payload: ScreeningIn) -> object:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    if payload.action == "start":
        initiative = services.initiative_screening_start(actor=request.user, initiative=initiative)
    else:
        initiative = services.initiative_screen(
            actor=request.user,
            initiative=initiative,
            eligible=payload.action == "eligible",
            reason=payload.reason,
        )
    return _detail(request, initiative)


@router.post("/{initiative_id}/experts", response={201: ReviewOut}, summary="Phân công chuyên gia thẩm định")
def assign_expert(request: HttpRequest, initiative_id: int, payload: AssignIn) -> object:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    expert = User.objects.filter(username=payload.expert).first()
    if expert is None:
        raise ValidationFailed(fields={"expert": [_("Không có người dùng này.")]})
    return Status(201, services.review_assign(actor=request.user, initiative=initiative, expert=expert))


@router.post("/reviews/{review_id}/conflict", response=ReviewOut, summary="Khai báo xung đột lợi ích")
def declare_conflict(request: HttpRequest, review_id: int, payload: ConflictIn) -> object:
    review = selectors.review_get(actor=request.user, review_id=review_id)
    return services.review_declare_conflict(
        actor=request.user, review=review, has_conflict=payload.has_conflict, note=payload.note
    )


@router.post("/reviews/{review_id}/submit", response=ReviewOut, summary="Nộp phiếu chấm điểm")
def submit_review(request: HttpRequest, review_id: int, payload: ReviewSubmitIn) -> object:
    review = selectors.review_get(actor=request.user, review_id=review_id)
    return services.review_submit(
        actor=request.user, review=review, scores=payload.scores, comment=payload.comment
    )


@router.post("/{initiative_id}/decision", response={201: DecisionOut}, summary="Ghi quyết định của Hội đồng")
def decide(request: HttpRequest, initiative_id: int, payload: DecisionIn) -> object:
    initiative = selectors.initiative_get(actor=request.user, initiative_id=initiative_id)
    unit = None
    if payload.responsible_unit:
        unit = Unit.objects.filter(code=payload.responsible_unit).first()
        if unit is None:
            raise ValidationFailed(fields={"responsible_unit": [_("Không có đơn vị với mã này.")]})
    plan = None
    if payload.plan_id is not None:
        plan = Plan.objects.filter(pk=payload.plan_id).first()
        if plan is None:
            raise NotFound()
    decision = services.initiative_decide(
        actor=request.user,
        initiative=initiative,
        outcome=payload.outcome,
        reasons=payload.reasons,
        minutes_summary=payload.minutes_summary,
        minutes=payload.minutes,
        meeting_on=payload.meeting_on,
        responsible_unit=unit,
        plan=plan,
    )
    return Status(201, decision)
