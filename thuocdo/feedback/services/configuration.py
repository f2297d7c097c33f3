"""Operator settings of the desk: deadlines and anonymity per kind, the blocked-terms
list. Standing Office administrators only; every change audited."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import NotFound, PermissionDenied, ValidationFailed
from thuocdo.core.text import fold_diacritics, nfc

from ..models import BlockedTerm, Kind, KindSetting
from ..permissions import case_policy


def _require_configure(actor: Any) -> None:
    if not case_policy.is_standing_office(actor, "configure"):
        case_policy.record_denial(actor, "configure", None, None)
        raise PermissionDenied()


def _days(raw: Any, field: str, low: int, high: int, errors: dict[str, list[str]]) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        errors[field] = [_("Nhập một số nguyên.")]
        return 0
    if not low <= value <= high:
        errors[field] = [_("Giá trị từ %(low)d đến %(high)d.") % {"low": low, "high": high}]
    return value


def kind_setting_update(
    *,
    actor: Any,
    kind: str,
    answer_working_days: Any,
    transfer_working_days: Any,
    dispute_days: Any,
    allow_anonymous: bool,
) -> KindSetting:
    """New deadlines apply to cases assigned from now on; running clocks keep theirs."""
    _require_configure(actor)
    if kind not in Kind.values:
        raise NotFound()
    errors: dict[str, list[str]] = {}
    answer = _days(answer_working_days, "answer_working_days", 1, 120, errors)
    transfer = _days(transfer_working_days, "transfer_working_days", 1, 30, errors)
    dispute = _days(dispute_days, "dispute_days", 1, 90, errors)
    if not errors and transfer >= answer:
        errors["transfer_working_days"] = [_("Thời hạn chuyển phải ngắn hơn thời hạn trả lời.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        setting, _created = KindSetting.objects.select_for_update().get_or_create(kind=kind)
        before = {
            "answer_working_days": setting.answer_working_days,
            "transfer_working_days": setting.transfer_working_days,
            "dispute_days": setting.dispute_days,
            "allow_anonymous": setting.allow_anonymous,
        }
        setting.answer_working_days, setting.transfer_working_days = answer, transfer
        setting.dispute_days, setting.allow_anonymous = dispute, bool(allow_anonymous)
        setting.save()
        after = {
            "answer_working_days": answer,
            "transfer_working_days": transfer,
            "dispute_days": dispute,
            "allow_anonymous": setting.allow_anonymous,
        }
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=setting, before=before, after=after)
    return setting


def blocked_term_add(*, actor: Any, term: str) -> BlockedTerm:
    _require_configure(actor)
    text = nfc(term or "")
    folded = fold_diacritics(text)
    if not 2 <= len(folded) <= 100:
        raise ValidationFailed(fields={"term": [_("Từ bị chặn cần từ 2 đến 100 ký tự.")]})
    if BlockedTerm.objects.filter(folded=folded).exists():
        raise ValidationFailed(fields={"term": [_("Từ này đã có trong danh sách.")]})
    with transaction.atomic():
        blocked = BlockedTerm.objects.create(term=text, folded=folded)
        audit_record(actor=actor, action=AuditAction.CREATE, obj=blocked)
    return blocked


def blocked_term_remove(*, actor: Any, term_id: int) -> None:
    _require_configure(actor)
    blocked = BlockedTerm.objects.filter(pk=term_id).first()
    if blocked is None:
        raise NotFound()
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.DELETE, obj=blocked)
        blocked.delete()
