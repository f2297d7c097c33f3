"""Accept, then process (docs/decisions/0037): what the API and Open311 accept is stored
pending and answered at once; the processor then routes, records, notifies and audits it
exactly as the public form does in one go."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.utils import timezone

from thuocdo.accounts.models import User
from thuocdo.audit.models import AuditEvent
from thuocdo.core.errors import Conflict, ValidationFailed
from thuocdo.feedback import notices
from thuocdo.feedback.models import Case, CaseEvent, CaseState, Channel, Item, RoutingMethod
from thuocdo.feedback.selectors import case_list, triage_queue
from thuocdo.feedback.services import (
    case_triage,
    feedback_accept,
    feedback_submit,
    pending_cases_process,
)
from thuocdo.feedback.statistics import unit_statistics
from thuocdo.feedback.tasks import feedback_sweep
from thuocdo.notifications.models import EmailDelivery, Notification
from thuocdo.units.models import Unit

from .conftest import submission

pytestmark = pytest.mark.django_db

UNROUTABLE = {
    "topic": "khac",
    "commune": "",
    "title": "Góp ý chung",
    "body": "Tôi có một góp ý chung về chương trình, mong được xem xét.",
}


def accept(**overrides: Any) -> Item:
    actor = overrides.pop("actor", AnonymousUser())
    now = overrides.pop("now", None)
    key = overrides.pop("idempotency_key", "")
    return feedback_accept(
        actor=actor, data=submission(**overrides), channel=Channel.API, idempotency_key=key, now=now
    )


def _case_facts(case: Case) -> dict[str, Any]:
    case.refresh_from_db()
    return {
        name: getattr(case, name)
        for name in (
            "state",
            "unit_id",
            "suggested_unit_id",
            "routing_method",
            "routing_confidence",
            "routing_reason",
            "routing_model_version",
            "assigned_at",
            "answer_due_at",
            "transfer_due_at",
        )
    }


def _audit_after(case: Case) -> dict[str, Any]:
    event = AuditEvent.objects.get(action="create", object_type="feedback.case", object_id=str(case.pk))
    after = json.loads(event.after_json)
    after.pop("tracking_code")
    return after


def test_accepting_stores_the_case_pending_and_the_item_only(topics: None, hanoi_officer: User) -> None:
    item = accept()
    case = Case.objects.get(pk=item.case_id)
    assert case.routing_method == RoutingMethod.PENDING and case.is_routing_pending
    assert case.state == CaseState.RECEIVED and case.unit is None and case.answer_due_at is None
    assert case.state_label == "Đã tiếp nhận, đang chuyển đến cơ quan có thẩm quyền"
    assert Item.objects.get().tracking_code == item.tracking_code
    assert not CaseEvent.objects.exists()
    assert not AuditEvent.objects.filter(object_type="feedback.case").exists()
    assert not Notification.objects.exists() and not EmailDelivery.objects.exists()


def test_bad_input_is_refused_the_same_way_and_nothing_is_stored(topics: None) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        accept(title="abc", contact_email="not-an-email", idempotency_key="k-1")
    assert set(excinfo.value.fields) == {"title", "contact_email"}
    assert not Case.objects.exists() and not Item.objects.exists()


def test_a_replay_is_answered_through_the_unique_key(topics: None, django_assert_num_queries: Any) -> None:
    first = accept(idempotency_key="retry-7")
    again = accept(idempotency_key="retry-7")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    assert not getattr(first, "replayed", False)
    assert Case.objects.count() == 1  # the replay's case insert was rolled back with it
    with pytest.raises(Conflict) as excinfo:
        accept(idempotency_key="retry-7", title="Một tiêu đề khác hẳn")
    assert excinfo.value.code == "idempotency_conflict"
    # A new key is not looked up first: the savepoint, the case and the item (one statement
    # on PostgreSQL, two in their own savepoint elsewhere), the release.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 6):
        accept(idempotency_key="retry-8", contact_email="khac@example.vn")


def test_a_replay_still_answers_after_the_rules_changed(topics: None) -> None:
    first = accept(idempotency_key="retry-9")
    from thuocdo.feedback.models import BlockedTerm

    BlockedTerm.objects.create(term="mất sóng", folded="mat song")  # signals drop the copy
    with pytest.raises(ValidationFailed):
        accept(idempotency_key="retry-10")  # a new submission is refused now
    assert accept(idempotency_key="retry-9").pk == first.pk  # the stored one is still answered


def test_the_processor_routes_records_notifies_and_audits_as_the_form_does(
    topics: None, hanoi_officer: User
) -> None:
    moment = timezone.now()
    at_once = feedback_submit(
        actor=AnonymousUser(), data=submission(contact_email="a@example.vn"), channel=Channel.API, now=moment
    )
    later = accept(contact_email="b@example.vn", now=moment)
    result = pending_cases_process(now=moment)
    assert (result.processed, result.assigned, result.triage, result.failed) == (1, 1, 0, 0)
    assert _case_facts(later.case) == _case_facts(at_once.case)
    assert later.case.unit is not None and later.case.unit.code == "01"
    for item in (at_once, later):
        events = list(item.case.events.order_by("at", "pk"))
        assert [event.kind for event in events] == ["received", "routed", "assigned"]
        assert events[0].at == item.case.received_at
        receipt = EmailDelivery.objects.get(to_address=item.contact_email)
        assert receipt.event == "feedback.received" and item.tracking_code in receipt.body
        assert Notification.objects.filter(
            user=hanoi_officer, event="feedback.assigned", object_id=str(item.case_id)
        ).exists()
    assert _audit_after(later.case) == _audit_after(at_once.case)
    assert _audit_after(later.case)["channel"] == "api"
    audit = AuditEvent.objects.get(action="create", object_id=str(later.case_id))
    assert audit.channel == "api" and audit.actor is None  # no request in a job: the item's channel
    assert pending_cases_process().processed == 0  # nothing left


def test_a_pending_case_is_in_no_queue_until_processed_and_counts_as_received(
    topics: None, standing_office: User
) -> None:
    item = accept(**UNROUTABLE)
    assert not triage_queue(user=standing_office).exists()
    assert list(case_list(user=standing_office)) == [item.case]  # listed, marked as being routed
    assert sum(row.received for row in unit_statistics()) == 1
    with pytest.raises(Conflict) as excinfo:
        case_triage(actor=standing_office, case=item.case, unit=Unit.objects.get(code="01"))
    assert excinfo.value.code == "routing_pending"
    assert pending_cases_process().triage == 1
    assert list(triage_queue(user=standing_office)) == [item.case]
    assert Notification.objects.filter(user=standing_office, event="feedback.triage").exists()


def test_a_failing_case_stays_pending_and_does_not_block_the_others(
    topics: None, hanoi_officer: User, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    first = accept(contact_email="mot@example.vn")
    broken = accept(contact_email="hai@example.vn", title="Mất sóng di động, thông báo lỗi")
    last = accept(contact_email="ba@example.vn")
    tell = notices.case_assigned

    def fail_for_one(case: Case) -> None:
        if case.title.endswith("thông báo lỗi"):
            raise RuntimeError("mail relay down")
        tell(case)

    monkeypatch.setattr(notices, "case_assigned", fail_for_one)
    result = pending_cases_process()
    assert (result.processed, result.failed, result.failed_ids) == (2, 1, [broken.case_id])
    assert "could not be processed" in caplog.text
    broken.case.refresh_from_db()
    assert broken.case.is_routing_pending and broken.case.unit is None  # rolled back whole
    assert not broken.case.events.exists()
    assert not EmailDelivery.objects.filter(to_address="hai@example.vn").exists()
    for item in (first, last):
        item.case.refresh_from_db()
        assert item.case.state == CaseState.ASSIGNED
    monkeypatch.undo()
    assert pending_cases_process().processed == 1  # the next run (the sweep) tries it again


def test_a_group_of_cases_is_written_with_one_statement_each_and_one_commit(
    topics: None, hanoi_officer: User
) -> None:
    from django.test.utils import CaptureQueriesContext

    items = [accept(contact_email=f"nhom{n}@example.vn") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        result = pending_cases_process()
    statements = [q["sql"] for q in queries.captured_queries]

    assert (result.processed, result.failed) == (3, 0)
    assert sum(sql.startswith('UPDATE "feedback_case"') for sql in statements) == 1
    assert sum(sql.startswith('INSERT INTO "feedback_caseevent"') for sql in statements) == 1
    for item in items:
        item.case.refresh_from_db()
        assert item.case.state == CaseState.ASSIGNED and item.case.unit is not None
        assert item.case.events.count() == 3  # received, routed, assigned
        assert AuditEvent.objects.filter(object_type="feedback.case", object_id=str(item.case_id)).exists()


def test_the_sweep_processes_what_is_still_pending_after_a_minute(topics: None) -> None:
    stranded = accept(now=timezone.now() - timedelta(minutes=2), contact_email="cu@example.vn")
    fresh = accept(contact_email="moi@example.vn")  # its own job is still on its way
    summary = feedback_sweep.enqueue().return_value
    assert summary["intake_processed"] == 1 and summary["intake_failed"] == 0
    stranded.case.refresh_from_db()
    fresh.case.refresh_from_db()
    assert stranded.case.state == CaseState.ASSIGNED and fresh.case.is_routing_pending


def test_the_public_form_path_keeps_the_item_when_processing_fails(
    topics: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def fail(case: Case) -> None:
        raise RuntimeError("mail relay down")

    monkeypatch.setattr(notices, "case_assigned", fail)
    with django_capture_on_commit_callbacks() as kicks:
        item = feedback_submit(actor=AnonymousUser(), data=submission())
    assert item.case.is_routing_pending and item.case.unit is None  # as stored, not half-routed
    assert Item.objects.filter(pk=item.pk).exists() and len(kicks) == 1  # the processor retries


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_case_another_processor_holds_is_skipped_not_waited_for(
    live_units: None, topics: None, settings: Any
) -> None:
    # The commits are real here: keep the kicked jobs queued instead of running them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    items = [accept(contact_email=f"n{n}@example.vn") for n in range(3)]
    other = connections.create_connection("default")  # another processor's connection
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM feedback_case WHERE id = %s FOR UPDATE", [items[1].case_id])
        result = pending_cases_process()  # would hang here without SKIP LOCKED
        assert result.processed == 2 and result.failed == 0
        assert Case.objects.get(pk=items[1].case_id).is_routing_pending
    finally:
        other.rollback()
        other.close()
    assert pending_cases_process().processed == 1
    assert not Case.objects.filter(routing_method=RoutingMethod.PENDING).exists()
