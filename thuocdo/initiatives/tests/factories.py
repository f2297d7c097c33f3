"""Scenes for initiative tests. They set the scene through the services (an initiative
only exists once registered); the behaviour under test is called by the tests themselves."""

from dataclasses import replace
from typing import Any

from thuocdo.accounts.models import User
from thuocdo.delivery.tests.factories import ProgramFactory
from thuocdo.initiatives import services
from thuocdo.initiatives.models import Initiative, Review

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
GOOD_SCORES = {"tinh-dot-pha": 8, "tinh-kha-thi": 7, "tac-dong": 9, "nang-luc-nhom": 6, "hieu-qua-chi-phi": 5}
# (8*30 + 7*20 + 9*25 + 6*15 + 5*10) / 10 = 74.5
GOOD_TOTAL = "74.50"


def content(**changes: Any) -> services.InitiativeContent:
    base = services.InitiativeContent(
        title="Bản đồ số đất hiếm bằng ảnh vệ tinh và học máy",
        problem="Chưa có bản đồ trữ lượng đất hiếm đủ chi tiết để quy hoạch khai thác bền vững.",
        solution="Kết hợp ảnh vệ tinh đa phổ, dữ liệu khoan thăm dò và mô hình học máy.",
        area_code="vat-lieu-moi",
        budget_million_vnd="12500,5",
        duration_months=18,
        lead_organisation="Viện Địa chất và Khoáng sản",
        team="TS. Hoàng Văn A (chủ nhiệm), 6 nghiên cứu viên.",
        expected_results=[
            services.ExpectedResultInput(
                name="Diện tích được lập bản đồ", unit_of_measure="km²", target="5000"
            ),
            services.ExpectedResultInput(
                name="Độ chính xác dự báo vùng triển vọng", unit_of_measure="%", target="85", baseline="60"
            ),
        ],
    )
    return replace(base, **changes)


def contact(**changes: Any) -> services.Contact:
    return replace(
        services.Contact(name="Nguyễn Văn Bình", email="binh.nguyen@example.vn", phone="0912 345 678"),
        **changes,
    )


def program() -> Any:
    return ProgramFactory()


class Scene:
    """Moves an initiative along the procedure, acting as the given people."""

    def __init__(self, office: User, experts: list[User]) -> None:
        self.office = office
        self.experts = experts

    def register(self, **changes: Any) -> Initiative:
        return services.initiative_register(
            actor=None, content=content(**changes), contact=contact(), consent=True
        )

    def in_review(self, **changes: Any) -> Initiative:
        initiative = self.register(**changes)
        services.initiative_screening_start(actor=self.office, initiative=initiative)
        return services.initiative_screen(actor=self.office, initiative=initiative, eligible=True)

    def assign(self, initiative: Initiative, expert: User | None = None) -> Review:
        return services.review_assign(
            actor=self.office, initiative=initiative, expert=expert or self.experts[0]
        )

    def score(self, review: Review, scores: dict[str, int] | None = None) -> Review:
        services.review_declare_conflict(actor=review.expert, review=review, has_conflict=False)
        return services.review_submit(actor=review.expert, review=review, scores=scores or GOOD_SCORES)

    def reviewed(self, n: int = 2, **changes: Any) -> Initiative:
        initiative = self.in_review(**changes)
        for expert in self.experts[:n]:
            self.score(self.assign(initiative, expert))
        initiative.refresh_from_db()
        return initiative
