"""The initiative pages over HTTP: public registration and tracking, the office's and the
experts' pages (blind review), published decisions without personal data, the demo."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from thuocdo.accounts.models import Role
from thuocdo.delivery.models import Task
from thuocdo.initiatives import services
from thuocdo.initiatives.models import Attachment, Initiative, InitiativeStatus, Outcome, Review, ReviewStatus
from thuocdo.units.models import Unit

from .factories import GOOD_SCORES, PDF_BYTES, Scene, contact, content

pytestmark = pytest.mark.django_db

CONTACT_DATA = ("binh.nguyen@example.vn", "Nguyễn Văn Bình", "0912 345 678")


def form_data(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Robot hái chè tự động cho vùng trung du",
        "problem": "Thiếu lao động hái chè.",
        "solution": "Robot có thị giác máy tính chọn búp chè.",
        "area": "robot-tu-dong-hoa",
        "budget_million_vnd": "3500",
        "duration_months": "12",
        "lead_organisation": "Trường Đại học Nông Lâm Thái Nguyên",
        "team": "5 kỹ sư cơ điện tử.",
        "result_1_name": "Số robot vận hành thử",
        "result_1_unit": "robot",
        "result_1_target": "20",
        "contact_name": "Nguyễn Văn Bình",
        "contact_email": "binh.nguyen@example.vn",
        "contact_phone": "0912 345 678",
        "consent": "on",
        "website": "",
        "idempotency_key": "form-1",
        **changes,
    }


def test_the_registration_form_is_public_and_returns_a_tracking_code(client: Client) -> None:
    page = client.get("/initiatives/register/")
    assert page.status_code == 200
    assert "Trí tuệ nhân tạo" in page.content.decode()  # the areas come from the data file
    response = client.post(
        "/initiatives/register/",
        {**form_data(), "attachments": SimpleUploadedFile("thuyet-minh.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert Attachment.objects.filter(initiative=initiative).count() == 1
    done = client.get(response["Location"])
    assert initiative.tracking_code in done.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Trường này là bắt buộc."),
        ({"area": "khong-co"}, "Hãy chọn một lựa chọn hợp lệ."),
        ({"consent": ""}, "Cần đồng ý với thông báo xử lý dữ liệu cá nhân"),
        ({"result_1_target": "hai mươi"}, "giá trị mục tiêu phải là số"),
        ({"website": "http://spam.example"}, "Không thể tiếp nhận yêu cầu này."),
    ],
)
def test_bad_registrations_are_shown_and_nothing_is_stored(
    client: Client, changes: dict[str, str], message: str
) -> None:
    response = client.post("/initiatives/register/", form_data(**changes), HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert not Initiative.objects.exists()


def test_a_forbidden_attachment_is_shown_and_nothing_is_stored(client: Client) -> None:
    response = client.post(
        "/initiatives/register/",
        {**form_data(), "attachments": SimpleUploadedFile("macro.docm", b"PK\x03\x04")},
    )
    assert response.status_code == 400
    assert "chỉ nhận PDF" in response.content.decode()
    assert not Initiative.objects.exists()


def test_the_tracking_page_shows_status_and_reason_but_no_contact_data(client: Client, scene: Scene) -> None:
    initiative = scene.register()
    services.initiative_screening_start(actor=scene.office, initiative=initiative)
    services.initiative_screen(actor=scene.office, initiative=initiative, eligible=False, reason="Trùng lặp.")
    lookup = client.get("/initiatives/track/", {"code": initiative.tracking_code.lower()})
    assert lookup.status_code == 302
    page = client.get(lookup["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Không đủ điều kiện" in text
    assert "Trùng lặp." in text
    assert page["Cache-Control"] == "private, no-store"
    for secret in CONTACT_DATA:
        assert secret not in text
    assert client.get("/initiatives/track/SK-22222-22222/").status_code == 404
    assert client.get("/initiatives/track/", {"code": "SK-22222-22222"}).status_code == 400


def test_the_office_works_through_the_pages(client: Client, scene: Scene, a_program: Any) -> None:
    initiative = scene.register()
    client.force_login(scene.office)
    queue = client.get("/initiatives/office/")
    assert queue.status_code == 200
    assert initiative.title in queue.content.decode()
    partial = client.get(
        "/initiatives/office/",
        {"status": "submitted"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="initiative-queue",
    )
    assert "<html" not in partial.content.decode()
    assert initiative.title in partial.content.decode()
    detail = client.get(f"/initiatives/office/{initiative.pk}/")
    assert "binh.nguyen@example.vn" in detail.content.decode()  # the office sees the contact
    client.post(f"/initiatives/office/{initiative.pk}/screen/", {"start": "1"})
    refused = client.post(
        f"/initiatives/office/{initiative.pk}/screen/", {"decision": "ineligible", "reason": ""}
    )
    assert refused.status_code == 400
    client.post(f"/initiatives/office/{initiative.pk}/screen/", {"decision": "eligible"})
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.IN_REVIEW
    for expert in scene.experts[:2]:
        assigned = client.post(
            f"/initiatives/office/{initiative.pk}/experts/",
            {"expert": str(expert.pk)},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="office-reviews",
        )
        assert assigned.status_code == 200
        assert expert.display_name in assigned.content.decode()
    decision = {
        "outcome": Outcome.SELECTED,
        "reasons": "Đột phá.",
        "minutes_summary": "Biểu quyết 7/7.",
        "meeting_on": timezone.localdate().strftime("%d/%m/%Y"),
        "responsible_unit": "BO-KHCN",
    }
    too_early = client.post(f"/initiatives/office/{initiative.pk}/decision/", decision)
    assert too_early.status_code == 400
    assert "Cần ít nhất 2 phiếu chấm" in too_early.content.decode()
    for review in Review.objects.filter(initiative=initiative):
        scene.score(review)
    ranking = client.get("/initiatives/office/ranking/")
    assert initiative.title in ranking.content.decode()
    done = client.post(f"/initiatives/office/{initiative.pk}/decision/", decision)
    assert done.status_code == 302
    initiative.refresh_from_db()
    assert initiative.task is not None
    page = client.get(f"/initiatives/office/{initiative.pk}/").content.decode()
    assert f"/public/tasks/{initiative.task_id}/" in page  # the initiative links to its task


def test_internal_pages_are_closed_to_others(client: Client, scene: Scene, user_with_role: Any) -> None:
    initiative = scene.register()
    assert client.get("/initiatives/office/").status_code == 302  # to the login page
    client.force_login(user_with_role(Role.ADMIN, "01"))
    assert client.get("/initiatives/office/").status_code == 403
    assert client.get(f"/initiatives/office/{initiative.pk}/").status_code == 403
    assert client.post(f"/initiatives/office/{initiative.pk}/screen/", {"start": "1"}).status_code == 403
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.SUBMITTED


def test_experts_review_blind_until_they_submit(client: Client, scene: Scene) -> None:
    initiative = scene.in_review()
    first = scene.assign(initiative, scene.experts[0])
    second = scene.assign(initiative, scene.experts[1])
    services.review_declare_conflict(actor=first.expert, review=first, has_conflict=False)
    services.review_submit(
        actor=first.expert, review=first, scores=GOOD_SCORES, comment="NHAN-XET-CUA-CHUYEN-GIA-1"
    )
    client.force_login(second.expert)
    mine = client.get("/initiatives/reviews/")
    assert initiative.title in mine.content.decode()
    page = client.get(f"/initiatives/reviews/{second.pk}/").content.decode()
    assert "NHAN-XET-CUA-CHUYEN-GIA-1" not in page
    assert "74,50" not in page
    assert "74.50" not in page
    assert "Khai báo xung đột lợi ích" in page
    # Another expert's review cannot be opened at all.
    assert client.get(f"/initiatives/reviews/{first.pk}/").status_code == 404
    assert client.post(f"/initiatives/reviews/{first.pk}/submit/", {}).status_code == 404
    # The office page of the initiative sends an expert to their own review.
    assert (
        client.get(f"/initiatives/office/{initiative.pk}/")["Location"]
        == f"/initiatives/reviews/{second.pk}/"
    )
    client.post(f"/initiatives/reviews/{second.pk}/conflict/", {"has_conflict": "no"})
    out_of_range = client.post(
        f"/initiatives/reviews/{second.pk}/submit/", {f"score_{k}": 11 for k in GOOD_SCORES}
    )
    assert out_of_range.status_code == 400
    second.refresh_from_db()
    assert second.status == ReviewStatus.ASSIGNED
    client.post(
        f"/initiatives/reviews/{second.pk}/submit/", {f"score_{k}": v for k, v in GOOD_SCORES.items()}
    )
    second.refresh_from_db()
    assert second.status == ReviewStatus.SUBMITTED
    page = client.get(f"/initiatives/reviews/{second.pk}/").content.decode()
    assert "NHAN-XET-CUA-CHUYEN-GIA-1" in page
    assert first.expert.display_name not in page  # others' scores without their names


def test_an_expert_with_a_conflict_does_not_read_the_full_initiative(client: Client, scene: Scene) -> None:
    initiative = scene.in_review(solution="GIAI-PHAP-CHI-TIET")
    review = scene.assign(initiative)
    client.force_login(review.expert)
    assert "GIAI-PHAP-CHI-TIET" not in client.get(f"/initiatives/reviews/{review.pk}/").content.decode()
    response = client.post(f"/initiatives/reviews/{review.pk}/conflict/", {"has_conflict": "yes", "note": ""})
    assert response.status_code == 400
    client.post(
        f"/initiatives/reviews/{review.pk}/conflict/", {"has_conflict": "yes", "note": "Đồng tác giả."}
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.CONFLICT
    assert "GIAI-PHAP-CHI-TIET" not in client.get(f"/initiatives/reviews/{review.pk}/").content.decode()


def test_attachments_are_for_the_office_and_assigned_experts(client: Client, scene: Scene) -> None:
    initiative = services.initiative_register(
        actor=None,
        content=content(),
        contact=contact(),
        consent=True,
        attachments=[SimpleUploadedFile("thuyet-minh.pdf", PDF_BYTES)],
    )
    attachment = Attachment.objects.get(initiative=initiative)
    path = f"/initiatives/attachments/{attachment.pk}/"
    assert client.get(path).status_code == 302
    client.force_login(scene.experts[0])
    assert client.get(path).status_code == 404
    client.force_login(scene.office)
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_public_pages_show_decisions_without_personal_data(
    client: Client, scene: Scene, a_program: Any
) -> None:
    selected = scene.reviewed()
    services.initiative_decide(
        actor=scene.office,
        initiative=selected,
        outcome=Outcome.SELECTED,
        reasons="LY-DO-CONG-KHAI",
        minutes_summary="TOM-TAT-BIEN-BAN",
        minutes="BIEN-BAN-NOI-BO",
        responsible_unit=Unit.objects.get(code="BO-KHCN"),
    )
    undecided = scene.in_review(title="SANG-KIEN-CHUA-QUYET-DINH")
    pages = [
        client.get("/initiatives/"),
        client.get(f"/initiatives/{selected.pk}/"),
        client.get(f"/initiatives/track/{selected.tracking_code}/"),
    ]
    assert all(p.status_code == 200 for p in pages)
    text = "".join(p.content.decode() for p in pages)
    assert "LY-DO-CONG-KHAI" in text
    assert "TOM-TAT-BIEN-BAN" in text
    assert "74,50" in text  # the aggregated score (two equal reviews), in Vietnamese number format
    assert f"/public/tasks/{Task.objects.get().pk}/" in text
    for secret in (*CONTACT_DATA, "BIEN-BAN-NOI-BO", "SANG-KIEN-CHUA-QUYET-DINH"):
        assert secret not in text
    for expert in scene.experts:
        assert expert.username not in text
        assert expert.display_name not in text
    assert client.get(f"/initiatives/{undecided.pk}/").status_code == 404


def test_resubmission_from_the_tracking_page(client: Client, scene: Scene) -> None:
    initiative = scene.reviewed()
    services.initiative_decide(
        actor=scene.office,
        initiative=initiative,
        outcome=Outcome.NEEDS_REVISION,
        reasons="Làm rõ kinh phí.",
        minutes_summary="Đề nghị hoàn thiện.",
    )
    page = client.get(f"/initiatives/track/{initiative.tracking_code}/").content.decode()
    assert "Hoàn thiện và gửi lại sáng kiến" in page
    data = form_data(contact_email="binh.nguyen@example.vn", title="Bản hoàn thiện")
    response = client.post(f"/initiatives/track/{initiative.tracking_code}/revise/", data)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.version, initiative.title, initiative.status) == (2, "Bản hoàn thiện", "submitted")
    again = client.get(f"/initiatives/track/{initiative.tracking_code}/revise/")
    assert again.status_code == 302  # no longer awaiting revision


def test_the_demo_loads_once_and_is_marked(
    client: Client, user_with_role: Any, a_program: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("thuocdo.initiatives.demo.credentials_file", lambda: tmp_path / "credentials.json")
    user_with_role(Role.ADMIN, "BCDTW", username="vanphong")
    user_with_role(Role.EXPERT, "HDTV", username="chuyengia")
    call_command("seed_initiatives_demo", "--force")
    call_command("seed_initiatives_demo", "--force")
    demo = Initiative.objects.filter(is_demo=True)
    assert demo.count() == 5
    in_review = demo.filter(status=InitiativeStatus.IN_REVIEW)
    assert in_review.count() == 2
    submitted_reviews = sorted(
        Review.objects.filter(initiative=i, status=ReviewStatus.SUBMITTED).count() for i in in_review
    )
    assert submitted_reviews == [0, 1]
    selected = demo.get(status=InitiativeStatus.DECIDED)
    assert selected.task is not None
    assert selected.task.indicators.count() == 3
    assert "Dữ liệu minh hoạ" in client.get("/initiatives/").content.decode()
    assert "chuyengia2" in (tmp_path / "credentials.json").read_text()


def test_the_task_page_links_back_to_the_initiative(
    client: Client, scene: Scene, a_program: Any, user_with_role: Any
) -> None:
    initiative = scene.reviewed()
    services.initiative_decide(
        actor=scene.office,
        initiative=initiative,
        outcome=Outcome.SELECTED,
        reasons="Đột phá.",
        minutes_summary="Biểu quyết tán thành.",
        responsible_unit=Unit.objects.get(code="BO-KHCN"),
    )
    task = Task.objects.get()
    client.force_login(user_with_role(Role.LEADER, "BO-KHCN"))
    page = client.get(reverse("delivery:assignment", args=[task.assignments.get().pk]))
    assert page.status_code == 200
    assert f'href="/initiatives/{initiative.pk}/"' in page.content.decode()
