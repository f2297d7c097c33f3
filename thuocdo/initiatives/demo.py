"""Demo data for `make run`: five breakthrough initiatives at different steps, all marked
`is_demo` (the pages show a "Dữ liệu minh hoạ" badge), and a second demo expert.

Everything except the expert goes through the services, acting as the demo people, so
the audit log reads as if people had done it. The load is one transaction and is
idempotent: each initiative carries a fixed idempotency key and is skipped when present.
"""

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from thuocdo.accounts.demo import DemoPerson, credentials_file
from thuocdo.accounts.models import Role, RoleAssignment, User
from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.units.selectors import unit_get

from . import services
from .models import Initiative, Outcome, Review

OFFICE_USERNAME = "vanphong"
EXPERT_USERNAMES = ("chuyengia", "chuyengia2")
SECOND_EXPERT = DemoPerson(
    "chuyengia2",
    "TS. Nguyễn Thu Trang",
    "Thành viên Hội đồng Tư vấn, chuyên gia công nghệ số",
    Role.EXPERT,
    "HDTV",
)


def demo_expert_seed() -> tuple[User, str]:
    """The second demo expert, made the way `accounts.demo` makes the demo people: written
    directly as a system data load (one audit event), password kept in var/."""
    person = SECOND_EXPERT
    path = credentials_file()
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    password = saved.get(person.username) or secrets.token_urlsafe(9)
    with transaction.atomic():
        user, _created = User.objects.get_or_create(username=person.username)
        user.full_name, user.position, user.is_staff = person.full_name, person.position, person.is_staff
        user.email = f"{person.username}@demo.thuocdo.local"
        user.set_password(password)
        user.save()
        RoleAssignment.objects.get_or_create(
            user=user, unit=unit_get(code=person.unit_code), role=person.role
        )
        audit_record(
            actor=None,
            action=AuditAction.DATA_LOAD,
            object_type="accounts.user",
            object_repr="demo expert",
            after={"usernames": [person.username]},
            reason="seed_initiatives_demo",
        )
    saved[person.username] = password
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=2))
    path.chmod(0o600)
    return user, password


@dataclass(frozen=True)
class DemoInitiative:
    key: str
    stage: str  # submitted | ineligible | in_review | selected
    content: services.InitiativeContent
    contact: services.Contact
    scores: list[dict[str, int]] = field(default_factory=list)  # one per expert who submits
    reason: str = ""
    responsible_unit: str = ""


def _results(*rows: tuple[str, str, str, str | None]) -> list[services.ExpectedResultInput]:
    return [
        services.ExpectedResultInput(name=n, unit_of_measure=u, target=t, baseline=b) for n, u, t, b in rows
    ]


DEMO_INITIATIVES = [
    DemoInitiative(
        key="demo-sang-kien-1",
        stage="selected",
        content=services.InitiativeContent(
            title="Trí tuệ nhân tạo đọc phim X-quang phổi cho trạm y tế xã",
            problem=(
                "Phần lớn trạm y tế xã có máy X-quang nhưng không có bác sĩ chẩn đoán hình ảnh; phim phải "
                "gửi lên tuyến huyện, tỉnh, người bệnh lao và viêm phổi được phát hiện muộn."
            ),
            solution=(
                "Mô hình AI được huấn luyện trên dữ liệu phim X-quang của người Việt, chạy trên máy chủ "
                "dùng chung của tỉnh, trả kết quả sàng lọc trong 2 phút và chuyển ca nghi ngờ lên bác sĩ "
                "tuyến trên qua hệ thống khám chữa bệnh từ xa."
            ),
            area_code="tri-tue-nhan-tao",
            budget_million_vnd="45000",
            duration_months=24,
            lead_organisation="Viện Công nghệ thông tin, Đại học Quốc gia Hà Nội",
            team="Nhóm nghiên cứu AI y tế (12 người), phối hợp Bệnh viện Phổi Trung ương.",
            expected_results=_results(
                ("Số trạm y tế xã sử dụng hệ thống", "trạm", "1000", "0"),
                ("Số lượt phim X-quang được sàng lọc", "lượt", "300000", "0"),
                ("Độ nhạy phát hiện tổn thương nghi lao", "%", "90", None),
            ),
        ),
        contact=services.Contact("Trần Minh Quân", "minhquan@demo.thuocdo.local", "0912 000 001"),
        scores=[
            {"tinh-dot-pha": 9, "tinh-kha-thi": 8, "tac-dong": 9, "nang-luc-nhom": 8, "hieu-qua-chi-phi": 7},
            {"tinh-dot-pha": 8, "tinh-kha-thi": 8, "tac-dong": 9, "nang-luc-nhom": 9, "hieu-qua-chi-phi": 8},
        ],
        reason=(
            "Tác động lớn tới y tế cơ sở, khả thi về công nghệ, nhóm có năng lực; điểm bình quân cao nhất đợt."
        ),
        responsible_unit="BO-YT",
    ),
    DemoInitiative(
        key="demo-sang-kien-2",
        stage="in_review",
        content=services.InitiativeContent(
            title="Truy xuất nguồn gốc sầu riêng xuất khẩu bằng chuỗi khối",
            problem="Lô hàng bị trả về do không chứng minh được mã vùng trồng và quy trình đóng gói.",
            solution=(
                "Sổ cái chuỗi khối dùng chung giữa hợp tác xã, cơ sở đóng gói, cơ quan kiểm dịch và hải "
                "quan; mỗi thùng hàng có mã QR liên kết với nhật ký canh tác."
            ),
            area_code="chuoi-khoi",
            budget_million_vnd="12500",
            duration_months=18,
            lead_organisation="Công ty Cổ phần Công nghệ Nông nghiệp Mekong",
            team="8 kỹ sư phần mềm, 3 chuyên gia kiểm dịch thực vật.",
            expected_results=_results(
                ("Số mã vùng trồng tham gia", "mã vùng", "400", "0"),
                ("Tỷ lệ lô hàng bị trả về", "%", "1", "6"),
            ),
        ),
        contact=services.Contact("Lê Thị Hồng", "lehong@demo.thuocdo.local"),
        scores=[
            {"tinh-dot-pha": 6, "tinh-kha-thi": 8, "tac-dong": 7, "nang-luc-nhom": 7, "hieu-qua-chi-phi": 8}
        ],
    ),
    DemoInitiative(
        key="demo-sang-kien-3",
        stage="in_review",
        content=services.InitiativeContent(
            title="Phòng thí nghiệm đóng gói và kiểm thử vi mạch dùng chung cho doanh nghiệp khởi nghiệp",
            problem="Doanh nghiệp thiết kế vi mạch trong nước phải gửi mẫu ra nước ngoài đóng gói, kiểm thử.",
            solution="Đầu tư dây chuyền đóng gói tiên tiến quy mô nhỏ, vận hành theo cơ chế dùng chung.",
            area_code="ban-dan",
            budget_million_vnd="180000",
            duration_months=36,
            lead_organisation="Khu Công nghệ cao Thành phố Hồ Chí Minh",
            team="Ban quản lý dự án và 5 doanh nghiệp thiết kế vi mạch.",
            expected_results=_results(
                ("Số mẫu vi mạch được đóng gói, kiểm thử mỗi năm", "mẫu", "2000", "0"),
                ("Số kỹ sư bán dẫn được đào tạo thực hành", "người", "500", None),
            ),
        ),
        contact=services.Contact("Phạm Quốc Việt", "quocviet@demo.thuocdo.local", "028 3000 0003"),
    ),
    DemoInitiative(
        key="demo-sang-kien-4",
        stage="submitted",
        content=services.InitiativeContent(
            title="Dữ liệu lớn dự báo ùn tắc giao thông theo thời gian thực cho đô thị loại I",
            problem="Điều tiết giao thông dựa vào quan sát tại chỗ, chậm phản ứng với ùn tắc.",
            solution="Hợp nhất dữ liệu camera, GPS xe buýt, taxi và điện thoại để dự báo trước 30 phút.",
            area_code="du-lieu-lon",
            budget_million_vnd="9800",
            duration_months=12,
            lead_organisation="Trường Đại học Bách khoa, Đại học Đà Nẵng",
            team="Phòng thí nghiệm dữ liệu đô thị (6 người).",
            expected_results=_results(("Thời gian ùn tắc bình quân giờ cao điểm giảm", "%", "15", None)),
        ),
        contact=services.Contact("Ngô Thanh Tùng", "thanhtung@demo.thuocdo.local"),
    ),
    DemoInitiative(
        key="demo-sang-kien-5",
        stage="ineligible",
        content=services.InitiativeContent(
            title="Ứng dụng cảnh báo cuộc gọi lừa đảo cho người cao tuổi",
            problem="Người cao tuổi là nạn nhân chính của lừa đảo qua điện thoại.",
            solution="Ứng dụng điện thoại so khớp số gọi đến với danh sách số bị phản ánh.",
            area_code="an-ninh-mang",
            budget_million_vnd="600",
            duration_months=6,
            lead_organisation="Nhóm sinh viên tình nguyện",
            team="4 sinh viên năm cuối.",
            expected_results=_results(("Số lượt tải ứng dụng", "lượt", "10000", None)),
        ),
        contact=services.Contact("Đặng Hải Yến", "haiyen@demo.thuocdo.local"),
        reason=(
            "Giải pháp trùng với tính năng cảnh báo đã được các nhà mạng triển khai; chưa có tổ chức chủ "
            "trì có tư cách pháp nhân. Đề nghị gửi qua kênh phản ánh, kiến nghị."
        ),
    ),
]


def _experts() -> list[User]:
    return [User.objects.get(username=name) for name in EXPERT_USERNAMES]


def _advance(item: DemoInitiative, initiative: Initiative, office: User, experts: list[User]) -> None:
    if item.stage == "submitted":
        return
    services.initiative_screening_start(actor=office, initiative=initiative)
    if item.stage == "ineligible":
        services.initiative_screen(actor=office, initiative=initiative, eligible=False, reason=item.reason)
        return
    services.initiative_screen(actor=office, initiative=initiative, eligible=True)
    reviews: list[Review] = [
        services.review_assign(actor=office, initiative=initiative, expert=expert) for expert in experts
    ]
    for review, scores in zip(reviews, item.scores, strict=False):
        services.review_declare_conflict(actor=review.expert, review=review, has_conflict=False)
        services.review_submit(
            actor=review.expert,
            review=review,
            scores=scores,
            comment="Phiếu chấm minh hoạ.",
        )
    if item.stage == "selected":
        services.initiative_decide(
            actor=office,
            initiative=initiative,
            outcome=Outcome.SELECTED,
            reasons=item.reason,
            minutes_summary=(
                "Hội đồng xét chọn họp với 2 chuyên gia thẩm định độc lập; 7/7 thành viên dự họp "
                "biểu quyết lựa chọn (dữ liệu minh hoạ)."
            ),
            responsible_unit=unit_get(code=item.responsible_unit),
        )


def initiatives_demo_load(*, notify: Callable[[str], Any] = print) -> int:
    """Load the demo initiatives not loaded yet; returns how many were added."""
    office = User.objects.get(username=OFFICE_USERNAME)
    services.strategic_areas_load()
    services.rubric_default_load()
    demo_expert_seed()
    experts = _experts()
    added = 0
    with transaction.atomic():
        for item in DEMO_INITIATIVES:
            if Initiative.objects.filter(idempotency_key=item.key).exists():
                continue
            initiative = services.initiative_register(
                actor=None,
                content=item.content,
                contact=item.contact,
                consent=True,
                idempotency_key=item.key,
                is_demo=True,
            )
            _advance(item, initiative, office, experts)
            notify(f"{initiative.tracking_code}: {initiative.title}")
            added += 1
    return added
