"""Notifications: the one way the platform tells people something happened.

`notify()` is called by other services inside their own transaction: it writes the in-app
notifications and the email deliveries there, and queues the sending jobs on commit, so
a change that rolls back notifies nobody. Notifications are consequences of a change that
the caller already audits, so `notify()` writes no audit event of its own (see
docs/decisions/0016-notifications.md); an operator's resend is audited.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage, get_connection, send_mail
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.accounts.models import User
from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import Conflict, ValidationFailed
from thuocdo.core.jobs import backoff_delay, enqueue_coalesced_on_commit
from thuocdo.units.models import Unit

from .emails import EVENT_PATTERN, email_body
from .models import DeliveryStatus, EmailDelivery, Notification
from .permissions import email_delivery_policy, notification_policy

logger = logging.getLogger("thuocdo.notifications")

# The sending job tries this many times (backoff 60 s, 120 s, 240 s, 480 s) before the
# delivery is marked failed for an operator to see.
EMAIL_MAX_ATTEMPTS = 5
EMAIL_RETRY_BASE_SECONDS = 60
SUBJECT_MAX = 255
BODY_MAX = 20_000
LINK_MAX = 500
ERROR_MAX = 2_000


class EmailSendFailed(Exception):
    """One attempt failed; the job is retried (or stays FAILED after the last attempt)."""


def _validate(*, event: str, subject: str, body: str, link: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not EVENT_PATTERN.match(event):
        errors["event"] = [_("Mã sự kiện chỉ gồm chữ thường không dấu, số, '_', '.', '-' (tối đa 60 ký tự).")]
    if not subject:
        errors["subject"] = [_("Cần có tiêu đề.")]
    elif len(subject) > SUBJECT_MAX or "\n" in subject or "\r" in subject:
        errors["subject"] = [_("Tiêu đề chỉ một dòng, tối đa 255 ký tự.")]
    if len(body) > BODY_MAX:
        errors["body"] = [_("Nội dung tối đa 20.000 ký tự.")]
    if link and (
        len(link) > LINK_MAX
        or not (
            (link.startswith("/") and not link.startswith("//")) or link.startswith(("https://", "http://"))
        )
    ):
        errors["link"] = [_("Đường dẫn phải bắt đầu bằng '/' hoặc http(s):// và tối đa 500 ký tự.")]
    return errors


def _addresses(emails: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    result: list[str] = []
    for raw in emails:
        address = str(raw).strip()
        try:
            validate_email(address)
        except DjangoValidationError:
            errors.setdefault("emails", []).append(_("Địa chỉ thư điện tử không hợp lệ: %s") % address)
            continue
        result.append(address)
    return result


def notify(
    *,
    event: str,
    subject: str,
    body: str,
    link: str = "",
    users: Iterable[User] = (),
    emails: Iterable[str] = (),
    obj: models.Model | None = None,
    unit: Unit | None = None,
) -> int:
    """Tell people that something happened.

    - every active user in `users` gets an in-app notification, and an email if they have
      an address;
    - every address in `emails` (people without an account) gets an email;
    - addresses are deduplicated without regard to case, users by id;
    - `obj` is the thing the notification is about; `unit` the unit it concerns, which
      lets that unit's administrators see the deliveries in the operator view (without
      it, only administrators at the root do).

    Call it inside the transaction of the change: the rows roll back with it, and the
    emails are queued only when it commits. Returns the number of notifications plus
    emails created."""
    subject = subject.strip()
    link = link.strip()
    errors = _validate(event=event, subject=subject, body=body, link=link)
    extra_addresses = _addresses(emails, errors)
    if errors:
        raise ValidationFailed(fields=errors)

    recipients: dict[int, User] = {}
    for user in users:
        if user.is_active and user.pk not in recipients:
            recipients[user.pk] = user
    object_type, object_id = ("", "") if obj is None else (obj._meta.label_lower, str(obj.pk))

    seen: set[str] = set()
    targets: list[tuple[str, User | None]] = []
    for user in recipients.values():
        address = (user.email or "").strip()
        if address and address.casefold() not in seen:
            seen.add(address.casefold())
            targets.append((address, user))
    for address in extra_addresses:
        if address.casefold() not in seen:
            seen.add(address.casefold())
            targets.append((address, None))

    now = timezone.now()
    mail_text = email_body(subject=subject, body=body, link=link) if targets else ""
    notifications = [
        Notification(
            user=user,
            event=event,
            subject=subject,
            body=body,
            link=link,
            object_type=object_type,
            object_id=object_id,
            created_at=now,
        )
        for user in recipients.values()
    ]
    deliveries = [
        EmailDelivery(
            to_address=address,
            user=user,
            unit=unit,
            event=event,
            subject=subject,
            body=mail_text,
            object_type=object_type,
            object_id=object_id,
            created_at=now,
        )
        for address, user in targets
    ]
    batch = _batched.get()
    if batch is not None:
        batch.notifications += notifications
        batch.deliveries += deliveries
    else:
        with transaction.atomic():
            _store(notifications, deliveries)
    return len(notifications) + len(deliveries)


@dataclass
class _Batch:
    notifications: list[Notification] = field(default_factory=list)
    deliveries: list[EmailDelivery] = field(default_factory=list)


_batched: ContextVar[_Batch | None] = ContextVar("batched_notifications", default=None)


@contextmanager
def notifications_batched() -> Iterator[None]:
    """Within the block, `notify()` validates at once but writes its rows together at the
    end of the block: one INSERT per table for all of them (the intake processor tells
    about a group of cases in one transaction). Use it inside that transaction; if the
    block raises, nothing is written."""
    batch = _Batch()
    token = _batched.set(batch)
    try:
        yield
    finally:
        _batched.reset(token)
    with transaction.atomic():
        _store(batch.notifications, batch.deliveries)


def _store(notifications: list[Notification], deliveries: list[EmailDelivery]) -> None:
    Notification.objects.bulk_create(notifications)
    if EmailDelivery.objects.bulk_create(deliveries):
        _sender_kick()


def _sender_kick() -> None:
    """After the commit, the sending job (at most one queued per second and process)."""
    from .tasks import email_deliveries_send_job  # noqa: PLC0415 - the job module imports this one

    enqueue_coalesced_on_commit(email_deliveries_send_job, delay_seconds=1.0)


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    next_attempt_at: Any = None  # the earliest retry still to come, if any
    more: bool = False  # stopped after `max_batches` with deliveries still due


EMAIL_SEND_BATCH = 100


def email_deliveries_send(
    *, batch: int = EMAIL_SEND_BATCH, max_batches: int | None = None, now: Any = None
) -> SendResult:
    """Send every pending delivery that is due, oldest first, `batch` at a time over one
    connection to the mail backend (decision 0016). Each batch is taken with SKIP LOCKED,
    so several workers share the queue. A failed attempt is recorded on the delivery with
    its error and retried after a backoff (60 s, 120 s, ...); after EMAIL_MAX_ATTEMPTS the
    delivery is `failed` for an operator to see. With `max_batches`, stops after that many
    full batches (`more` says whether deliveries are still due). Returns what happened."""
    result = SendResult()
    batches = 0
    while True:
        if max_batches is not None and batches >= max_batches:
            result.more = True
            break
        batches += 1
        moment = now or timezone.now()
        with transaction.atomic():
            due = (
                EmailDelivery.objects.select_for_update(skip_locked=True)
                .filter(status=DeliveryStatus.PENDING)
                .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=moment))
                .order_by("pk")[:batch]
            )
            deliveries = list(due)
            if not deliveries:
                break
            sent_ids = _send_over_one_connection(deliveries, moment, result)
            EmailDelivery.objects.filter(pk__in=sent_ids).update(
                attempts=F("attempts") + 1,
                status=DeliveryStatus.SENT,
                sent_at=moment,
                next_attempt_at=None,
                updated_at=moment,
            )
        result.sent += len(sent_ids)
        if len(deliveries) < batch:
            break
    waiting = EmailDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__gt=timezone.now())
    result.next_attempt_at = (
        waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    )
    return result


def _send_over_one_connection(deliveries: list[EmailDelivery], moment: Any, result: SendResult) -> list[int]:
    sent_ids: list[int] = []
    mail = get_connection(fail_silently=False)
    try:
        mail.open()
    except Exception as error:  # nothing can be sent: every delivery of the batch failed once
        for delivery in deliveries:
            _attempt_failed(delivery, error, moment, result)
        return sent_ids
    try:
        for delivery in deliveries:
            message = EmailMessage(
                delivery.subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.to_address]
            )
            try:
                if mail.send_messages([message]) != 1:
                    raise EmailSendFailed("the mail backend accepted no message")
            except Exception as error:
                _attempt_failed(delivery, error, moment, result)
                continue
            sent_ids.append(delivery.pk)
    finally:
        mail.close()
    return sent_ids


def _attempt_failed(delivery: EmailDelivery, error: Exception, moment: Any, result: SendResult) -> None:
    attempts = delivery.attempts + 1
    final = attempts >= EMAIL_MAX_ATTEMPTS
    retry_at = None if final else moment + backoff_delay(attempts, base_seconds=EMAIL_RETRY_BASE_SECONDS)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_error=_error_text(error, delivery.to_address),
        status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
        next_attempt_at=retry_at,
        updated_at=moment,
    )
    if final:
        result.failed += 1
        logger.error("Email delivery %s failed for good after %s attempts", delivery.pk, attempts)
    else:
        result.retrying += 1
        logger.warning(
            "Email delivery %s failed (attempt %s); retrying at %s", delivery.pk, attempts, retry_at
        )


def _error_text(error: Exception, address: str) -> str:
    # SMTP errors may quote the recipient; the error is shown to operators who may not see
    # addresses, so the address is replaced.
    text = f"{type(error).__name__}: {error}".replace(address, "<người nhận>")
    return text[:ERROR_MAX]


def email_delivery_attempt(*, delivery_id: int) -> str:
    """One attempt to send one delivery (the sending job calls this). Returns the new
    status; raises `EmailSendFailed` when the attempt failed, after recording it. The
    last allowed attempt marks the delivery `failed`. A delivery that is no longer
    pending is left alone, so a repeated job never sends twice."""
    delivery = EmailDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        logger.warning("Email delivery %s no longer exists", delivery_id)
        return "missing"
    if delivery.status != DeliveryStatus.PENDING:
        return str(delivery.status)
    try:
        sent = send_mail(
            delivery.subject,
            delivery.body,
            settings.DEFAULT_FROM_EMAIL,
            [delivery.to_address],
            fail_silently=False,
        )
        if sent != 1:
            raise EmailSendFailed("the mail backend accepted no message")
    except Exception as error:
        attempts = delivery.attempts + 1
        final = attempts >= EMAIL_MAX_ATTEMPTS
        with transaction.atomic():
            EmailDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
                attempts=attempts,
                last_error=_error_text(error, delivery.to_address),
                status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
                updated_at=timezone.now(),
            )
        if final:
            logger.error("Email delivery %s failed for good after %s attempts", delivery.pk, attempts)
        raise EmailSendFailed(
            f"email delivery #{delivery.pk}, attempt {attempts}: {type(error).__name__}"
        ) from error
    with transaction.atomic():
        EmailDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            attempts=F("attempts") + 1,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
            updated_at=timezone.now(),
        )
    return str(DeliveryStatus.SENT)


def email_delivery_resend(*, actor: Any, delivery: EmailDelivery) -> EmailDelivery:
    """An operator sends a failed delivery again: it becomes pending with a fresh count of
    attempts, and a new job is queued. Audited."""
    email_delivery_policy.require(actor, "resend", delivery)
    with transaction.atomic():
        locked = (
            EmailDelivery.objects.select_for_update(of=("self",)).select_related("unit").get(pk=delivery.pk)
        )
        if locked.status != DeliveryStatus.FAILED:
            raise Conflict(_("Chỉ gửi lại được thư đã gửi thất bại."))
        before = {"status": locked.status, "attempts": locked.attempts}
        locked.status = DeliveryStatus.PENDING
        locked.attempts, locked.next_attempt_at = 0, None
        locked.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            unit=locked.unit,
            before=before,
            after={"status": locked.status, "attempts": 0},
            reason=_("Gửi lại thư thông báo"),
        )
        _sender_kick()
    return locked


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (again is harmless)."""
    notification_policy.require(actor, "mark_read", notification)
    if notification.read_at is None:
        now = timezone.now()
        with transaction.atomic():
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, actor: Any) -> int:
    """Mark all the actor's notifications read; returns how many were unread."""
    notification_policy.require(actor, "mark_read")
    with transaction.atomic():
        return notification_policy.visible(actor).filter(read_at__isnull=True).update(read_at=timezone.now())
