from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from thuocdo.accounts.models import User
from thuocdo.audit.models import AuditEvent
from thuocdo.core.errors import Conflict, PermissionDenied, ValidationFailed
from thuocdo.feedback.models import CaseState, ClockPause, Item
from thuocdo.feedback.services import (
    case_accept,
    case_answer,
    case_merge,
    case_pause,
    case_publish,
    case_reject,
    case_resume,
    case_transfer,
    case_triage,
    cases_sweep,
    item_contact_view,
    item_dispute,
    item_rate,
)
from thuocdo.notifications.models import EmailDelivery, Notification
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

ANSWER = "Sở Khoa học và Công nghệ đã làm việc với nhà mạng; trạm phát sóng mới hoạt động từ tháng sau."


def test_the_whole_path_from_assignment_to_closing(
    submit: Callable[..., Item], hanoi_officer: User, standing_office: User
) -> None:
    item = submit()
    case = case_accept(actor=hanoi_officer, case=item.case)
    assert case.state == CaseState.IN_PROGRESS
    case = case_answer(actor=hanoi_officer, case=case, answer=ANSWER)
    assert case.state == CaseState.ANSWERED and case.answered_late is False
    case = case_publish(
        actor=standing_office, case=case, public_summary="Mất sóng ở Ba Đình đã được khắc phục."
    )
    assert case.is_published
    rated = item_rate(item=item, rating=4, comment="Cảm ơn")
    assert rated.rating == 4


def test_only_handlers_of_the_unit_may_act(submit: Callable[..., Item], hcm_officer: User) -> None:
    item = submit()
    with pytest.raises(PermissionDenied):
        case_accept(actor=hcm_officer, case=item.case)
    assert AuditEvent.objects.filter(action="access_denied", actor=hcm_officer).exists()


def test_state_machine_refuses_steps_out_of_order(submit: Callable[..., Item], hanoi_officer: User) -> None:
    item = submit()
    with pytest.raises(Conflict):
        case_pause(actor=hanoi_officer, case=item.case, reason="Cần bổ sung địa chỉ cụ thể")
    with pytest.raises(Conflict):
        case_resume(actor=hanoi_officer, case=item.case)


def test_triage_assigns_a_case_from_the_queue(
    submit: Callable[..., Item],
    standing_office: User,
    hanoi_officer: User,
    unit_by_code: Callable[[str], Unit],
) -> None:
    item = submit(
        topic="khac",
        commune="",
        title="Góp ý chung",
        body="Đề nghị tăng cường tuyên truyền về chuyển đổi số.",
    )
    with pytest.raises(PermissionDenied):
        case_triage(actor=hanoi_officer, case=item.case, unit=unit_by_code("01"))
    case = case_triage(actor=standing_office, case=item.case, unit=unit_by_code("01"), note="Thuộc Hà Nội")
    assert case.state == CaseState.ASSIGNED and case.unit.code == "01"
    assert [e.kind for e in case.events.all()][-2:] == ["triaged", "assigned"]


def test_transfer_is_public_history_and_restarts_the_clock(
    submit: Callable[..., Item],
    hanoi_officer: User,
    standing_office: User,
    unit_by_code: Callable[[str], Unit],
) -> None:
    item = submit()
    later = timezone.now() + timedelta(days=1)
    case = case_transfer(
        actor=hanoi_officer,
        case=item.case,
        to_unit=unit_by_code("BO-KHCN"),
        reason="Thuộc thẩm quyền của Bộ",
        now=later,
    )
    assert case.unit.code == "BO-KHCN" and case.assigned_at == later
    event = case.events.get(kind="transferred")
    assert event.is_public and event.from_unit.code == "01" and event.note == "Thuộc thẩm quyền của Bộ"
    with pytest.raises(ValidationFailed):
        case_transfer(actor=standing_office, case=case, to_unit=unit_by_code("01"), reason="")


def test_a_unit_may_transfer_only_within_its_window(
    submit: Callable[..., Item],
    hanoi_officer: User,
    standing_office: User,
    unit_by_code: Callable[[str], Unit],
) -> None:
    item = submit()
    assert item.case.transfer_due_at is not None
    too_late = item.case.transfer_due_at + timedelta(minutes=1)
    with pytest.raises(Conflict):
        case_transfer(
            actor=hanoi_officer,
            case=item.case,
            to_unit=unit_by_code("BO-KHCN"),
            reason="Không thuộc thẩm quyền",
            now=too_late,
        )
    case = case_transfer(
        actor=standing_office,
        case=item.case,
        to_unit=unit_by_code("BO-KHCN"),
        reason="Văn phòng điều chuyển",
        now=too_late,
    )
    assert case.unit.code == "BO-KHCN"


def test_a_pause_is_recorded_and_moves_the_deadline(submit: Callable[..., Item], hanoi_officer: User) -> None:
    item = submit()
    case = case_accept(actor=hanoi_officer, case=item.case)
    due = case.answer_due_at
    start = timezone.now()
    case = case_pause(actor=hanoi_officer, case=case, reason="Cần số điện thoại của tổ dân phố", now=start)
    assert case.state == CaseState.WAITING_SUBMITTER
    case = case_resume(actor=hanoi_officer, case=case, now=start + timedelta(days=14))
    assert case.answer_due_at > due
    pause = ClockPause.objects.get(case=case)
    assert pause.ended_at == start + timedelta(days=14)


def test_an_answer_after_the_deadline_is_late_and_the_sweep_escalates(
    submit: Callable[..., Item], hanoi_officer: User, hanoi_leader: User, standing_office: User
) -> None:
    item = submit()
    case = item.case
    assert case.answer_due_at is not None
    halfway = case.assigned_at + (case.answer_due_at - case.assigned_at) * 0.6
    first = cases_sweep(now=halfway)
    assert first.reminded_50 == 1
    after = case.answer_due_at + timedelta(days=1)
    result = cases_sweep(now=after)
    assert result.escalated == 1
    assert cases_sweep(now=after).escalated == 0  # idempotent
    case.refresh_from_db()
    assert case.escalated_at == after
    assert case.events.filter(kind="escalated", is_public=True).exists()
    notified = set(Notification.objects.filter(event="feedback.escalated").values_list("user_id", flat=True))
    assert {hanoi_leader.pk, standing_office.pk} <= notified
    case = case_answer(actor=hanoi_officer, case=case, answer=ANSWER, now=after)
    assert case.answered_late is True


def test_submitter_gets_emails_with_the_tracking_code(
    submit: Callable[..., Item], hanoi_officer: User
) -> None:
    item = submit()
    case_answer(actor=hanoi_officer, case=item.case, answer=ANSWER)
    bodies = list(
        EmailDelivery.objects.filter(to_address="an.nguyen@example.vn").values_list("body", flat=True)
    )
    assert len(bodies) == 2
    assert all(item.tracking_code in body for body in bodies)


def test_dispute_reopens_once_within_the_window(submit: Callable[..., Item], hanoi_officer: User) -> None:
    item = submit()
    case = case_answer(actor=hanoi_officer, case=item.case, answer=ANSWER)
    reopened = item_dispute(
        item=item, reason="Đến nay vẫn chưa có sóng", now=timezone.now() + timedelta(days=3)
    )
    assert reopened.state == CaseState.IN_PROGRESS and reopened.answer_due_at > case.answer_due_at
    case_answer(actor=hanoi_officer, case=reopened, answer=ANSWER + " Đã kiểm tra lại.")
    with pytest.raises(Conflict):
        item_dispute(item=Item.objects.get(pk=item.pk), reason="Lần nữa")


def test_dispute_after_the_window_is_refused(submit: Callable[..., Item], hanoi_officer: User) -> None:
    item = submit()
    case_answer(actor=hanoi_officer, case=item.case, answer=ANSWER)
    with pytest.raises(Conflict):
        item_dispute(item=item, reason="Quá muộn rồi", now=timezone.now() + timedelta(days=60))


def test_rating_needs_an_answer_and_a_valid_number(submit: Callable[..., Item], hanoi_officer: User) -> None:
    item = submit()
    with pytest.raises(Conflict):
        item_rate(item=item, rating=5)
    case_answer(actor=hanoi_officer, case=item.case, answer=ANSWER)
    with pytest.raises(ValidationFailed):
        item_rate(item=item, rating=6)


def test_merged_submitters_keep_their_codes_and_get_the_answer(
    submit: Callable[..., Item], standing_office: User, hanoi_officer: User
) -> None:
    first = submit()
    second = submit(contact_name="Trần Thị Bình", contact_email="binh@example.vn")
    kept = case_merge(actor=standing_office, case=second.case, into=first.case)
    second.refresh_from_db()
    assert second.case_id == kept.pk and second.tracking_code.startswith("KN-")
    old = kept.merged_cases.get()
    assert old.state == CaseState.REJECTED and old.reject_reason == "duplicate"
    case_answer(actor=hanoi_officer, case=kept, answer=ANSWER)
    answered_to = set(
        EmailDelivery.objects.filter(event="feedback.answered").values_list("to_address", flat=True)
    )
    assert answered_to == {"an.nguyen@example.vn", "binh@example.vn"}


def test_reject_gives_the_submitter_a_reason(submit: Callable[..., Item], standing_office: User) -> None:
    item = submit()
    with pytest.raises(ValidationFailed):
        case_reject(actor=standing_office, case=item.case, reason="bad", note="Không thuộc phạm vi")
    case = case_reject(
        actor=standing_office, case=item.case, reason="out_of_scope", note="Không thuộc phạm vi tiếp nhận"
    )
    assert case.state == CaseState.REJECTED and case.reject_note == "Không thuộc phạm vi tiếp nhận"


def test_contact_data_only_for_the_handling_unit_and_the_office_and_audited(
    submit: Callable[..., Item],
    hanoi_officer: User,
    standing_office: User,
    hcm_officer: User,
    user_with_role: Callable[..., User],
) -> None:
    item = submit()
    assert item_contact_view(actor=hanoi_officer, item=item)["email"] == "an.nguyen@example.vn"
    assert item_contact_view(actor=standing_office, item=item)["name"] == "Nguyễn Văn An"
    assert AuditEvent.objects.filter(action="view_personal_data").count() == 2
    commune_officer = user_with_role("officer", "00004")  # below the unit, not the handler
    for outsider in (hcm_officer, commune_officer):
        with pytest.raises(PermissionDenied):
            item_contact_view(actor=outsider, item=item)


def test_the_sweep_command_runs_the_clock(submit: Callable[..., Item]) -> None:
    from io import StringIO

    from django.core.management import call_command

    submit()
    out = StringIO()
    call_command("feedback_sweep", "--schedule", stdout=out)
    assert "báo cáo quá hạn: 0" in out.getvalue()
