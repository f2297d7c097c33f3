"""Input and output shapes of the initiatives API. Public outputs carry no contact data
and no expert identities."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema


class ExpectedResultIn(Schema):
    name: str = Field(max_length=500)
    unit_of_measure: str = Field(max_length=50)
    target: str | float = Field(description="Giá trị mục tiêu (số)")
    baseline: str | float | None = None


class InitiativeIn(Schema):
    title: str = Field(max_length=300)
    problem: str = Field(max_length=20_000)
    solution: str = Field(max_length=20_000)
    area: str = Field(description="Mã lĩnh vực công nghệ chiến lược, ví dụ tri-tue-nhan-tao")
    budget_million_vnd: str | float = Field(description="Kinh phí dự kiến, triệu đồng")
    duration_months: int
    lead_organisation: str = Field(max_length=300)
    team: str = Field(max_length=5_000)
    expected_results: list[ExpectedResultIn] = Field(max_length=10)
    contact_name: str = Field(max_length=150)
    contact_email: str = Field(max_length=254)
    contact_phone: str = Field("", max_length=30)
    consent: bool = Field(description="Đồng ý với thông báo xử lý dữ liệu cá nhân (bắt buộc true)")
    website: str = Field("", description="Để trống (trường bẫy chống gửi tự động)")


class RegisteredOut(Schema):
    id: int
    tracking_code: str
    status: str
    tracking_url: str


class PublicDecisionOut(Schema):
    outcome: str
    outcome_label: str
    reasons: str
    minutes_summary: str
    meeting_on: date
    decided_at: datetime
    aggregated_score: Decimal
    reviews_counted: int
    responsible_unit: str
    task_id: int | None


class TrackingOut(Schema):
    tracking_code: str
    title: str
    area: str
    status: str
    status_label: str
    version: int
    submitted_at: datetime
    ineligible_reason: str
    decision: PublicDecisionOut | None
    may_resubmit: bool
    is_demo: bool


class PublicInitiativeOut(Schema):
    id: int
    title: str
    area: str
    lead_organisation: str
    version: int
    submitted_at: datetime
    is_demo: bool
    decision: PublicDecisionOut


class InternalListItemOut(Schema):
    id: int
    tracking_code: str
    title: str
    area: str = Field(alias="area.code")
    status: str
    version: int
    submitted_at: datetime
    is_demo: bool
    round_score: Decimal | None = None
    round_reviews: int = 0


class ExpectedResultOut(Schema):
    name: str
    unit_of_measure: str
    baseline: Decimal | None
    target: Decimal


class ScoreOut(Schema):
    criterion: str = Field(alias="criterion.code")
    weight: int
    score: int


class ReviewOut(Schema):
    id: int
    version: int
    expert: str = Field(alias="expert.username")
    status: str
    conflict: str
    total: Decimal | None
    comment: str
    submitted_at: datetime | None
    scores: list[ScoreOut]

    @staticmethod
    def resolve_scores(obj: object) -> list[object]:
        return list(obj.scores.all())  # type: ignore[attr-defined]


class InitiativeDetailOut(Schema):
    id: int
    tracking_code: str
    title: str
    problem: str
    solution: str
    area: str = Field(description="Mã lĩnh vực")
    budget_million_vnd: Decimal
    duration_months: int
    lead_organisation: str
    team: str
    status: str
    version: int
    submitted_at: datetime
    ineligible_reason: str
    task_id: int | None
    is_demo: bool
    expected_results: list[ExpectedResultOut]
    reviews: list[ReviewOut]
    contact_name: str | None = Field(None, description="Chỉ Văn phòng thường trực thấy")
    contact_email: str | None = None
    contact_phone: str | None = None


class ScreeningIn(Schema):
    action: Literal["start", "eligible", "ineligible"]
    reason: str = ""


class AssignIn(Schema):
    expert: str = Field(description="Tên đăng nhập của chuyên gia")


class ConflictIn(Schema):
    has_conflict: bool
    note: str = ""


class ReviewSubmitIn(Schema):
    scores: dict[str, int] = Field(description="Điểm 0–10 theo mã tiêu chí")
    comment: str = ""


class DecisionIn(Schema):
    outcome: Literal["selected", "rejected", "needs_revision"]
    reasons: str
    minutes_summary: str
    minutes: str = ""
    meeting_on: date | None = None
    responsible_unit: str | None = Field(None, description="Mã đơn vị chủ trì (khi lựa chọn)")
    plan_id: int | None = None


class DecisionOut(Schema):
    id: int
    outcome: str
    reasons: str
    minutes_summary: str
    meeting_on: date
    aggregated_score: Decimal
    reviews_counted: int
    responsible_unit: str | None
    plan_id: int | None
    task_id: int | None

    @staticmethod
    def resolve_responsible_unit(obj: object) -> str | None:
        unit = obj.responsible_unit  # type: ignore[attr-defined]
        return unit.code if unit is not None else None

    @staticmethod
    def resolve_task_id(obj: object) -> int | None:
        return obj.initiative.task_id  # type: ignore[attr-defined]
