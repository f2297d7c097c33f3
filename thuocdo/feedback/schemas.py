from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema


class SubmissionIn(Schema):
    kind: str = Field(description="report | recommendation | initiative | solution")
    topic: str = Field(description="Mã lĩnh vực (GET /feedback/topics)")
    title: str
    body: str
    province: str = Field("", description="Mã tỉnh, thành phố")
    commune: str = Field("", description="Mã xã, phường")
    place_text: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    is_anonymous: bool = False
    publish_name: bool = False
    consent: bool = Field(False, description="Đồng ý thông báo xử lý dữ liệu cá nhân (bắt buộc)")
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class TopicOut(Schema):
    code: str
    name: str
    description: str
    service_code: str
    handling_level: str


class UnitRef(Schema):
    code: str
    name: str


class EventOut(Schema):
    kind: str
    kind_label: str
    at: datetime
    from_unit: UnitRef | None = None
    to_unit: UnitRef | None = None
    note: str


class TrackingOut(Schema):
    """What the holder of a tracking code sees: no contact data of anyone."""

    tracking_code: str
    kind: str
    title: str
    topic: str
    state: str
    state_label: str
    routing_pending: bool = Field(description="true: đã tiếp nhận, đang chuyển đến cơ quan có thẩm quyền")
    unit: UnitRef | None
    submitted_at: datetime
    answer_due_at: datetime | None
    answered_at: datetime | None
    answer: str
    reject_reason: str
    reject_note: str
    merged_into_case: int | None
    rating: int | None
    can_rate: bool
    can_dispute: bool
    history: list[EventOut]


class CaseOut(Schema):
    id: int
    kind: str
    title: str
    topic: str
    state: str
    unit: UnitRef | None
    routing_method: str
    routing_confidence: float
    routing_reason: str
    suggested_unit: UnitRef | None
    received_at: datetime
    answer_due_at: datetime | None
    transfer_due_at: datetime | None
    answered_at: datetime | None
    answered_late: bool | None
    escalated_at: datetime | None
    is_published: bool
    item_count: int


class CaseDetailOut(CaseOut):
    answer: str
    history: list[EventOut]
    items: list[dict[str, object]]


class RateIn(Schema):
    rating: int
    comment: str = ""


class DisputeIn(Schema):
    reason: str


class UnitIn(Schema):
    unit: str = Field(description="Mã đơn vị")
    note: str = ""


class TransferIn(Schema):
    unit: str
    reason: str


class ReasonIn(Schema):
    reason: str


class AnswerIn(Schema):
    answer: str


class RejectIn(Schema):
    reason: str = Field(description="out_of_scope | duplicate | abusive")
    note: str


class MergeIn(Schema):
    into: int
    note: str = ""


class PublishIn(Schema):
    public_summary: str


class ContactOut(Schema):
    name: str
    email: str
    phone: str
