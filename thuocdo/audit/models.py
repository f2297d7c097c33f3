"""The append-only audit log. Entries form a hash chain: each stores the hash of the
previous one, so an edit or a deletion made directly in the database breaks the chain
and `manage.py verify_audit` names the first broken link."""

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Tạo mới")
    UPDATE = "update", _("Cập nhật")
    DELETE = "delete", _("Xoá")
    LOGIN = "login", _("Đăng nhập")
    LOGOUT = "logout", _("Đăng xuất")
    LOGIN_FAILED = "login_failed", _("Đăng nhập thất bại")
    PERMISSION_GRANT = "permission_grant", _("Cấp quyền")
    PERMISSION_REVOKE = "permission_revoke", _("Thu hồi quyền")
    ACCESS_DENIED = "access_denied", _("Bị từ chối truy cập")
    TOKEN_CREATE = "token_create", _("Tạo mã API")
    TOKEN_REVOKE = "token_revoke", _("Thu hồi mã API")
    DATA_LOAD = "data_load", _("Nạp dữ liệu")
    VIEW_PERSONAL_DATA = "view_personal_data", _("Xem dữ liệu cá nhân")


class AuditEvent(models.Model):
    # seq, prev_hash and hash are empty until the entry is sealed into the chain, right
    # after its transaction commits (decision 0038); the append-only triggers allow that
    # one change and no other.
    seq = models.PositiveBigIntegerField(_("số thứ tự"), unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("người thực hiện (lúc ghi)"), max_length=150)
    action = models.CharField(_("hành động"), max_length=30, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=255, blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    before_json = models.TextField(_("trước"), blank=True)
    after_json = models.TextField(_("sau"), blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    ip_address = models.CharField(_("địa chỉ IP"), max_length=45, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(_("kênh"), max_length=10, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("sự kiện nhật ký")
        verbose_name_plural = _("nhật ký kiểm toán")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The sealer's queue: the few entries not sealed yet.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq or '…'} {self.get_action_display()} {self.object_repr}"

    @property
    def before(self) -> Any:
        return json.loads(self.before_json) if self.before_json else None

    @property
    def after(self) -> Any:
        return json.loads(self.after_json) if self.after_json else None


class AuditChainHead(models.Model):
    """One row: the last entry of the chain. Writers lock it, which orders the chain and
    lets verification notice the deletion of the newest entries."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
