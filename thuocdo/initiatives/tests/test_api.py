"""The initiatives API over HTTP: public registration with idempotency, tracking and
published decisions without personal data, and the internal procedure with blind review."""

import json
from typing import Any

import pytest
from django.test import Client

from thuocdo.accounts.models import User
from thuocdo.accounts.services import api_token_create
from thuocdo.delivery.models import Indicator, Task
from thuocdo.initiatives.models import Initiative, InitiativeStatus, Review

from .factories import GOOD_SCORES, Scene

pytestmark = pytest.mark.django_db

CONTACT_DATA = ("binh.nguyen@example.vn", "Nguyễn Văn Bình", "0912 345 678")


def url(path: str) -> str:
    return f"/api/v1/initiatives{path}"


def post(client: Client, path: str, body: Any = None, **extra: Any) -> Any:
    return client.post(url(path), data=json.dumps(body or {}), content_type="application/json", **extra)


def body(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Bản đồ số đất hiếm bằng ảnh vệ tinh và học máy",
        "problem": "Chưa có bản đồ trữ lượng đất hiếm đủ chi tiết.",
        "solution": "Ảnh vệ tinh đa phổ và học máy.",
        "area": "vat-lieu-moi",
        "budget_million_vnd": "12500",
        "duration_months": 18,
        "lead_organisation": "Viện Địa chất và Khoáng sản",
        "team": "6 nghiên cứu viên.",
        "expected_results": [{"name": "Diện tích được lập bản đồ", "unit_of_measure": "km²", "target": 5000}],
        "contact_name": "Nguyễn Văn Bình",
        "contact_email": "binh.nguyen@example.vn",
        "contact_phone": "0912 345 678",
        "consent": True,
        **changes,
    }


def test_registration_is_public_and_idempotent(client: Client) -> None:
    response = post(client, "/", body(), HTTP_IDEMPOTENCY_KEY="dang-ky-1")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["tracking_code"].startswith("SK-")
    assert created["tracking_url"] == f"/initiatives/track/{created['tracking_code']}/"
    replay = post(client, "/", body(), HTTP_IDEMPOTENCY_KEY="dang-ky-1")
    assert replay.status_code == 200
    assert replay.json()["id"] == created["id"]
    conflict = post(client, "/", body(title="Khác hẳn"), HTTP_IDEMPOTENCY_KEY="dang-ky-1")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    assert Initiative.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"area": "khong-co"}, "area"),
        ({"consent": False}, "consent"),
        ({"expected_results": []}, "expected_results"),
        ({"title": ""}, "title"),
        ({"duration_months": 500}, "duration_months"),
    ],
)
def test_registration_errors_are_structured(client: Client, changes: dict[str, Any], field: str) -> None:
    response = post(client, "/", body(**changes))
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert not Initiative.objects.exists()


def test_a_missing_field_is_a_validation_error(client: Client) -> None:
    incomplete = body()
    del incomplete["solution"]
    response = post(client, "/", incomplete)
    assert response.status_code == 422
    assert "solution" in response.json()["error"]["fields"]


def test_tracking_by_code_shows_status_and_no_contact_data(client: Client, scene: Scene) -> None:
    initiative = scene.register()
    response = client.get(url(f"/track/{initiative.tracking_code.lower()}"))
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["decision"], data["may_resubmit"]) == ("submitted", None, False)
    for secret in CONTACT_DATA:
        assert secret not in response.content.decode()
    assert client.get(url("/track/SK-22222-22222")).status_code == 404
    assert client.get(url("/track/rac")).status_code == 404


def test_internal_endpoints_need_authentication_and_the_office(client: Client, scene: Scene) -> None:
    initiative = scene.register()
    assert client.get(url("/")).status_code == 401
    assert client.get(url(f"/{initiative.pk}")).status_code == 401
    client.force_login(scene.experts[0])
    assert client.get(url("/")).status_code == 403
    assert client.get(url(f"/{initiative.pk}")).status_code == 403
    assert post(client, f"/{initiative.pk}/screening", {"action": "start"}).status_code == 403


def _token(user: User) -> dict[str, str]:
    _record, plaintext = api_token_create(actor=user, name="kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def test_the_whole_procedure_through_the_api(client: Client, scene: Scene, a_program: Any) -> None:
    office = _token(scene.office)
    first, second = (_token(e) for e in scene.experts[:2])
    created = post(client, "/", body()).json()
    pk = created["id"]
    listed = client.get(url("/"), **office).json()
    assert [i["id"] for i in listed["items"]] == [pk]
    assert post(client, f"/{pk}/screening", {"action": "start"}, **office).status_code == 200
    screened = post(client, f"/{pk}/screening", {"action": "eligible"}, **office)
    assert screened.json()["status"] == "in_review"
    detail = client.get(url(f"/{pk}"), **office).json()
    assert detail["contact_email"] == "binh.nguyen@example.vn"  # the office sees the contact
    review_ids = []
    for expert in scene.experts[:2]:
        assigned = post(client, f"/{pk}/experts", {"expert": expert.username}, **office)
        assert assigned.status_code == 201
        review_ids.append(assigned.json()["id"])
    assert post(client, f"/{pk}/experts", {"expert": "khong-ai"}, **office).status_code == 422
    # A decision with no submitted review is refused.
    too_early = post(
        client,
        f"/{pk}/decision",
        {"outcome": "rejected", "reasons": "x", "minutes_summary": "y"},
        **office,
    )
    assert too_early.status_code == 422
    assert "reviews" in too_early.json()["error"]["fields"]
    # First expert: declares, scores out of range (refused), then scores.
    assert (
        post(client, f"/reviews/{review_ids[0]}/conflict", {"has_conflict": False}, **first).status_code
        == 200
    )
    bad = post(
        client, f"/reviews/{review_ids[0]}/submit", {"scores": {**GOOD_SCORES, "tac-dong": 11}}, **first
    )
    assert bad.status_code == 422
    assert "scores.tac-dong" in bad.json()["error"]["fields"]
    submitted = post(
        client, f"/reviews/{review_ids[0]}/submit", {"scores": GOOD_SCORES, "comment": "Tốt"}, **first
    )
    assert submitted.json()["total"] == "74.50"
    # Blind review: the second expert, before submitting, sees only their own review.
    seen = client.get(url(f"/{pk}"), **second).json()
    assert [r["id"] for r in seen["reviews"]] == [review_ids[1]]
    assert seen["contact_email"] is None  # experts never see the submitter's contact
    assert (
        post(client, f"/reviews/{review_ids[0]}/submit", {"scores": GOOD_SCORES}, **second).status_code == 404
    )
    assert (
        post(client, f"/reviews/{review_ids[1]}/conflict", {"has_conflict": False}, **second).status_code
        == 200
    )
    post(
        client, f"/reviews/{review_ids[1]}/submit", {"scores": {**GOOD_SCORES, "tinh-dot-pha": 10}}, **second
    )
    seen = client.get(url(f"/{pk}"), **second).json()
    assert {r["id"] for r in seen["reviews"]} == set(review_ids)
    assert {r["total"] for r in seen["reviews"]} == {"74.50", "80.50"}
    mine = client.get(url("/reviews/mine"), **second).json()
    assert [r["id"] for r in mine["items"]] == [review_ids[1]]
    # The council selects; the initiative becomes a task with its indicator.
    decided = post(
        client,
        f"/{pk}/decision",
        {
            "outcome": "selected",
            "reasons": "Đột phá, khả thi.",
            "minutes_summary": "Biểu quyết 7/7.",
            "responsible_unit": "BO-KHCN",
        },
        **office,
    )
    assert decided.status_code == 201, decided.content
    decision = decided.json()
    assert decision["aggregated_score"] == "77.50"
    task = Task.objects.get(pk=decision["task_id"])
    assert task.lead_unit.code == "BO-KHCN"
    assert Indicator.objects.filter(task=task, key="ket-qua-1", target=5000).exists()
    assert Initiative.objects.get(pk=pk).status == InitiativeStatus.DECIDED
    # Published, with no contact data and no expert identities.
    published = client.get(url("/published")).json()
    assert [i["id"] for i in published["items"]] == [pk]
    assert published["items"][0]["decision"]["task_id"] == task.pk
    text = (
        client.get(url(f"/published/{pk}")).content.decode() + client.get(url("/published")).content.decode()
    )
    text += client.get(url(f"/track/{created['tracking_code']}")).content.decode()
    for secret in (*CONTACT_DATA, *(e.username for e in scene.experts)):
        assert secret not in text


def test_decision_with_an_unknown_unit_is_refused(client: Client, scene: Scene, a_program: Any) -> None:
    initiative = scene.reviewed()
    client.force_login(scene.office)
    response = post(
        client,
        f"/{initiative.pk}/decision",
        {"outcome": "selected", "reasons": "x", "minutes_summary": "y", "responsible_unit": "KHONG-CO"},
    )
    assert response.status_code == 422
    assert "responsible_unit" in response.json()["error"]["fields"]
    assert not Task.objects.exists()


def test_published_list_hides_undecided_initiatives(client: Client, scene: Scene) -> None:
    scene.reviewed()
    assert client.get(url("/published")).json()["items"] == []
    assert Review.objects.count() == 2
