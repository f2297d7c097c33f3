"""Notifications: in-app messages to people with an account, and a record of every email
sent (or that failed to be sent) to anyone, including submitters who have no account.

Email addresses are personal data: only root-level administrators and superusers see them
in the operator view (see permissions.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One in-app message for one person. Read state is personal and not audited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("sự kiện"), max_length=60)
    subject = models.CharField(_("tiêu đề"), max_length=255)
    body = models.TextField(_("nội dung"), blank=True)
    link = models.CharField(_("đường dẫn"), max_length=500, blank=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=60, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    read_at = models.DateTimeField(_("đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list (newest first) and the unread count both start from the user.
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")


class EmailDelivery(models.Model):
    """One email to one address. The sending job updates it after each attempt, so a
    delivery that fails for good stays here, `failed`, with its last error."""

    to_address = models.EmailField(_("địa chỉ nhận"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("đơn vị liên quan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.CharField(_("sự kiện"), max_length=60, db_index=True)
    subject = models.CharField(_("tiêu đề"), max_length=255)
    body = models.TextField(_("nội dung"))
    object_type = models.CharField(_("loại đối tượng"), max_length=60, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    # A pending delivery whose last attempt failed waits until then (backoff).
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("thư thông báo")
        verbose_name_plural = _("thư thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="email_delivery_status_idx"),
            # The sender's queue: the pending deliveries, oldest first.
            models.Index(fields=["id"], condition=Q(status="pending"), name="email_delivery_pending_idx"),
        ]

    def __str__(self) -> str:
        # No address here: this text goes into the audit log, which leaders read.
        return f"Thư #{self.pk}: {self.subject}"[:255]

    @property
    def masked_address(self) -> str:
        return mask_address(self.to_address)


def mask_address(address: str) -> str:
    """What an operator who may not see addresses sees: the domain only."""
    _local, at, domain = address.rpartition("@")
    return f"•••@{domain}" if at and domain else "•••"
