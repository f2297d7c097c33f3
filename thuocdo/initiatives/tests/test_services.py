"""Every write of the initiative procedure: what it changes, what it refuses (changing
nothing), and the path from registration to a monitored task."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from thuocdo.accounts.models import Role, User
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.core.errors import Conflict, PermissionDenied, ValidationFailed
from thuocdo.core.tracking import tracking_code_normalize
from thuocdo.delivery import selectors as delivery_selectors
from thuocdo.delivery.models import Assignment, AssignmentRole, Indicator, Plan, Task
from thuocdo.initiatives import services
from thuocdo.initiatives.models import (
    Attachment,
    ConflictStatus,
    CouncilDecision,
    ExpectedResult,
    Initiative,
    InitiativeStatus,
    InitiativeVersion,
    Outcome,
    Review,
    ReviewScore,
    ReviewStatus,
    Rubric,
    StrategicArea,
)
from thuocdo.units.models import Unit

from .factories import GOOD_SCORES, GOOD_TOTAL, PDF_BYTES, Scene, contact, content

pytestmark = pytest.mark.django_db


def decide(actor: User, initiative: Initiative, outcome: str = Outcome.SELECTED, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "reasons": "Tính đột phá cao, khả thi.",
        "minutes_summary": "Hội đồng họp đủ 7/7 thành viên, biểu quyết 6/7 tán thành.",
        "minutes": "Biên bản đầy đủ (nội bộ).",
        "responsible_unit": Unit.objects.get(code="BO-KHCN") if outcome == Outcome.SELECTED else None,
        **changes,
    }
    return services.initiative_decide(actor=actor, initiative=initiative, outcome=outcome, **arguments)


def pdf(name: str = "thuyet-minh.pdf", data: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- reference data -------------------------------------------------------------------------------


def test_strategic_areas_load_is_idempotent_and_deactivates_removed_areas(tmp_path: Any) -> None:
    assert StrategicArea.objects.filter(code="tri-tue-nhan-tao", is_active=True).exists()
    assert services.strategic_areas_load() == {"created": 0, "updated": 0, "deactivated": 0}
    smaller = tmp_path / "areas.toml"
    smaller.write_text('[[area]]\ncode = "tri-tue-nhan-tao"\nname = "AI"\n', encoding="utf-8")
    counts = services.strategic_areas_load(path=smaller)
    assert counts["updated"] == 1
    assert counts["deactivated"] == StrategicArea.objects.count() - 1
    assert StrategicArea.objects.get(code="ban-dan").is_active is False


def test_the_default_rubric_weights_sum_to_100() -> None:
    rubric = Rubric.objects.get(is_active=True)
    assert sum(c.weight for c in rubric.criteria.all()) == 100
    assert services.rubric_default_load() is None  # only when no rubric exists


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([50, 40], "Tổng trọng số phải bằng 100 (hiện là 90)."),
        ([60, 50], "Tổng trọng số phải bằng 100 (hiện là 110)."),
        ([100, 0], "Mỗi trọng số phải lớn hơn 0 và không quá 100."),
    ],
)
def test_rubric_weights_must_sum_to_100(office: User, weights: list[int], message: str) -> None:
    criteria = [
        services.CriterionInput(code=f"tieu-chi-{i}", name=f"Tiêu chí {i}", weight=w)
        for i, w in enumerate(weights)
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.rubric_save(actor=office, name="Bộ mới", criteria=criteria)
    assert caught.value.fields["weights"] == [message]
    assert Rubric.objects.count() == 1


def test_rubric_codes_must_be_unique_slugs(office: User) -> None:
    criteria = [
        services.CriterionInput(code="Tính mới", name="A", weight=50),
        services.CriterionInput(code="Tính mới", name="B", weight=50),
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.rubric_save(actor=office, name="Bộ mới", criteria=criteria)
    assert "criteria" in caught.value.fields


def test_a_new_active_rubric_retires_the_old_one_and_a_used_rubric_is_frozen(
    office: User, scene: Scene
) -> None:
    old = Rubric.objects.get(is_active=True)
    scene.reviewed(n=1)
    criteria = [
        services.CriterionInput(code="dot-pha", name="Đột phá", weight=70),
        services.CriterionInput(code="kha-thi", name="Khả thi", weight=30),
    ]
    new = services.rubric_save(actor=office, name="Bộ 2026", criteria=criteria)
    old.refresh_from_db()
    assert new.is_active
    assert not old.is_active
    with pytest.raises(Conflict):
        services.rubric_save(actor=office, name="Sửa bộ cũ", criteria=criteria, rubric=old, is_active=False)


def test_only_root_administrators_change_the_rubric(office_officer: User) -> None:
    criteria = [services.CriterionInput(code="dot-pha", name="Đột phá", weight=100)]
    with pytest.raises(PermissionDenied):
        services.rubric_save(actor=office_officer, name="Bộ mới", criteria=criteria)


# --- registration -----------------------------------------------------------------------------------


def test_anyone_registers_and_gets_a_tracking_code(anonymous: Any) -> None:
    initiative = services.initiative_register(
        actor=anonymous, content=content(), contact=contact(), consent=True, attachments=[pdf()]
    )
    assert tracking_code_normalize(initiative.tracking_code) == initiative.tracking_code
    assert initiative.tracking_code.startswith("SK-")
    assert initiative.status == InitiativeStatus.SUBMITTED
    assert initiative.budget_million_vnd == Decimal("12500.5")
    assert initiative.consent_at is not None
    assert initiative.submitted_by is None
    results = ExpectedResult.objects.filter(initiative=initiative, version=1)
    assert [(r.name, r.target, r.baseline) for r in results] == [
        ("Diện tích được lập bản đồ", Decimal("5000"), None),
        ("Độ chính xác dự báo vùng triển vọng", Decimal("85"), Decimal("60")),
    ]
    snapshot = InitiativeVersion.objects.get(initiative=initiative, version=1).content
    assert snapshot["area"] == "vat-lieu-moi"
    attachment = Attachment.objects.get(initiative=initiative)
    assert attachment.original_name == "thuyet-minh.pdf"
    assert attachment.content_type == "application/pdf"
    assert len(attachment.sha256) == 64
    event = AuditEvent.objects.get(object_type="initiatives.initiative", action=AuditAction.CREATE)
    # The audit log is append-only: contact data must never go into it.
    for secret in ("binh.nguyen@example.vn", "Nguyễn Văn Bình", "0912 345 678"):
        assert secret not in event.after_json
        assert secret not in event.object_repr


def test_a_signed_in_submitter_is_remembered(user_factory: Any) -> None:
    person = user_factory()
    initiative = services.initiative_register(
        actor=person, content=content(), contact=contact(), consent=True
    )
    assert initiative.submitted_by == person


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"problem": "   "}, "problem"),
        ({"solution": ""}, "solution"),
        ({"team": ""}, "team"),
        ({"lead_organisation": ""}, "lead_organisation"),
        ({"title": "x" * 301}, "title"),
        ({"area_code": "phep-thuat"}, "area"),
        ({"budget_million_vnd": "-5"}, "budget_million_vnd"),
        ({"budget_million_vnd": "nhiều"}, "budget_million_vnd"),
        ({"duration_months": 0}, "duration_months"),
        ({"duration_months": 121}, "duration_months"),
        ({"expected_results": []}, "expected_results"),
        (
            {
                "expected_results": [
                    services.ExpectedResultInput(name="Số người", unit_of_measure="", target="x")
                ]
            },
            "expected_results",
        ),
    ],
)
def test_bad_content_is_refused_on_its_field_and_nothing_is_stored(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.initiative_register(actor=None, content=content(**changes), contact=contact(), consent=True)
    assert field in caught.value.fields
    assert not Initiative.objects.exists()
    assert not ExpectedResult.objects.exists()


def test_an_inactive_area_is_refused() -> None:
    StrategicArea.objects.filter(code="vat-lieu-moi").update(is_active=False)
    with pytest.raises(ValidationFailed) as caught:
        services.initiative_register(actor=None, content=content(), contact=contact(), consent=True)
    assert "area" in caught.value.fields


@pytest.mark.parametrize(
    ("changes", "consent", "field"),
    [
        ({"name": ""}, True, "contact_name"),
        ({"email": "khong-phai-thu"}, True, "contact_email"),
        ({"phone": "gọi tôi"}, True, "contact_phone"),
        ({}, False, "consent"),
    ],
)
def test_bad_contact_or_no_consent_is_refused(changes: dict[str, str], consent: bool, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.initiative_register(
            actor=None, content=content(), contact=contact(**changes), consent=consent
        )
    assert field in caught.value.fields
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([SimpleUploadedFile("virus.exe", b"MZ\x90\x00")], "chỉ nhận PDF"),
        ([SimpleUploadedFile("anh.pdf", b"\x89PNG\r\n\x1a\n....")], "không đúng định dạng"),
        ([SimpleUploadedFile(f"t{i}.pdf", PDF_BYTES) for i in range(6)], "Tối đa 5 tệp"),
    ],
)
def test_forbidden_attachments_are_refused_and_nothing_is_stored(files: list[Any], message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.initiative_register(
            actor=None, content=content(), contact=contact(), consent=True, attachments=files
        )
    assert any(message in m for m in caught.value.fields["attachments"])
    assert not Initiative.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversize_attachment_is_refused() -> None:
    big = pdf(data=PDF_BYTES + b"0" * (services.MAX_ATTACHMENT_BYTES + 1 - len(PDF_BYTES)))
    with pytest.raises(ValidationFailed) as caught:
        services.initiative_register(
            actor=None, content=content(), contact=contact(), consent=True, attachments=[big]
        )
    assert caught.value.fields["attachments"] == ["Tệp thuyet-minh.pdf vượt quá 20 MB."]
    assert not Initiative.objects.exists()


def test_the_honeypot_stops_robots() -> None:
    with pytest.raises(ValidationFailed):
        services.initiative_register(
            actor=None, content=content(), contact=contact(), consent=True, honeypot="http://spam.example"
        )
    assert not Initiative.objects.exists()


def test_the_same_idempotency_key_returns_the_first_initiative_and_a_different_body_conflicts() -> None:
    first = services.initiative_register(
        actor=None, content=content(), contact=contact(), consent=True, idempotency_key="k-1"
    )
    again = services.initiative_register(
        actor=None, content=content(), contact=contact(), consent=True, idempotency_key="k-1"
    )
    assert again.pk == first.pk
    assert getattr(again, "replayed", False)
    with pytest.raises(Conflict) as caught:
        services.initiative_register(
            actor=None, content=content(title="Khác"), contact=contact(), consent=True, idempotency_key="k-1"
        )
    assert caught.value.code == "idempotency_conflict"
    assert Initiative.objects.count() == 1


# --- screening ------------------------------------------------------------------------------------


def test_screening_start_then_eligible_goes_to_review(scene: Scene, office_officer: User) -> None:
    initiative = scene.register()
    services.initiative_screening_start(actor=office_officer, initiative=initiative)
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.SCREENING
    services.initiative_screen(actor=office_officer, initiative=initiative, eligible=True)
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.IN_REVIEW
    assert initiative.screened_by == office_officer
    statuses = [
        e.after_json
        for e in AuditEvent.objects.filter(object_type="initiatives.initiative", action=AuditAction.UPDATE)
    ]
    assert any('"status":"screening"' in s for s in statuses)
    assert any('"status":"in_review"' in s for s in statuses)


def test_ineligible_needs_a_reason_that_the_submitter_sees(scene: Scene, office: User) -> None:
    initiative = scene.register()
    services.initiative_screening_start(actor=office, initiative=initiative)
    with pytest.raises(ValidationFailed) as caught:
        services.initiative_screen(actor=office, initiative=initiative, eligible=False, reason=" ")
    assert "reason" in caught.value.fields
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.SCREENING
    services.initiative_screen(
        actor=office, initiative=initiative, eligible=False, reason="Trùng nhiệm vụ đang làm."
    )
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.INELIGIBLE
    assert initiative.ineligible_reason == "Trùng nhiệm vụ đang làm."


def test_screening_out_of_order_is_a_conflict(scene: Scene, office: User) -> None:
    initiative = scene.register()
    with pytest.raises(Conflict):
        services.initiative_screen(actor=office, initiative=initiative, eligible=True)
    services.initiative_screening_start(actor=office, initiative=initiative)
    with pytest.raises(Conflict):
        services.initiative_screening_start(actor=office, initiative=initiative)


def test_people_outside_the_office_cannot_screen(scene: Scene, user_with_role: Any) -> None:
    initiative = scene.register()
    for outsider in (
        user_with_role(Role.ADMIN, "01"),
        user_with_role(Role.VIEWER, "BCDTW"),
        scene.experts[0],
    ):
        with pytest.raises(PermissionDenied):
            services.initiative_screening_start(actor=outsider, initiative=initiative)
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.SUBMITTED
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 3


# --- expert assignment and conflict of interest -------------------------------------------------------


def test_only_experts_are_assigned_once_per_version(scene: Scene, user_with_role: Any) -> None:
    initiative = scene.in_review()
    with pytest.raises(ValidationFailed):
        scene.assign(initiative, user_with_role(Role.OFFICER, "BCDTW"))
    review = scene.assign(initiative)
    assert (review.status, review.conflict, review.version) == (
        ReviewStatus.ASSIGNED,
        ConflictStatus.UNDECLARED,
        1,
    )
    with pytest.raises(ValidationFailed):
        scene.assign(initiative)
    assert Review.objects.count() == 1


def test_experts_are_assigned_only_during_review(scene: Scene) -> None:
    with pytest.raises(Conflict):
        scene.assign(scene.register())


def test_the_submitter_cannot_review_their_own_initiative(scene: Scene) -> None:
    expert = scene.experts[0]
    initiative = services.initiative_register(
        actor=expert, content=content(), contact=contact(), consent=True
    )
    services.initiative_screening_start(actor=scene.office, initiative=initiative)
    services.initiative_screen(actor=scene.office, initiative=initiative, eligible=True)
    with pytest.raises(ValidationFailed):
        scene.assign(initiative, expert)


def test_an_expert_with_a_conflict_cannot_score(scene: Scene) -> None:
    initiative = scene.in_review()
    review = scene.assign(initiative)
    with pytest.raises(ValidationFailed) as caught:
        services.review_declare_conflict(actor=review.expert, review=review, has_conflict=True)
    assert "note" in caught.value.fields
    services.review_declare_conflict(
        actor=review.expert, review=review, has_conflict=True, note="Tôi là cố vấn của tổ chức chủ trì."
    )
    review.refresh_from_db()
    assert (review.status, review.conflict) == (ReviewStatus.CONFLICT, ConflictStatus.CONFLICT)
    with pytest.raises(Conflict):
        services.review_submit(actor=review.expert, review=review, scores=GOOD_SCORES)
    with pytest.raises(Conflict):  # declared once
        services.review_declare_conflict(actor=review.expert, review=review, has_conflict=False)
    assert not ReviewScore.objects.exists()


def test_scoring_needs_a_declaration_first(scene: Scene) -> None:
    review = scene.assign(scene.in_review())
    with pytest.raises(Conflict):
        services.review_submit(actor=review.expert, review=review, scores=GOOD_SCORES)


def test_only_the_assigned_expert_declares_and_scores(scene: Scene) -> None:
    initiative = scene.in_review()
    review = scene.assign(initiative, scene.experts[0])
    for other in (scene.experts[1], scene.office):
        with pytest.raises(PermissionDenied):
            services.review_declare_conflict(actor=other, review=review, has_conflict=False)
    services.review_declare_conflict(actor=review.expert, review=review, has_conflict=False)
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=scene.experts[1], review=review, scores=GOOD_SCORES)


# --- scores -----------------------------------------------------------------------------------------


def test_a_review_totals_the_weighted_scores(scene: Scene) -> None:
    review = scene.score(scene.assign(scene.in_review()))
    assert review.status == ReviewStatus.SUBMITTED
    assert review.total == Decimal(GOOD_TOTAL)
    assert {s.criterion.code: (s.score, s.weight) for s in review.scores.select_related("criterion")} == {
        "tinh-dot-pha": (8, 30),
        "tinh-kha-thi": (7, 20),
        "tac-dong": (9, 25),
        "nang-luc-nhom": (6, 15),
        "hieu-qua-chi-phi": (5, 10),
    }
    with pytest.raises(Conflict):  # final once submitted
        services.review_submit(actor=review.expert, review=review, scores=GOOD_SCORES)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tinh-dot-pha": 11}, "scores.tinh-dot-pha"),
        ({"tac-dong": -1}, "scores.tac-dong"),
        ({"tinh-kha-thi": "bảy"}, "scores.tinh-kha-thi"),
        ({"tinh-kha-thi": 7.5}, "scores.tinh-kha-thi"),
        ({"khong-co": 5}, "scores.khong-co"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_stored(
    scene: Scene, changes: dict[str, Any], field: str
) -> None:
    review = scene.assign(scene.in_review())
    services.review_declare_conflict(actor=review.expert, review=review, has_conflict=False)
    with pytest.raises(ValidationFailed) as caught:
        services.review_submit(actor=review.expert, review=review, scores={**GOOD_SCORES, **changes})
    assert field in caught.value.fields
    review.refresh_from_db()
    assert review.status == ReviewStatus.ASSIGNED
    assert not ReviewScore.objects.exists()


def test_a_missing_criterion_is_refused(scene: Scene) -> None:
    review = scene.assign(scene.in_review())
    services.review_declare_conflict(actor=review.expert, review=review, has_conflict=False)
    scores = {k: v for k, v in GOOD_SCORES.items() if k != "tac-dong"}
    with pytest.raises(ValidationFailed) as caught:
        services.review_submit(actor=review.expert, review=review, scores=scores)
    assert "scores.tac-dong" in caught.value.fields


def test_the_round_is_reviewed_when_every_expert_has_answered_and_two_scored(scene: Scene) -> None:
    initiative = scene.in_review()
    first, second, third = (scene.assign(initiative, e) for e in scene.experts)
    scene.score(first)
    services.review_declare_conflict(
        actor=third.expert, review=third, has_conflict=True, note="Đồng tác giả."
    )
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.IN_REVIEW
    scene.score(second, {**GOOD_SCORES, "tinh-dot-pha": 10})
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.REVIEWED
    mean, count = services.review_round_score(initiative)
    assert count == 2
    assert mean == Decimal("77.50")  # (74.5 + 80.5) / 2


# --- the council decision -------------------------------------------------------------------------------


def test_a_decision_needs_two_submitted_reviews_without_conflict(scene: Scene, a_program: Any) -> None:
    initiative = scene.in_review()
    scene.score(scene.assign(initiative, scene.experts[0]))
    conflicted = scene.assign(initiative, scene.experts[1])
    services.review_declare_conflict(
        actor=conflicted.expert, review=conflicted, has_conflict=True, note="Người thân."
    )
    with pytest.raises(ValidationFailed) as caught:
        decide(scene.office, initiative)
    assert "reviews" in caught.value.fields
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.IN_REVIEW
    assert not CouncilDecision.objects.exists()
    assert not Task.objects.exists()


def test_a_decision_is_refused_before_review(scene: Scene) -> None:
    with pytest.raises(Conflict):
        decide(scene.office, scene.register(), Outcome.REJECTED)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reasons": ""}, "reasons"),
        ({"minutes_summary": " "}, "minutes_summary"),
        ({"responsible_unit": None}, "responsible_unit"),
        ({"meeting_on": timezone.localdate() + timedelta(days=2)}, "meeting_on"),
    ],
)
def test_bad_decisions_are_refused(scene: Scene, a_program: Any, changes: dict[str, Any], field: str) -> None:
    initiative = scene.reviewed()
    with pytest.raises(ValidationFailed) as caught:
        decide(scene.office, initiative, **changes)
    assert field in caught.value.fields
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.REVIEWED
    assert not Task.objects.exists()


def test_an_officer_of_the_office_cannot_record_the_decision(scene: Scene, office_officer: User) -> None:
    initiative = scene.reviewed()
    with pytest.raises(PermissionDenied):
        decide(office_officer, initiative, Outcome.REJECTED)
    assert not CouncilDecision.objects.exists()


def test_rejection_is_recorded_and_outstanding_reviews_are_withdrawn(scene: Scene) -> None:
    initiative = scene.in_review()
    for expert in scene.experts[:2]:
        scene.score(scene.assign(initiative, expert))
    pending = scene.assign(initiative, scene.experts[2])
    decision = decide(scene.office, initiative, Outcome.REJECTED)
    initiative.refresh_from_db()
    pending.refresh_from_db()
    assert initiative.status == InitiativeStatus.DECIDED
    assert decision.aggregated_score == Decimal(GOOD_TOTAL)
    assert decision.reviews_counted == 2
    assert pending.status == ReviewStatus.WITHDRAWN
    assert initiative.task is None
    assert AuditEvent.objects.filter(object_type="initiatives.councildecision").count() == 1


def test_selected_initiative_becomes_a_monitored_task_with_its_indicators(
    scene: Scene, a_program: Any, user_with_role: Any
) -> None:
    """The done-when: registration → two expert reviews → selected → a task in monitoring."""
    initiative = scene.reviewed()
    decision = decide(scene.office, initiative)
    initiative.refresh_from_db()
    task = initiative.task
    assert task is not None
    assert decision.outcome == Outcome.SELECTED
    assert decision.plan == task.plan
    assert task.plan.number == services.SELECTED_PLAN_NUMBER
    assert task.plan.program == a_program
    assert task.plan.issuer.code == "BCDTW"
    assert task.title == initiative.title
    assert task.code == f"SK-{initiative.pk}"
    assert task.lead_unit.code == "BO-KHCN"
    assert task.start_on == timezone.localdate()
    assert task.deadline_on is not None
    assert task.deadline_on > task.start_on
    assert f"/initiatives/{initiative.pk}/" in task.description
    lead = Assignment.objects.get(task=task)
    assert (lead.unit.code, lead.role) == ("BO-KHCN", AssignmentRole.LEAD)
    indicators = Indicator.objects.filter(task=task, is_current=True).order_by("key")
    assert [(i.key, i.name, i.unit_of_measure, i.target, i.baseline, i.target_on) for i in indicators] == [
        ("ket-qua-1", "Diện tích được lập bản đồ", "km²", Decimal("5000"), None, task.deadline_on),
        (
            "ket-qua-2",
            "Độ chính xác dự báo vùng triển vọng",
            "%",
            Decimal("85"),
            Decimal("60"),
            task.deadline_on,
        ),
    ]
    # Delivered like every other task: it appears in monitoring's own reads.
    assert task in delivery_selectors.task_list(plan=task.plan)
    ministry_officer = user_with_role(Role.OFFICER, "BO-KHCN")
    assert lead in delivery_selectors.my_assignments(user=ministry_officer)
    scorecard = delivery_selectors.unit_scorecard(unit=lead.unit, plan=task.plan)
    assert scorecard.total == 1
    # The second selected initiative goes into the same plan.
    other = scene.reviewed(title="Vệ tinh quan sát Trái Đất thế hệ mới", area_code="hang-khong-vu-tru")
    decide(scene.office, other)
    other.refresh_from_db()
    assert other.task is not None
    assert other.task.plan == task.plan
    assert Plan.objects.filter(number=services.SELECTED_PLAN_NUMBER).count() == 1


def test_the_council_may_choose_the_plan(scene: Scene, plan_in_hanoi: Any, user_with_role: Any) -> None:
    initiative = scene.reviewed()
    decide(scene.office, initiative, responsible_unit=Unit.objects.get(code="01"), plan=plan_in_hanoi)
    initiative.refresh_from_db()
    assert initiative.task is not None
    assert initiative.task.plan == plan_in_hanoi


def test_without_a_programme_selection_names_a_plan(scene: Scene) -> None:
    initiative = scene.reviewed()
    with pytest.raises(ValidationFailed) as caught:
        decide(scene.office, initiative)
    assert "plan" in caught.value.fields
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.REVIEWED
    assert not CouncilDecision.objects.exists()


def test_a_failure_while_creating_the_task_rolls_everything_back(scene: Scene, a_program: Any) -> None:
    initiative = scene.reviewed()
    inactive = Unit.objects.get(code="BO-KHCN")
    Unit.objects.filter(pk=inactive.pk).update(is_active=False)
    inactive.refresh_from_db()
    with pytest.raises(ValidationFailed):
        decide(scene.office, initiative, responsible_unit=inactive)
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.REVIEWED
    assert not CouncilDecision.objects.exists()
    assert not Task.objects.exists()


# --- needs revision and resubmission ---------------------------------------------------------------------


def test_needs_revision_lets_the_submitter_send_a_new_version(scene: Scene) -> None:
    initiative = scene.reviewed()
    decide(scene.office, initiative, Outcome.NEEDS_REVISION, reasons="Cần làm rõ lộ trình và kinh phí.")
    with pytest.raises(ValidationFailed):  # the e-mail given at registration identifies the submitter
        services.initiative_resubmit(
            actor=None,
            tracking_code=initiative.tracking_code,
            contact_email="ai.do@example.vn",
            content=content(),
        )
    revised = content(title="Bản đồ số đất hiếm (bản hoàn thiện)", budget_million_vnd="9000")
    services.initiative_resubmit(
        actor=None,
        tracking_code=initiative.tracking_code.lower().replace("-", " "),
        contact_email="Binh.Nguyen@example.vn",
        content=revised,
    )
    initiative.refresh_from_db()
    assert (initiative.version, initiative.status) == (2, InitiativeStatus.SUBMITTED)
    assert initiative.title == "Bản đồ số đất hiếm (bản hoàn thiện)"
    versions = list(InitiativeVersion.objects.filter(initiative=initiative).order_by("version"))
    assert [v.content["title"] for v in versions] == [
        "Bản đồ số đất hiếm bằng ảnh vệ tinh và học máy",
        "Bản đồ số đất hiếm (bản hoàn thiện)",
    ]
    assert ExpectedResult.objects.filter(initiative=initiative, version=1).count() == 2
    assert ExpectedResult.objects.filter(initiative=initiative, version=2).count() == 2
    assert Review.objects.filter(initiative=initiative, version=1, status=ReviewStatus.SUBMITTED).count() == 2
    # The new version is reviewed from scratch: the old reviews do not count.
    services.initiative_screening_start(actor=scene.office, initiative=initiative)
    services.initiative_screen(actor=scene.office, initiative=initiative, eligible=True)
    initiative.refresh_from_db()
    assert services.review_round_score(initiative) == (None, 0)
    with pytest.raises(ValidationFailed):
        decide(scene.office, initiative, Outcome.REJECTED)
    review = scene.assign(initiative, scene.experts[0])  # the same expert may review the new version
    assert review.version == 2


def test_only_needs_revision_may_be_resubmitted(scene: Scene) -> None:
    initiative = scene.reviewed()
    decide(scene.office, initiative, Outcome.REJECTED)
    with pytest.raises(Conflict):
        services.initiative_resubmit(
            actor=None,
            tracking_code=initiative.tracking_code,
            contact_email=contact().email,
            content=content(),
        )
    initiative.refresh_from_db()
    assert initiative.version == 1


def test_resubmission_content_is_validated(scene: Scene) -> None:
    initiative = scene.reviewed()
    decide(scene.office, initiative, Outcome.NEEDS_REVISION)
    with pytest.raises(ValidationFailed) as caught:
        services.initiative_resubmit(
            actor=None,
            tracking_code=initiative.tracking_code,
            contact_email=contact().email,
            content=replace(content(), area_code="khong-co"),
        )
    assert "area" in caught.value.fields
    initiative.refresh_from_db()
    assert initiative.version == 1
