from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from thuocdo.accounts.models import User
from thuocdo.accounts.services import api_token_create
from thuocdo.audit.models import AuditEvent
from thuocdo.feedback.models import Case, CaseEvent, Item
from thuocdo.feedback.services import pending_cases_process
from thuocdo.notifications.models import EmailDelivery, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


BODY: dict[str, Any] = {
    "kind": "report",
    "topic": "ha-tang-vien-thong",
    "title": "Mất sóng 4G ở phường Ba Đình",
    "body": "Từ tuần trước, khu vực tổ dân phố số 5 mất sóng 4G hoàn toàn vào buổi tối.",
    "commune": "00004",
    "contact_name": "Lê Thị Hoa",
    "contact_email": "hoa@example.vn",
    "consent": True,
}


def _post(client: Client, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/feedback/items", body, content_type="application/json", headers=headers)


def test_the_processors_audit_entry_names_the_submitting_request(client: Client, topics: None) -> None:
    response = client.post(
        "/api/v1/feedback/items",
        BODY,
        content_type="application/json",
        headers={"X-Request-ID": "req-intake-42"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 201
    pending_cases_process()
    case_id = Item.objects.get(tracking_code=response.json()["tracking_code"]).case_id
    entry = AuditEvent.objects.get(object_type="feedback.case", object_id=str(case_id), action="create")
    assert (entry.channel, entry.ip_address, entry.request_id) == ("api", "203.0.113.7", "req-intake-42")


def test_filing_without_an_account_is_accepted_then_routed_after_the_commit(
    client: Client, topics: None, django_capture_on_commit_callbacks: Any
) -> None:
    # The commit's callbacks run at the end of the block: the processor's kick among them
    # (the test settings' backend runs the job at once).
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, BODY)
        assert response.status_code == 201
        data = response.json()
        assert data["tracking_code"].startswith("PA-")
        # Stored and answered before routing: received, being routed, nobody responsible yet.
        assert data["state"] == "received" and data["routing_pending"] is True and data["unit"] is None
        assert data["state_label"] == "Đã tiếp nhận, đang chuyển đến cơ quan có thẩm quyền"
        assert data["tracking_url"].endswith(f"/feedback/track/{data['tracking_code']}/")
        pending = client.get(f"/api/v1/feedback/track/{data['tracking_code']}").json()
        assert pending["routing_pending"] is True and pending["unit"] is None
        assert [event["kind"] for event in pending["history"]] == ["received"]
    tracked = client.get(f"/api/v1/feedback/track/{data['tracking_code'].lower()}").json()
    assert tracked["state"] == "assigned" and tracked["unit"]["code"] == "01"
    assert tracked["routing_pending"] is False
    assert [event["kind"] for event in tracked["history"]] == ["received", "routed", "assigned"]
    assert tracked["history"][0]["at"] == pending["history"][0]["at"]
    assert "hoa@example.vn" not in str(tracked) and "Lê Thị Hoa" not in str(tracked)


def test_accepting_writes_the_case_and_the_item_only(client: Client, topics: None) -> None:
    response = _post(client, BODY)  # nothing commits in this test: the processor never runs
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.routing_method == "pending" and case.state == "received" and case.unit is None
    assert case.items.get().tracking_code == response.json()["tracking_code"]
    assert (
        not CaseEvent.objects.exists() and not AuditEvent.objects.filter(object_type="feedback.case").exists()
    )
    assert not Notification.objects.exists() and not EmailDelivery.objects.exists()


def test_a_retry_with_the_same_key_returns_the_same_item(client: Client, topics: None) -> None:
    first = _post(client, BODY, key="retry-1")
    second = _post(client, BODY, key="retry-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    conflict = _post(client, {**BODY, "title": "Một nội dung khác hẳn"}, key="retry-1")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    # A used key conflicts even when the other body is not valid either.
    invalid = _post(client, {**BODY, "title": ""}, key="retry-1")
    assert invalid.status_code == 409
    assert Item.objects.count() == 1 and Case.objects.count() == 1
    assert pending_cases_process().processed == 1
    # After processing, a retry answers with the routed case.
    replay = _post(client, BODY, key="retry-1")
    assert replay.status_code == 200
    assert replay.json()["unit"]["code"] == "01" and replay.json()["routing_pending"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": "x" * 6000}, "body"),
        ({"commune": "00000"}, "commune"),
        ({"topic": "khong-co"}, "topic"),
        ({"consent": False}, "consent"),
    ],
)
def test_bad_input_gets_structured_errors(
    client: Client, topics: None, change: dict[str, Any], field: str
) -> None:
    response = _post(client, {**BODY, **change}, key="bad-1")
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert not Case.objects.exists() and not Item.objects.exists()


def test_wrong_types_get_structured_errors(client: Client, topics: None) -> None:
    response = _post(client, {**BODY, "consent": "maybe", "latitude": "north"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_intake_is_rate_limited_per_contact(client: Client, topics: None, settings: Any) -> None:
    settings.FEEDBACK_RATE_PER_CONTACT = "2/h"
    codes = [_post(client, {**BODY, "title": f"Mất sóng lần {n} ở Ba Đình"}).status_code for n in range(3)]
    assert codes == [201, 201, 429]
    assert Item.objects.count() == 2


def test_unknown_tracking_code_is_404(client: Client, topics: None) -> None:
    assert client.get("/api/v1/feedback/track/KN-AAAAA-AAAAA").status_code == 404
    assert client.get("/api/v1/feedback/track/not-a-code").status_code == 404


def test_handlers_work_through_the_api_with_a_token(
    client: Client, submit: Callable[..., Item], hanoi_officer: User, hcm_officer: User
) -> None:
    item = submit()
    _token, secret = api_token_create(actor=hanoi_officer, name="Hệ thống một cửa")
    auth = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/feedback/cases", headers=auth).json()
    assert [c["id"] for c in listed["items"]] == [item.case_id]
    accepted = client.post(f"/api/v1/feedback/cases/{item.case_id}/accept", headers=auth)
    assert accepted.json()["state"] == "in_progress"
    answer = {"answer": "Đã yêu cầu nhà mạng lắp thêm trạm phát sóng trong tháng này."}
    answered = client.post(
        f"/api/v1/feedback/cases/{item.case_id}/answer", answer, content_type="application/json", headers=auth
    )
    assert answered.json()["state"] == "answered"
    detail = client.get(f"/api/v1/feedback/cases/{item.case_id}", headers=auth).json()
    assert "an.nguyen@example.vn" not in str(detail)
    contact = client.get(f"/api/v1/feedback/items/{item.pk}/contact", headers=auth).json()
    assert contact["email"] == "an.nguyen@example.vn"
    assert AuditEvent.objects.filter(action="view_personal_data", actor=hanoi_officer).count() == 1
    _token, other = api_token_create(actor=hcm_officer, name="TP HCM")
    outsider = {"Authorization": f"Bearer {other}"}
    assert client.get(f"/api/v1/feedback/cases/{item.case_id}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/feedback/items/{item.pk}/contact", headers=outsider).status_code == 403


def test_rating_and_dispute_by_tracking_code(
    client: Client, submit: Callable[..., Item], hanoi_officer: User
) -> None:
    from thuocdo.feedback.services import case_answer

    item = submit()
    case_answer(actor=hanoi_officer, case=item.case, answer="Trạm phát sóng mới đã hoạt động từ hôm nay.")
    rated = client.post(
        f"/api/v1/feedback/track/{item.tracking_code}/rating", {"rating": 5}, content_type="application/json"
    )
    assert rated.json()["rating"] == 5
    bad = client.post(
        f"/api/v1/feedback/track/{item.tracking_code}/rating", {"rating": 9}, content_type="application/json"
    )
    assert bad.status_code == 422
    disputed = client.post(
        f"/api/v1/feedback/track/{item.tracking_code}/dispute",
        {"reason": "Vẫn chưa có sóng"},
        content_type="application/json",
    )
    assert disputed.json()["state"] == "in_progress"
    again = client.post(
        f"/api/v1/feedback/track/{item.tracking_code}/dispute",
        {"reason": "Vẫn chưa có sóng"},
        content_type="application/json",
    )
    assert again.status_code == 409
