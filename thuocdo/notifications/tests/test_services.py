"""notify(): rows inside the caller's transaction, emails only after commit; the sending
job's retries; operators' resend; read state."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone, translation

from thuocdo.accounts.models import Role, User
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.core.errors import Conflict, PermissionDenied, ValidationFailed
from thuocdo.notifications.emails import email_render
from thuocdo.notifications.models import DeliveryStatus, EmailDelivery, Notification
from thuocdo.notifications.services import (
    EMAIL_MAX_ATTEMPTS,
    email_deliveries_send,
    email_delivery_resend,
    notification_mark_all_read,
    notification_mark_read,
    notifications_batched,
    notify,
)
from thuocdo.notifications.tasks import email_delivery_send

pytestmark = pytest.mark.django_db


def notify_default(**changes: Any) -> int:
    arguments: dict[str, Any] = {
        "event": "feedback.received",
        "subject": "Phản ánh mới cần xử lý",
        "body": "Phản ánh PA-7K3M về đường ngập nước đã được chuyển đến đơn vị.",
        "link": "/feedback/PA-7K3M/",
        **changes,
    }
    return notify(**arguments)


def test_notify_creates_notifications_and_deduplicated_emails(
    user_factory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    leader = user_factory(email="lanhdao@hanoi.gov.vn")
    officer = user_factory(email="")
    retired = user_factory(is_active=False, email="nghihuu@hanoi.gov.vn")
    with django_capture_on_commit_callbacks() as callbacks:
        created = notify_default(
            users=[leader, officer, retired, leader],
            emails=["LanhDao@HaNoi.gov.vn", " nguoidan@gmail.com ", "nguoidan@gmail.com"],
            obj=leader,
        )
    assert created == 2 + 2  # two active users in-app; two distinct addresses
    assert set(Notification.objects.values_list("user_id", flat=True)) == {leader.pk, officer.pk}
    notification = Notification.objects.get(user=leader)
    assert (notification.object_type, notification.object_id) == ("accounts.user", str(leader.pk))
    assert notification.read_at is None
    deliveries = {d.to_address: d for d in EmailDelivery.objects.all()}
    assert set(deliveries) == {"lanhdao@hanoi.gov.vn", "nguoidan@gmail.com"}
    assert deliveries["lanhdao@hanoi.gov.vn"].user == leader
    assert deliveries["nguoidan@gmail.com"].user is None
    assert all(d.status == DeliveryStatus.PENDING for d in deliveries.values())
    assert len(callbacks) == 1  # one kick of the sending job per transaction, on commit
    assert mail.outbox == []


def test_emails_are_sent_only_when_the_change_commits(
    user_factory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = user_factory(email="canbo@bo-tc.gov.vn")
    with django_capture_on_commit_callbacks(execute=True):
        notify_default(users=[user], emails=["nguoidan@gmail.com"])
        assert mail.outbox == []  # nothing leaves before the commit
    assert sorted(m.to[0] for m in mail.outbox) == ["canbo@bo-tc.gov.vn", "nguoidan@gmail.com"]
    message = mail.outbox[0]
    assert message.subject == "Phản ánh mới cần xử lý"
    assert "Phản ánh PA-7K3M" in message.body
    assert "http://localhost:8000/feedback/PA-7K3M/" in message.body  # absolute link
    assert "Thước Đo" in message.body
    for delivery in EmailDelivery.objects.all():
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.attempts == 1
        assert delivery.sent_at is not None


def test_a_rolled_back_change_notifies_nobody(
    user_factory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = user_factory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_default(users=[user], emails=["nguoidan@gmail.com"])
        assert EmailDelivery.objects.count() == 2
        raise RuntimeError("the caller's change failed")
    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.count() == 0
    assert EmailDelivery.objects.count() == 0


def test_batched_notices_are_written_together_at_the_end_of_the_block(
    user_factory: Any, django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    first, second = user_factory(email="mot@bo-tc.gov.vn"), user_factory(email="hai@bo-tc.gov.vn")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), notifications_batched():
            with django_assert_num_queries(0):  # validated now, written at the end of the block
                assert notify_default(users=[first]) == 2
                assert notify_default(users=[second], emails=["dan@gmail.com"]) == 3
            assert Notification.objects.count() == 0
        assert sorted(n.user_id for n in Notification.objects.all()) == sorted([first.pk, second.pk])
        assert EmailDelivery.objects.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["dan@gmail.com", "hai@bo-tc.gov.vn", "mot@bo-tc.gov.vn"]


def test_a_batch_whose_block_fails_writes_nothing(user_factory: Any) -> None:
    user = user_factory(email="mot@bo-tc.gov.vn")
    with pytest.raises(RuntimeError), notifications_batched():
        notify_default(users=[user])
        raise RuntimeError("the caller's change failed")
    assert not Notification.objects.exists() and not EmailDelivery.objects.exists()
    with pytest.raises(ValidationFailed), notifications_batched():  # bad input: refused at once
        notify_default(subject="  ")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event": "Phản Ánh"}, "event"),
        ({"event": ""}, "event"),
        ({"subject": "  "}, "subject"),
        ({"subject": "Dòng một\nBcc: ai@do.vn"}, "subject"),
        ({"subject": "x" * 256}, "subject"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "//evil.example/"}, "link"),
        ({"emails": ["khong-phai-thu"]}, "emails"),
        ({"body": "x" * 20_001}, "body"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    changes: dict[str, Any], field: str, user_factory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = user_factory()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationFailed) as raised:
        notify_default(users=[user], **changes)
    assert field in raised.value.fields
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert EmailDelivery.objects.count() == 0


def test_nobody_to_tell_creates_nothing(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify_default() == 0
    assert callbacks == []


class FakeConnection:
    """A mail connection that refuses the addresses in `refuse` and counts what it does."""

    def __init__(self, refuse: set[str], log: dict[str, Any]) -> None:
        self.refuse, self.log = refuse, log

    def open(self) -> None:
        self.log["opened"] += 1

    def close(self) -> None:
        self.log["closed"] += 1

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            if message.to[0] in self.refuse:
                raise ConnectionRefusedError(f"SMTP từ chối {message.to[0]}")
            self.log["sent"].append(message.to[0])
        return len(messages)


def fake_mail(monkeypatch: pytest.MonkeyPatch, refuse: set[str]) -> dict[str, Any]:
    from thuocdo.notifications import services

    log: dict[str, Any] = {"opened": 0, "closed": 0, "sent": []}
    monkeypatch.setattr(services, "get_connection", lambda **_kw: FakeConnection(refuse, log))
    return log


def test_pending_deliveries_are_sent_in_batches_over_one_connection(
    monkeypatch: pytest.MonkeyPatch, email_delivery_factory: Any
) -> None:
    log = fake_mail(monkeypatch, refuse=set())
    due = [email_delivery_factory(to_address=f"dan{n}@example.vn") for n in range(5)]
    later = email_delivery_factory(
        to_address="sau@example.vn", next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    done = email_delivery_factory(to_address="xong@example.vn", status=DeliveryStatus.SENT)

    result = email_deliveries_send(batch=2)

    assert (result.sent, result.retrying, result.failed) == (5, 0, 0)
    assert log["sent"] == [d.to_address for d in due] and log["opened"] == log["closed"] == 3  # 2 + 2 + 1
    for delivery in due:
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1) and delivery.sent_at
    later.refresh_from_db()
    done.refresh_from_db()
    assert later.status == DeliveryStatus.PENDING and result.next_attempt_at == later.next_attempt_at
    assert done.attempts == 0  # not sent again
    assert email_deliveries_send().sent == 0


def test_a_run_gives_way_after_its_batches_and_says_more_are_due(
    monkeypatch: pytest.MonkeyPatch, email_delivery_factory: Any
) -> None:
    log = fake_mail(monkeypatch, refuse=set())
    for n in range(5):
        email_delivery_factory(to_address=f"dan{n}@example.vn")

    first = email_deliveries_send(batch=2, max_batches=1)
    rest = email_deliveries_send(batch=2)

    assert (first.sent, first.more) == (2, True)
    assert (rest.sent, rest.more) == (3, False)
    assert len(log["sent"]) == 5


def test_the_sending_job_ranks_below_the_routing_jobs() -> None:
    from thuocdo.feedback.tasks import feedback_intake_process
    from thuocdo.notifications.tasks import email_deliveries_send_job

    assert email_deliveries_send_job.priority < feedback_intake_process.priority


def test_a_refused_delivery_waits_for_its_retry_then_fails_for_good(
    monkeypatch: pytest.MonkeyPatch, email_delivery_factory: Any
) -> None:
    log = fake_mail(monkeypatch, refuse={"sai@example.vn"})
    bad = email_delivery_factory(to_address="sai@example.vn")
    good = email_delivery_factory(to_address="dung@example.vn")
    start = timezone.now()

    first = email_deliveries_send(now=start)

    assert (first.sent, first.retrying, first.failed) == (1, 1, 0) and log["sent"] == ["dung@example.vn"]
    bad.refresh_from_db()
    assert bad.status == DeliveryStatus.PENDING and bad.attempts == 1
    assert "ConnectionRefusedError" in bad.last_error and "sai@example.vn" not in bad.last_error
    assert bad.next_attempt_at == start + timedelta(seconds=60)
    assert email_deliveries_send(now=start + timedelta(seconds=30)).retrying == 0  # not due yet
    moment = start
    for _attempt in range(2, EMAIL_MAX_ATTEMPTS + 1):
        bad.refresh_from_db()
        moment = bad.next_attempt_at
        email_deliveries_send(now=moment)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert (bad.status, bad.attempts, bad.next_attempt_at) == (
        DeliveryStatus.FAILED,
        EMAIL_MAX_ATTEMPTS,
        None,
    )
    assert good.attempts == 1  # sent once, never again
    assert email_deliveries_send(now=moment + timedelta(days=1)).sent == 0


def test_a_failed_attempt_is_retried_then_succeeds(flaky_mail: Any, email_delivery_factory: Any) -> None:
    flaky_mail.failures = 1
    delivery = email_delivery_factory(to_address="nguoidan@gmail.com")
    email_delivery_send.enqueue(delivery.pk)
    delivery.refresh_from_db()
    assert flaky_mail.calls == 2
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert "ConnectionRefusedError" in delivery.last_error
    assert "nguoidan@gmail.com" not in delivery.last_error  # operators may not see addresses
    assert [m.to for m in mail.outbox] == [["nguoidan@gmail.com"]]


def test_a_delivery_fails_for_good_after_the_last_attempt(
    flaky_mail: Any, email_delivery_factory: Any
) -> None:
    flaky_mail.failures = 100
    delivery = email_delivery_factory()
    email_delivery_send.enqueue(delivery.pk)
    delivery.refresh_from_db()
    assert flaky_mail.calls == EMAIL_MAX_ATTEMPTS
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == EMAIL_MAX_ATTEMPTS
    assert delivery.last_error.startswith("ConnectionRefusedError")
    assert mail.outbox == []


def test_a_delivery_that_is_no_longer_pending_is_not_sent_again(email_delivery_factory: Any) -> None:
    delivery = email_delivery_factory(status=DeliveryStatus.SENT, attempts=1)
    result = email_delivery_send.enqueue(delivery.pk)
    assert result.return_value == "sent"
    assert mail.outbox == []


def test_resend_queues_a_failed_delivery_again_and_is_audited(
    root_admin: User, email_delivery_factory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = email_delivery_factory(status=DeliveryStatus.FAILED, attempts=5, last_error="SMTP hỏng")
    with django_capture_on_commit_callbacks(execute=True):
        email_delivery_resend(actor=root_admin, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="notifications.emaildelivery")
    assert event.actor == root_admin
    assert event.before == {"status": "failed", "attempts": 5}
    assert event.after == {"status": "pending", "attempts": 0}
    assert delivery.to_address not in event.object_repr + event.after_json


def test_only_failed_deliveries_can_be_resent(root_admin: User, email_delivery_factory: Any) -> None:
    delivery = email_delivery_factory(status=DeliveryStatus.SENT)
    with pytest.raises(Conflict):
        email_delivery_resend(actor=root_admin, delivery=delivery)


def test_resend_needs_an_administrator_over_the_delivery(
    user_with_role: Callable[..., User], hanoi_admin: User, email_delivery_factory: Any, hanoi: Any
) -> None:
    no_unit = email_delivery_factory(status=DeliveryStatus.FAILED)
    with pytest.raises(PermissionDenied):
        email_delivery_resend(actor=hanoi_admin, delivery=no_unit)
    leader = user_with_role(Role.LEADER, "BCDTW")
    with pytest.raises(PermissionDenied):
        email_delivery_resend(actor=leader, delivery=no_unit)
    in_hanoi = email_delivery_factory(status=DeliveryStatus.FAILED, unit=hanoi)
    email_delivery_resend(actor=hanoi_admin, delivery=in_hanoi)
    in_hanoi.refresh_from_db()
    assert in_hanoi.status == DeliveryStatus.PENDING


def test_mark_read_and_mark_all_read(user_factory: Any, notification_factory: Any) -> None:
    user, other = user_factory(), user_factory()
    first, second, _third = notification_factory.create_batch(3, user=user)
    theirs = notification_factory(user=other)
    notification_mark_read(actor=user, notification=first)
    first.refresh_from_db()
    assert first.read_at is not None
    read_at = first.read_at
    notification_mark_read(actor=user, notification=first)  # again: harmless, keeps the time
    first.refresh_from_db()
    assert first.read_at == read_at
    with pytest.raises(PermissionDenied):
        notification_mark_read(actor=user, notification=theirs)
    assert notification_mark_all_read(actor=user) == 2
    second.refresh_from_db()
    theirs.refresh_from_db()
    assert second.read_at is not None
    assert theirs.read_at is None


def test_email_render_reads_the_event_template_in_vietnamese(settings: Any) -> None:

    with translation.override("en"):
        rendered = email_render(event="test_email", context={"sent_at": timezone.now()})
    assert rendered.subject == "Thư thử nghiệm từ Thước Đo"
    assert "cấu hình gửi thư (SMTP) đã hoạt động" in rendered.body
    with pytest.raises(ValidationFailed):
        email_render(event="../base", context={})


def test_the_test_email_command_sends_through_the_same_path(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_test_email", "vanhanh@example.vn")
    delivery = EmailDelivery.objects.get(event="test_email")
    assert delivery.status == DeliveryStatus.SENT
    assert mail.outbox[0].subject == "Thư thử nghiệm từ Thước Đo"
    with pytest.raises(CommandError):
        call_command("send_test_email", "khong-hop-le")
