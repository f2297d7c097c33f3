"""The audit log: an append-only hash chain, checked end to end by `verify_audit`."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from thuocdo.accounts.tests.factories import DEFAULT_PASSWORD
from thuocdo.audit.models import AuditAction, AuditChainHead, AuditEvent
from thuocdo.audit.services import (
    GENESIS_HASH,
    audit_chain_seal,
    audit_chain_verify,
    audit_record,
    canonical_json,
    event_hash,
)
from thuocdo.core.middleware import RequestContextMiddleware
from thuocdo.core.request_context import RequestContext, reset_request_context, set_request_context

pytestmark = pytest.mark.django_db


def record_several(factory, count: int = 5, **kwargs) -> list[AuditEvent]:
    """Record `count` entries and seal them, as the sealing job does after the commit."""
    events = [factory(reason=f"lý do {n}", **kwargs) for n in range(count)]
    audit_chain_seal()
    return [AuditEvent.objects.get(pk=event.pk) for event in events]


@pytest.fixture
def without_append_only_trigger():
    """Drop the database's append-only guard, as someone with DDL rights could. DDL is
    transactional on SQLite and PostgreSQL, so the test's rollback restores the trigger."""

    def drop() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # ALTER TABLE refuses while deferred foreign-key checks of this transaction
                # are pending: run them now, then defer again.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            elif connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER audit_event_no_update")
            else:  # pragma: no cover
                pytest.skip(f"no append-only trigger on {connection.vendor}")

    return drop


def raw_execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    message = str(error.value)
    assert f"mục #{seq}" in message
    return message


# --- recording -----------------------------------------------------------------------------


def test_records_form_a_contiguous_hash_chain(audit_event_factory):
    head_before = AuditChainHead.objects.get(pk=1)

    events = record_several(audit_event_factory)

    assert [e.seq for e in events] == list(range(head_before.last_seq + 1, head_before.last_seq + 6))
    assert events[0].prev_hash == head_before.last_hash
    for previous, current in zip(events, events[1:], strict=False):
        assert current.prev_hash == previous.hash
    for event in events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.hash == event.hash == event_hash(stored)
        assert len(stored.hash) == 64
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (events[-1].seq, events[-1].hash)


def test_chain_starts_from_the_genesis_hash():
    audit_chain_seal()
    first = AuditEvent.objects.filter(seq__isnull=False).order_by("seq").first()

    assert first.seq == 1
    assert first.prev_hash == GENESIS_HASH
    assert first.action == AuditAction.DATA_LOAD  # the session's load of the official units


def test_record_captures_actor_object_unit_and_values(user_factory, ba_dinh):
    actor = user_factory(username="kiemtra")

    event = audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=ba_dinh,
        unit=ba_dinh,
        before={"phone": ""},
        after={"phone": "024 1234 5678", "ngày": "01/7/2025"},
        reason="Sửa số điện thoại",
    )

    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor, event.actor_label) == (actor, "kiemtra")
    assert (event.object_type, event.object_id, event.object_repr) == (
        "units.unit",
        str(ba_dinh.pk),
        "Phường Ba Đình",
    )
    assert event.unit == ba_dinh
    assert event.before == {"phone": ""}
    assert event.after == {"phone": "024 1234 5678", "ngày": "01/7/2025"}
    assert event.after_json == '{"ngày":"01/7/2025","phone":"024 1234 5678"}'  # canonical: sorted, unescaped
    assert event.channel == "system"


def test_record_takes_address_and_request_id_from_the_request_context():
    token = set_request_context(RequestContext(ip_address="203.0.113.7", request_id="abc123", channel="api"))
    try:
        event = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, object_repr="ai.do")
    finally:
        reset_request_context(token)

    assert (event.ip_address, event.request_id, event.channel, event.actor_label) == (
        "203.0.113.7",
        "abc123",
        "api",
        "api",
    )


def test_an_oversized_request_id_header_cannot_break_audit_writes(rf):
    def view(request):
        audit_record(actor=None, action=AuditAction.LOGIN_FAILED, object_repr="ai.do")
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(
        rf.get("/", HTTP_X_REQUEST_ID="r" * 500, REMOTE_ADDR="192.0.2.1")
    )

    event = AuditEvent.objects.latest("id")
    assert event.request_id == "r" * 64
    assert (event.ip_address, event.channel) == ("192.0.2.1", "web")
    assert response["X-Request-ID"] == event.request_id
    assert audit_chain_verify().ok


def test_canonical_json_is_stable():
    assert canonical_json(None) == ""
    assert (
        canonical_json({"b": 1, "a": [1, 2]}) == canonical_json({"a": [1, 2], "b": 1}) == '{"a":[1,2],"b":1}'
    )


def test_record_rolls_back_with_the_change_it_records(audit_event_factory):
    head = AuditChainHead.objects.get(pk=1)

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_event_factory()
        raise RuntimeError

    assert AuditChainHead.objects.get(pk=1).last_seq == head.last_seq
    assert audit_chain_verify().ok


# --- verification --------------------------------------------------------------------------


def test_verify_audit_passes_on_a_clean_chain(audit_event_factory, capsys):
    record_several(audit_event_factory)

    call_command("verify_audit")

    report = audit_chain_verify()
    assert report.ok
    assert report.checked == AuditEvent.objects.count()
    assert f"{report.checked} mục" in capsys.readouterr().out


def test_edited_reason_is_caught(audit_event_factory, without_append_only_trigger):
    events = record_several(audit_event_factory)
    target = events[2]
    without_append_only_trigger()

    raw_execute("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["lý do đã sửa", target.pk])

    message = verify_fails_at(target.seq)
    assert f"id {target.pk}" in message
    report = audit_chain_verify()
    assert report.first_break.seq == target.seq
    assert report.checked == target.seq - 1


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("after_json", '{"x":1}'),
        ("actor_label", "nguoi.khac"),
        ("action", AuditAction.DELETE),
        ("unit_id", None),
    ],
)
def test_any_edited_field_is_caught(audit_event_factory, without_append_only_trigger, ba_dinh, column, value):
    events = record_several(audit_event_factory, unit=ba_dinh)
    without_append_only_trigger()

    raw_execute(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, events[1].pk])  # noqa: S608

    verify_fails_at(events[1].seq)


def test_rehashed_edit_is_caught_by_the_next_link(audit_event_factory, without_append_only_trigger):
    events = record_several(audit_event_factory)
    target = events[1]
    without_append_only_trigger()
    target.reason = "lý do đã sửa"
    forged = event_hash(target)

    raw_execute(
        "UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s", [target.reason, forged, target.pk]
    )

    verify_fails_at(events[2].seq)


def test_deleted_middle_entry_is_caught(audit_event_factory, without_append_only_trigger):
    events = record_several(audit_event_factory)
    without_append_only_trigger()

    raw_execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])

    message = verify_fails_at(events[2].seq)
    assert "missing" in message


def test_deleted_newest_entry_is_caught_through_the_chain_head(
    audit_event_factory, without_append_only_trigger
):
    events = record_several(audit_event_factory)
    without_append_only_trigger()

    raw_execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])

    message = verify_fails_at(events[-1].seq)
    assert "head" in message


def test_orm_update_is_refused_by_the_database(audit_event_factory):
    event = audit_event_factory()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="sửa qua ORM")

    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason


def test_saving_an_existing_event_is_refused_by_the_database(audit_event_factory):
    event = AuditEvent.objects.get(pk=audit_event_factory().pk)
    event.reason = "sửa qua save()"

    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()

    assert audit_chain_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test flush")
def test_orm_delete_is_refused_on_postgresql(audit_event_factory):
    event = audit_event_factory()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_trigger_is_back_after_a_tamper_test(audit_event_factory):
    # Whatever ran before in this session (the tamper tests drop the trigger), it is in place:
    # their rollback restored it.
    event = audit_event_factory()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")


# --- logins ----------------------------------------------------------------------------------


def test_login_is_recorded(client, user_factory):
    user = user_factory(username="dang.nhap")

    assert client.login(request=RequestFactory().post("/"), username="dang.nhap", password=DEFAULT_PASSWORD)

    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor, event.object_id) == (AuditAction.LOGIN, user, str(user.pk))


def test_authenticate_and_failed_login_are_recorded(user_factory):
    user_factory(username="dang.nhap")
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.4")

    assert authenticate(request, username="dang.nhap", password="sai-mat-khau") is None

    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor, event.object_type, event.object_repr) == (
        AuditAction.LOGIN_FAILED,
        None,
        "accounts.user",
        "dang.nhap",
    )
    assert "sai-mat-khau" not in event.after_json + event.before_json + event.object_repr


def test_logout_is_recorded(client, user_factory):
    user = user_factory()
    client.force_login(user)

    client.logout()

    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor) == (AuditAction.LOGOUT, user)


def test_login_and_failure_keep_the_chain_valid(client, user_factory):
    user_factory(username="dang.nhap")
    request = RequestFactory().post("/")
    authenticate(request, username="dang.nhap", password="sai")
    client.login(request=request, username="dang.nhap", password=DEFAULT_PASSWORD)

    assert audit_chain_verify().ok


def test_an_entry_with_awkward_text_keeps_the_chain_and_its_hash(
    user_factory, ba_dinh, django_assert_num_queries
):
    """Recording is one INSERT and takes no lock; sealing later hashes exactly the text
    that was stored, whatever it holds."""
    actor = user_factory()
    awkward = 'Trích "nguyên văn" 100% \\ đường dẫn C:\\tmp; {x}\n%s %(n)s -- \' ; DROP'
    audit_record(actor=actor, action=AuditAction.CREATE, object_type="tests.thing", object_id="0")

    with django_assert_num_queries(1):
        event = audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="tests.thing",
            object_id="1",
            object_repr=awkward,
            unit=ba_dinh,
            before={"note": awkward},
            after={"values": {"1": "42.5"}, "note": "Đã xong ✓"},
            reason=awkward,
        )
    assert event.seq is None and event.hash is None
    audit_chain_seal()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.reason, stored.object_repr, stored.unit_id) == (awkward, awkward, ba_dinh.pk)
    assert stored.hash == event_hash(stored)
    assert stored.prev_hash == AuditEvent.objects.get(seq=stored.seq - 1).hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (stored.seq, stored.hash)
    assert audit_chain_verify().ok


# --- sealing ---------------------------------------------------------------------------------


def test_entries_wait_unsealed_until_the_sealer_runs(audit_event_factory):
    audit_chain_seal()
    head = AuditChainHead.objects.get(pk=1)
    events = [audit_event_factory() for _ in range(3)]

    report = audit_chain_verify()
    assert report.ok and report.pending == 3
    assert AuditChainHead.objects.get(pk=1).last_seq == head.last_seq

    assert audit_chain_seal() == 3
    sealed = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("id"))
    assert [e.seq for e in sealed] == [head.last_seq + 1, head.last_seq + 2, head.last_seq + 3]
    assert sealed[0].prev_hash == head.last_hash
    assert audit_chain_verify().pending == 0
    assert audit_chain_seal() == 0  # nothing left: a second run changes nothing


def test_the_sealer_works_in_batches(audit_event_factory):
    audit_chain_seal()
    for _ in range(7):
        audit_event_factory()

    assert audit_chain_seal(batch_size=3) == 7
    assert audit_chain_verify().ok
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()


def test_the_commit_queues_one_sealing_per_transaction(
    audit_event_factory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        audit_event_factory()
        audit_event_factory()

    assert len(callbacks) == 1
    # The test settings run jobs at once: the commit sealed both entries.
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert audit_chain_verify().ok


def test_a_rolled_back_entry_is_never_sealed(audit_event_factory, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit_event_factory(reason="bỏ")
        raise RuntimeError

    assert callbacks == []
    assert not AuditEvent.objects.filter(reason="bỏ").exists()


def test_sealing_cannot_change_what_an_entry_says(audit_event_factory):
    event = audit_event_factory(reason="nguyên bản")

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(seq=10**9, hash="f" * 64, reason="đã sửa")

    audit_chain_seal()
    with pytest.raises(DatabaseError), transaction.atomic():  # and a sealed entry is final
        AuditEvent.objects.filter(pk=event.pk).update(seq=10**9, hash="f" * 64)
    assert AuditEvent.objects.get(pk=event.pk).reason == "nguyên bản"
    assert audit_chain_verify().ok
