from collections.abc import Callable

import pytest
from django.test import Client

from thuocdo.accounts.models import User
from thuocdo.audit.models import AuditEvent
from thuocdo.feedback.models import CaseState, Item

pytestmark = pytest.mark.django_db


def test_the_handlers_desk_lists_the_units_cases(
    client: Client, submit: Callable[..., Item], hanoi_officer: User, hcm_officer: User
) -> None:
    item = submit()
    client.force_login(hanoi_officer)
    page = client.get("/feedback/desk/").content.decode()
    assert item.title in page
    client.force_login(hcm_officer)
    assert item.title not in client.get("/feedback/desk/").content.decode()
    assert client.get(f"/feedback/desk/cases/{item.case_id}/").status_code == 404


def test_a_case_is_handled_from_its_page(
    client: Client, submit: Callable[..., Item], hanoi_officer: User
) -> None:
    item = submit()
    client.force_login(hanoi_officer)
    url = f"/feedback/desk/cases/{item.case_id}/"
    page = client.get(url).content.decode()
    assert "an.nguyen@example.vn" not in page  # contact only on request
    assert client.post(url + "accept/").status_code == 302
    short = client.post(url + "answer/", {"answer": "ngắn"})
    assert short.status_code == 422
    assert "Nội dung trả lời cần" in short.content.decode()
    client.post(
        url + "answer/", {"answer": "Đã yêu cầu nhà mạng bổ sung trạm phát sóng tại tổ dân phố số 5."}
    )
    item.case.refresh_from_db()
    assert item.case.state == CaseState.ANSWERED


def test_contact_reveal_is_audited(client: Client, submit: Callable[..., Item], hanoi_officer: User) -> None:
    item = submit()
    client.force_login(hanoi_officer)
    response = client.post(f"/feedback/desk/items/{item.pk}/contact/")
    assert "an.nguyen@example.vn" in response.content.decode()
    assert AuditEvent.objects.filter(action="view_personal_data", object_id=str(item.pk)).exists()


def test_the_triage_queue_is_the_standing_offices(
    client: Client, submit: Callable[..., Item], standing_office: User, hanoi_officer: User
) -> None:
    item = submit(
        topic="khac", commune="", title="Góp ý chung", body="Đề nghị có thêm hướng dẫn sử dụng dịch vụ số."
    )
    client.force_login(hanoi_officer)
    assert client.get("/feedback/desk/triage/").status_code == 404
    client.force_login(standing_office)
    assert item.title in client.get("/feedback/desk/triage/").content.decode()
    response = client.post(f"/feedback/desk/cases/{item.case_id}/triage/", {"unit": "01", "note": "Hà Nội"})
    assert response.status_code == 302
    item.case.refresh_from_db()
    assert item.case.unit.code == "01"
    missing = client.post(f"/feedback/desk/cases/{item.case_id}/transfer/", {"unit": "NOPE", "reason": "Thử"})
    assert missing.status_code == 400


def test_backlog_shows_ageing_buckets(
    client: Client, submit: Callable[..., Item], hanoi_leader: User
) -> None:
    submit()
    client.force_login(hanoi_leader)
    page = client.get("/feedback/desk/backlog/01/").content.decode()
    assert "0-5" in page
    assert "&gt;30" in page


def test_escalations_page_lists_overdue_cases(
    client: Client, submit: Callable[..., Item], standing_office: User
) -> None:
    from datetime import timedelta

    from thuocdo.feedback.services import cases_sweep

    item = submit()
    assert item.case.answer_due_at is not None
    cases_sweep(now=item.case.answer_due_at + timedelta(hours=1))
    client.force_login(standing_office)
    assert item.title in client.get("/feedback/desk/escalations/").content.decode()


def test_the_office_sets_deadlines_per_kind_and_blocked_terms(
    client: Client, topics: None, user_with_role: Callable[..., User], hanoi_officer: User
) -> None:
    from thuocdo.feedback.models import BlockedTerm, KindSetting

    admin = user_with_role("admin", "BCDTW")
    client.force_login(hanoi_officer)
    assert client.get("/feedback/desk/settings/").status_code == 404
    client.force_login(admin)
    form = {
        "action": "kind",
        "kind": "report",
        "answer_working_days": "10",
        "transfer_working_days": "3",
        "dispute_days": "7",
    }
    assert client.post("/feedback/desk/settings/", form).status_code == 302
    setting = KindSetting.objects.get(kind="report")
    assert (setting.answer_working_days, setting.allow_anonymous) == (10, False)
    bad = client.post("/feedback/desk/settings/", {**form, "transfer_working_days": "12"})
    assert bad.status_code == 422
    assert KindSetting.objects.get(kind="report").transfer_working_days == 3
    client.post("/feedback/desk/settings/", {"action": "term_add", "term": "Lừa Đảo"})
    assert BlockedTerm.objects.get().folded == "lua dao"
    assert (
        client.post("/feedback/desk/settings/", {"action": "term_add", "term": "lua dao"}).status_code == 422
    )
