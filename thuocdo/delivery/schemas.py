"""Input and output shapes of the monitoring API.

Public shapes (plans, tasks, indicators, assignments, scorecards) carry what "ba công khai"
makes public — progress, responsibility, results — and never a report's narrative, a
verification note or anything about a person.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import Json

from thuocdo.units.schemas import UnitRef

from .models import Colour, DeadlineKind, Plan, Priority, Recurrence, Task
from .status import Status

# --- plans and tasks --------------------------------------------------------------------


class ProgramRef(Schema):
    code: str
    number: str
    name: str


class PlanOut(Schema):
    id: int
    program: ProgramRef
    kind: str
    number: str
    title: str
    issued_on: date | None
    issuer: UnitRef | None
    is_simulated: bool
    task_count: int = Field(description="Số nhiệm vụ của văn bản")


class PlanDetailOut(PlanOut):
    source_text: str

    @staticmethod
    def resolve_task_count(obj: Plan) -> int:
        return obj.tasks.count()


class TaskGroupRef(Schema):
    code: str
    name: str


class TaskOut(Schema):
    id: int
    plan_id: int
    code: str
    title: str
    group: TaskGroupRef | None
    lead_unit: UnitRef
    cooperating_unit_codes: list[str] = Field(description="Mã các đơn vị phối hợp")
    start_on: date | None
    deadline_kind: str
    deadline_on: date | None
    deadline_text: str
    recurrence: str
    priority: str
    cascade_group: str = Field(description="Nhóm đơn vị được giao hàng loạt, rỗng nếu không có")

    @staticmethod
    def resolve_cooperating_unit_codes(obj: Task) -> list[str]:
        return [unit.code for unit in obj.cooperating_units.all()]


class TaskIn(Schema):
    """The fields of `services.TaskSpec`, with units given by their codes."""

    code: str = Field(max_length=40)
    title: str = Field(max_length=1000)
    lead_unit: str = Field(description="Mã đơn vị chủ trì")
    cooperating_units: list[str] = Field(default_factory=list, description="Mã các đơn vị phối hợp")
    deadline_kind: DeadlineKind = DeadlineKind.NONE
    deadline_on: date | None = None
    deadline_text: str = ""
    description: str = ""
    deliverable: str = ""
    start_on: date | None = None
    recurrence: Recurrence = Recurrence.MONTHLY
    priority: Priority = Priority.NORMAL
    group_id: int | None = Field(None, description="Nhóm nhiệm vụ của văn bản")
    parent_id: int | None = Field(None, description="Nhiệm vụ cha")
    assign_lead: bool = Field(
        True, description="False khi giao cho cả nhóm đơn vị: đơn vị chủ trì điều phối, nhóm thực hiện"
    )


class CascadeIn(Schema):
    group: str = Field(description="provinces | communes | ministries")
    within: str | None = Field(None, description="Mã đơn vị: chỉ giao cho các đơn vị cấp dưới của đơn vị này")


class CascadeOut(Schema):
    created: int = Field(description="Số đơn vị được giao thêm")


# --- indicators ---------------------------------------------------------------------------


class IndicatorOut(Schema):
    id: int
    key: str
    version: int
    is_current: bool
    name: str
    unit_of_measure: str
    direction: str
    baseline: Decimal | None
    target: Decimal
    target_on: date | None
    rollup: str
    trajectory: dict[str, Any]


class IndicatorIn(Schema):
    key: str = Field(description="Chữ thường không dấu, số, gạch ngang")
    name: str
    unit_of_measure: str
    target: Decimal | str
    rollup: str = Field(description="sum | mean | weighted_mean | share_meeting_target")
    direction: str = Field("higher", description="higher | lower")
    baseline: Decimal | str | None = None
    target_on: date | None = None
    trajectory: dict[str, Decimal | str] | None = Field(None, description='{"2025-09": 40, ...}')
    reason: str = Field("", description="Bắt buộc khi tạo phiên bản mới của chỉ tiêu đã có")


# --- assignments (public) ----------------------------------------------------------------------


class TaskRef(Schema):
    id: int
    plan_id: int
    code: str
    title: str
    deadline_on: date | None


class AssignmentOut(Schema):
    id: int
    unit: UnitRef
    task: TaskRef
    role: str
    progress: int
    status_code: str
    colour_code: str
    reason_code: str
    last_period: date | None


class AssignmentFilters(Schema):
    unit: str | None = Field(None, description="Mã đơn vị: đơn vị đó và các đơn vị cấp dưới")
    task: int | None = None
    plan: int | None = None
    status: Status | None = None
    colour: Colour | None = None


# --- reports ------------------------------------------------------------------------------------


class ReportValueIn(Schema):
    key: str = Field(description="Mã chỉ tiêu của nhiệm vụ")
    value: Decimal | str = Field(description='Số; chấp nhận cả "12,5"')
    unit: str | None = Field(None, description="Đơn vị tính; nếu gửi phải khớp với chỉ tiêu")


class ReportIn(Schema):
    period: date = Field(description="Ngày đầu của kỳ báo cáo (đầu tháng, hoặc đầu quý)")
    progress: int = Field(description="Tiến độ hoàn thành, 0–100 (%)")
    narrative: str = ""
    obstacles: str = ""
    proposals: str = ""
    values: list[ReportValueIn] = Field(default_factory=list)
    evidence_links: list[str] = Field(default_factory=list)


class ReportUploadIn(Schema):
    """The multipart form of a report sent with evidence files."""

    period: date = Field(description="Ngày đầu của kỳ báo cáo (đầu tháng, hoặc đầu quý)")
    progress: int = Field(description="Tiến độ hoàn thành, 0–100 (%)")
    narrative: str = ""
    obstacles: str = ""
    proposals: str = ""
    values: Json[list[ReportValueIn]] | None = Field(
        None, description='JSON: [{"key": "...", "value": 12.5, "unit": "%"}]'
    )
    evidence_links: list[str] = Field(default_factory=list)


class ReportValueOut(Schema):
    key: str
    name: str
    indicator_version: int
    unit_of_measure: str
    value: Decimal


class EvidenceOut(Schema):
    id: int
    kind: Literal["file", "link"]
    name: str
    url: str = Field(description="Đường dẫn minh chứng, hoặc địa chỉ tải tệp (cần đăng nhập)")
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_at: datetime


class VerificationOut(Schema):
    id: int
    reason: str
    status: str
    drawn_at: datetime
    decided_at: datetime | None
    note: str | None = Field(description="Ghi chú nội bộ: chỉ người được xem kết quả kiểm tra mới thấy")


class ReportOut(Schema):
    id: int
    assignment_id: int
    period: date
    version: int
    is_current: bool
    supersedes_id: int | None
    status: str
    progress: int
    narrative: str
    obstacles: str
    proposals: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    return_reason: str
    values: list[ReportValueOut]
    evidence: list[EvidenceOut]
    verification: VerificationOut | None


class ReviewIn(Schema):
    decision: Literal["accept", "return"]
    reason: str = Field("", max_length=2000, description="Bắt buộc khi trả lại")


# --- verification and judgement --------------------------------------------------------------


class VerificationQueueItem(Schema):
    """A verification as the verifiers see it, with its internal note."""

    id: int
    reason: str
    status: str
    drawn_at: datetime
    decided_at: datetime | None
    note: str
    report_id: int
    assignment_id: int = Field(alias="report.assignment_id")
    unit: UnitRef = Field(alias="report.assignment.unit")
    task: TaskRef = Field(alias="report.assignment.task")
    period: date = Field(alias="report.period")
    progress: int = Field(alias="report.progress")


class VerificationDecideIn(Schema):
    status: Literal["confirmed", "disputed"]
    note: str = Field("", description="Bắt buộc khi bác bỏ")


class JudgementIn(Schema):
    colour: Colour
    reason: str = Field(max_length=2000)


class JudgementOut(Schema):
    id: int
    assignment_id: int
    colour: str
    reason: str
    judged_at: datetime


# --- scorecards -----------------------------------------------------------------------------------


class ScorecardOut(Schema):
    unit: UnitRef | None
    total: int
    green: int
    amber: int
    red: int
    overdue: int
    at_risk: int
    done_on_time: int
    done_late: int
    not_started: int
    on_track: int
    timely: int
    confirmed: int
    disputed: int
    communes_with_tasks: int
    communes_fully_green: int
    green_share: float | None = Field(description="Tỷ lệ nhiệm vụ xanh (%)")
    on_time_completion_rate: float | None = Field(description="Tỷ lệ hoàn thành đúng hạn (%)")
    reporting_timeliness: float | None = Field(description="Tỷ lệ báo cáo đúng kỳ (%)")
    verification_factor: float | None = Field(description="Tỷ lệ kết quả được xác nhận khi kiểm tra (%)")
    communes_green_share: float | None = Field(description="Tỷ lệ xã có mọi nhiệm vụ xanh (%)")


class IndicatorRollupOut(Schema):
    indicator_id: int
    key: str
    name: str
    unit_of_measure: str
    rollup: str
    target: Decimal
    value: Decimal | None = Field(description="Giá trị tổng hợp theo cách tổng hợp đã khai báo")
    units_reporting: int
    units_assigned: int
    meets_target: bool | None
