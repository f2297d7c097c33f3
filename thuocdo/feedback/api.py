"""Feedback desk endpoints (/api/v1/feedback).

Public (no login): topics, filing an item (with an Idempotency-Key), following it by its
tracking code, rating the answer and disputing it. Internal (token or session): the
cases a user's roles reach and every handling step. Thin: parse, call one service or
selector, render."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params import HeaderEx, P

from thuocdo.core.errors import NotFound
from thuocdo.units.models import Unit

from . import selectors, services
from .models import Case, Channel, Item
from .schemas import (
    AnswerIn,
    CaseDetailOut,
    CaseOut,
    ContactOut,
    DisputeIn,
    MergeIn,
    PublishIn,
    RateIn,
    ReasonIn,
    RejectIn,
    SubmissionIn,
    TopicOut,
    TrackingOut,
    TransferIn,
    UnitIn,
)
from .services.similar import similar_to_text
from .statistics import unit_statistics
from .throttle import intake_throttle

router = Router(tags=["Phản ánh, kiến nghị"])

IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        max_length=80,
        description="Gửi lại cùng khoá sẽ nhận lại đúng phản ánh đã tạo, không tạo bản thứ hai",
    ),
]


class SubmittedOut(Schema):
    tracking_code: str
    case_id: int
    state: str
    state_label: str
    routing_pending: bool = Field(
        description="true: đã tiếp nhận, đang chuyển đến cơ quan có thẩm quyền (vài giây);"
        " theo dõi tại tracking_url"
    )
    unit: dict[str, str] | None
    routing_reason: str
    tracking_url: str


def _unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise NotFound(fields={"unit": ["Không có đơn vị với mã này."]})
    return unit


def _case(request: HttpRequest, case_id: int) -> Case:
    return selectors.case_get(user=request.user, case_id=case_id)


def _submitted(request: HttpRequest, item: Item) -> Status[Any]:
    case = item.case
    body = {
        "tracking_code": item.tracking_code,
        "case_id": case.pk,
        "state": case.state,
        "state_label": case.state_label,
        "routing_pending": case.is_routing_pending,
        "unit": {"code": case.unit.code, "name": case.unit.name} if case.unit else None,
        "routing_reason": case.routing_reason,
        "tracking_url": request.build_absolute_uri(f"/feedback/track/{item.tracking_code}/"),
    }
    return Status(200 if getattr(item, "replayed", False) else 201, body)


class _ShapedPages:
    """Cases for the paginator: it counts the queryset and shapes only the page it slices
    (shaping the whole list first would read every case the user may see)."""

    def __init__(self, cases: Any) -> None:
        self.cases = cases

    def all(self) -> Any:
        return self.cases

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return selectors.case_page_shapes(self.cases[page])


def _submission(payload: Schema) -> services.SubmissionInput:
    return services.SubmissionInput(**payload.dict())


@router.get("/topics", response=list[TopicOut], auth=None, summary="Danh mục lĩnh vực")
def topic_list(request: HttpRequest) -> Any:
    return selectors.topic_list()


class SimilarQuery(Schema):
    text: str = Field(..., min_length=10, max_length=5000, description="Tiêu đề và nội dung đang soạn")
    limit: int = Field(5, ge=1, le=10)


class SimilarOut(Schema):
    """A possible duplicate as anyone may see it: no personal data, no tracking code."""

    id: int
    title: str | None = Field(description="Chỉ có khi kết quả đã được công khai (đã rà soát)")
    topic: str
    state: str
    state_label: str
    unit: dict[str, str] | None
    is_published: bool
    received_on: str
    similarity: float
    url: str | None


def _throttle_similar(request: HttpRequest) -> None:
    intake_throttle(request, group="feedback-similar")


@router.get(
    "/similar",
    response=list[SimilarOut],
    auth=None,
    summary="Phản ánh, kiến nghị tương tự (trước khi gửi)",
)
def similar_list(request: HttpRequest, query: Query[SimilarQuery]) -> Any:
    _throttle_similar(request)
    cases = similar_to_text(text=query.text, limit=query.limit, scope="public")
    return [
        {
            "id": case.pk,
            # An unpublished title has not been reviewed and may carry personal data.
            "title": case.title if case.is_published else None,
            "topic": case.topic.name,
            "state": case.state,
            "state_label": case.state_label,
            "unit": {"code": case.unit.code, "name": case.unit.name} if case.unit else None,
            "is_published": case.is_published,
            "received_on": timezone.localtime(case.received_at).date().isoformat(),
            "similarity": case.similarity,  # type: ignore[attr-defined]
            "url": reverse("feedback:published_case", args=[case.pk]) if case.is_published else None,
        }
        for case in cases
    ]


@router.post(
    "/items",
    response={200: SubmittedOut, 201: SubmittedOut},
    auth=None,
    summary="Gửi phản ánh, kiến nghị, sáng kiến, giải pháp (không cần đăng nhập)",
    description="Phản ánh được lưu trước khi trả lời (201, kèm mã tra cứu); việc chuyển đến cơ quan"
    " có thẩm quyền diễn ra ngay sau đó, trong vài giây (routing_pending).",
)
def item_submit(request: HttpRequest, payload: SubmissionIn, idempotency_key: IdempotencyKey = None) -> Any:
    intake_throttle(request, contact=payload.contact_email or payload.contact_phone)
    item = services.feedback_accept(
        actor=request.user,
        data=_submission(payload),
        channel=Channel.API,
        idempotency_key=idempotency_key or "",
    )
    return _submitted(request, item)


@router.post(
    "/items/upload",
    response={200: SubmittedOut, 201: SubmittedOut},
    auth=None,
    summary="Gửi kèm tệp đính kèm (multipart)",
)
def item_submit_upload(
    request: HttpRequest,
    payload: Form[SubmissionIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    idempotency_key: IdempotencyKey = None,
) -> Any:
    intake_throttle(request, contact=payload.contact_email or payload.contact_phone)
    item = services.feedback_accept(
        actor=request.user,
        data=_submission(payload),
        files=files or [],
        channel=Channel.API,
        idempotency_key=idempotency_key or "",
    )
    return _submitted(request, item)


@router.get("/track/{code}", response=TrackingOut, auth=None, summary="Theo dõi bằng mã tra cứu")
def item_track(request: HttpRequest, code: str) -> Any:
    intake_throttle(request, group="feedback-track")
    return selectors.tracking_shape(selectors.item_by_tracking_code(code))


@router.post("/track/{code}/rating", response=TrackingOut, auth=None, summary="Đánh giá câu trả lời")
def item_rate(request: HttpRequest, code: str, payload: RateIn) -> Any:
    item = services.item_rate(
        item=selectors.item_by_tracking_code(code), rating=payload.rating, comment=payload.comment
    )
    return selectors.tracking_shape(selectors.item_by_tracking_code(item.tracking_code))


@router.post(
    "/track/{code}/dispute", response=TrackingOut, auth=None, summary="Không đồng ý với kết quả (một lần)"
)
def item_dispute(request: HttpRequest, code: str, payload: DisputeIn) -> Any:
    item = selectors.item_by_tracking_code(code)
    services.item_dispute(item=item, reason=payload.reason)
    return selectors.tracking_shape(selectors.item_by_tracking_code(code))


class UnitStatisticsOut(Schema):
    unit: dict[str, str] | None = Field(
        description="Tỉnh, thành phố hoặc cơ quan trung ương; null: hồ sơ đang chờ phân loại"
    )
    received: int
    answered: int
    answered_on_time: int
    overdue_now: int
    median_days: float | None = Field(
        description="Trung vị số ngày theo lịch từ lúc tiếp nhận đến lúc trả lời"
    )
    rating_mean: float | None
    rating_count: int
    demo: int = Field(description="Số hồ sơ là dữ liệu minh hoạ")


@router.get(
    "/statistics",
    response=list[UnitStatisticsOut],
    auth=None,
    summary="Số liệu công khai theo đơn vị (tiếp nhận, đúng hạn, quá hạn, thời gian, hài lòng)",
)
def statistics_by_unit(request: HttpRequest) -> Any:
    return [
        {
            "unit": {"code": row.unit.code, "name": row.unit.name} if row.unit is not None else None,
            "received": row.received,
            "answered": row.answered,
            "answered_on_time": row.answered_on_time,
            "overdue_now": row.overdue_now,
            "median_days": row.median_days,
            "rating_mean": row.rating_mean,
            "rating_count": row.rating_count,
            "demo": row.demo,
        }
        for row in unit_statistics()
    ]


class CaseFilters(Schema):
    unit: str | None = None
    state: str | None = None
    open_only: bool = False
    overdue_only: bool = False
    kind: str | None = None
    topic: str | None = None
    q: str = ""


@router.get("/cases", response=list[CaseOut], summary="Hồ sơ trong phạm vi của tôi")
@paginate(LimitOffsetPagination)
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    cases = selectors.case_list(
        user=request.user,
        unit=_unit(filters.unit) if filters.unit else None,
        state=filters.state,
        open_only=filters.open_only,
        overdue_only=filters.overdue_only,
        kind=filters.kind,
        topic=filters.topic,
        query=filters.q,
    ).select_related("suggested_unit")
    return _ShapedPages(cases)


@router.get("/triage", response=list[CaseOut], summary="Hàng chờ phân loại của Văn phòng thường trực")
@paginate(LimitOffsetPagination)
def triage_list(request: HttpRequest) -> Any:
    return _ShapedPages(selectors.triage_queue(user=request.user))


@router.get(
    "/cases/{case_id}", response=CaseDetailOut, summary="Chi tiết hồ sơ (không gồm thông tin liên hệ)"
)
def case_detail(request: HttpRequest, case_id: int) -> Any:
    return selectors.case_shape(_case(request, case_id), with_detail=True)


def _detail(case: Case) -> Any:
    return selectors.case_shape(
        Case.objects.select_related("unit", "topic", "suggested_unit").get(pk=case.pk), with_detail=True
    )


@router.post("/cases/{case_id}/triage", response=CaseDetailOut, summary="Phân loại, giao đơn vị xử lý")
def case_triage(request: HttpRequest, case_id: int, payload: UnitIn) -> Any:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return _detail(
        services.case_triage(actor=request.user, case=case, unit=_unit(payload.unit), note=payload.note)
    )


@router.post("/cases/{case_id}/accept", response=CaseDetailOut, summary="Nhận xử lý")
def case_accept(request: HttpRequest, case_id: int) -> Any:
    return _detail(services.case_accept(actor=request.user, case=_case(request, case_id)))


@router.post("/cases/{case_id}/transfer", response=CaseDetailOut, summary="Chuyển đơn vị có thẩm quyền")
def case_transfer(request: HttpRequest, case_id: int, payload: TransferIn) -> Any:
    return _detail(
        services.case_transfer(
            actor=request.user,
            case=_case(request, case_id),
            to_unit=_unit(payload.unit),
            reason=payload.reason,
        )
    )


@router.post(
    "/cases/{case_id}/pause", response=CaseDetailOut, summary="Chờ người gửi bổ sung (dừng thời hạn)"
)
def case_pause(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    return _detail(
        services.case_pause(actor=request.user, case=_case(request, case_id), reason=payload.reason)
    )


@router.post("/cases/{case_id}/resume", response=CaseDetailOut, summary="Tiếp tục xử lý (tính lại thời hạn)")
def case_resume(request: HttpRequest, case_id: int) -> Any:
    return _detail(services.case_resume(actor=request.user, case=_case(request, case_id)))


@router.post("/cases/{case_id}/answer", response=CaseDetailOut, summary="Trả lời")
def case_answer(request: HttpRequest, case_id: int, payload: AnswerIn) -> Any:
    return _detail(
        services.case_answer(actor=request.user, case=_case(request, case_id), answer=payload.answer)
    )


@router.post(
    "/cases/{case_id}/reject", response=CaseDetailOut, summary="Từ chối (ngoài phạm vi, trùng, vi phạm)"
)
def case_reject(request: HttpRequest, case_id: int, payload: RejectIn) -> Any:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return _detail(
        services.case_reject(actor=request.user, case=case, reason=payload.reason, note=payload.note)
    )


@router.post("/cases/{case_id}/merge", response=CaseDetailOut, summary="Gộp hồ sơ trùng vào hồ sơ khác")
def case_merge(request: HttpRequest, case_id: int, payload: MergeIn) -> Any:
    case = _case(request, case_id)
    into = _case(request, payload.into)
    return _detail(services.case_merge(actor=request.user, case=case, into=into, note=payload.note))


@router.post(
    "/cases/{case_id}/publish", response=CaseDetailOut, summary="Công khai kết quả (sau khi rà soát)"
)
def case_publish(request: HttpRequest, case_id: int, payload: PublishIn) -> Any:
    return _detail(
        services.case_publish(
            actor=request.user, case=_case(request, case_id), public_summary=payload.public_summary
        )
    )


@router.get(
    "/items/{item_id}/contact",
    response=ContactOut,
    summary="Thông tin liên hệ của người gửi (chỉ đơn vị xử lý và Văn phòng thường trực; được ghi nhật ký)",
)
def item_contact(request: HttpRequest, item_id: int) -> Any:
    item = Item.objects.select_related("case").filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return services.item_contact_view(actor=request.user, item=item)
