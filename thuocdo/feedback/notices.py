"""Who hears about each step of a case, in Vietnamese. Notifications are written in the
caller's transaction and e-mailed by background jobs after the commit (see
`thuocdo.notifications`), so a rolled-back step notifies nobody.

Submitters without an account are reached by e-mail at the address they gave; handlers
get an in-app notification and an e-mail.
"""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.accounts.models import Role
from thuocdo.notifications.selectors import (
    standing_office_recipients,
    unit_recipients,
    unit_recipients_prefetch,
)
from thuocdo.notifications.services import notify

from .models import Case, Item

HANDLERS = (Role.OFFICER, Role.LEADER, Role.ADMIN)


def _absolute(path: str) -> str:
    return f"{settings.THUOCDO_SITE_URL.rstrip('/')}{path}"


def _tracking_link(item: Item) -> str:
    return _absolute(reverse("feedback:track", args=[item.tracking_code]))


def _case_link(case: Case) -> str:
    return reverse("feedback:case", args=[case.pk])


def _submitter_emails(items: Iterable[Item]) -> list[str]:
    return sorted({item.contact_email for item in items if item.contact_email})


def _due(case: Case) -> str:
    if case.answer_due_at is None:
        return "—"
    return timezone.localtime(case.answer_due_at).strftime("%d/%m/%Y")


def _tell_submitters(case: Case, event: str, subject: str, message: str) -> None:
    for item in case.items.all():
        if not item.contact_email:
            continue
        notify(
            event=event,
            subject=subject,
            body=_("%(message)s\n\nMã tra cứu: %(code)s\nTheo dõi tại: %(link)s")
            % {"message": message, "code": item.tracking_code, "link": _tracking_link(item)},
            emails=[item.contact_email],
            obj=item,
            unit=case.unit,
        )


def item_received(item: Item) -> None:
    if not item.contact_email:
        return
    notify(
        event="feedback.received",
        subject=_("Đã tiếp nhận: %(title)s") % {"title": item.title[:80]},
        body=_(
            "Cảm ơn bạn đã gửi ý kiến. Mã tra cứu của bạn là %(code)s.\n"
            "Bạn có thể theo dõi kết quả xử lý, không cần đăng nhập, tại: %(link)s"
        )
        % {"code": item.tracking_code, "link": _tracking_link(item)},
        emails=[item.contact_email],
        obj=item,
        unit=item.case.unit,
    )


def handlers_prefetch(cases: Iterable[Case]) -> None:
    """Inside `recipients_remembered()`: the handlers of these cases' units, read in one
    query for the notices that follow."""
    unit_recipients_prefetch(units=[case.unit for case in cases if case.unit is not None], roles=HANDLERS)


def case_assigned(case: Case) -> None:
    if case.unit is None:
        return
    notify(
        event="feedback.assigned",
        subject=_("Hồ sơ mới cần xử lý: %(title)s") % {"title": case.title[:80]},
        body=_(
            "Đơn vị %(unit)s được giao xử lý hồ sơ #%(id)d. Hạn trả lời: %(due)s.\nLý do phân công: %(reason)s"
        )
        % {"unit": case.unit.name, "id": case.pk, "due": _due(case), "reason": case.routing_reason or "—"},
        link=_case_link(case),
        users=unit_recipients(unit=case.unit, roles=HANDLERS),
        obj=case,
        unit=case.unit,
    )


def case_needs_triage(case: Case) -> None:
    notify(
        event="feedback.triage",
        subject=_("Hồ sơ cần phân loại: %(title)s") % {"title": case.title[:80]},
        body=_("Hệ thống chưa đủ tin cậy để tự phân công hồ sơ #%(id)d. %(reason)s")
        % {"id": case.pk, "reason": case.routing_reason},
        link=_case_link(case),
        users=standing_office_recipients(roles=(Role.OFFICER, Role.ADMIN)),
        obj=case,
        unit=case.unit,
    )


def case_waiting_for_submitter(case: Case, reason: str) -> None:
    _tell_submitters(
        case,
        "feedback.waiting",
        _("Cần bổ sung thông tin: %(title)s") % {"title": case.title[:80]},
        _("Đơn vị xử lý cần bạn bổ sung: %(reason)s") % {"reason": reason},
    )


def case_answered(case: Case) -> None:
    _tell_submitters(
        case,
        "feedback.answered",
        _("Đã có trả lời: %(title)s") % {"title": case.title[:80]},
        _(
            "%(unit)s đã trả lời:\n\n%(answer)s\n\nBạn có thể đánh giá câu trả lời hoặc không đồng ý với kết quả."
        )
        % {"unit": case.unit.name if case.unit else "", "answer": case.answer},
    )


def case_rejected(case: Case) -> None:
    _tell_submitters(
        case,
        "feedback.rejected",
        _("Không tiếp nhận xử lý: %(title)s") % {"title": case.title[:80]},
        _("Lý do: %(reason)s. %(note)s")
        % {"reason": case.get_reject_reason_display(), "note": case.reject_note},
    )


def case_merged(duplicate: Case, into: Case) -> None:
    _tell_submitters(
        into,
        "feedback.merged",
        _("Ý kiến của bạn được xử lý cùng hồ sơ #%(id)d") % {"id": into.pk},
        _("Nội dung bạn gửi trùng với một hồ sơ đang xử lý; bạn sẽ nhận câu trả lời chung của hồ sơ này."),
    )


def case_reminder(case: Case, share: int) -> None:
    if case.unit is None:
        return
    notify(
        event=f"feedback.reminder_{share}",
        subject=_("Nhắc hạn (%(share)d%% thời gian): %(title)s") % {"share": share, "title": case.title[:80]},
        body=_("Hồ sơ #%(id)d đã dùng %(share)d%% thời hạn trả lời. Hạn: %(due)s.")
        % {"id": case.pk, "share": share, "due": _due(case)},
        link=_case_link(case),
        users=unit_recipients(unit=case.unit, roles=HANDLERS),
        obj=case,
        unit=case.unit,
    )


def case_escalated(case: Case) -> None:
    if case.unit is None:
        return
    users = {
        *unit_recipients(unit=case.unit, roles=(Role.LEADER, Role.OFFICER)),
        *standing_office_recipients(roles=(Role.OFFICER, Role.ADMIN, Role.LEADER)),
    }
    notify(
        event="feedback.escalated",
        subject=_("QUÁ HẠN: %(title)s") % {"title": case.title[:80]},
        body=_("Hồ sơ #%(id)d giao %(unit)s đã quá hạn trả lời (hạn %(due)s).")
        % {"id": case.pk, "unit": case.unit.name, "due": _due(case)},
        link=_case_link(case),
        users=sorted(users, key=lambda user: user.pk),
        obj=case,
        unit=case.unit,
    )


def case_disputed(case: Case, reason: str) -> None:
    users = {
        *(unit_recipients(unit=case.unit, roles=HANDLERS) if case.unit else []),
        *standing_office_recipients(roles=(Role.OFFICER, Role.ADMIN)),
    }
    notify(
        event="feedback.disputed",
        subject=_("Người gửi không đồng ý với kết quả: %(title)s") % {"title": case.title[:80]},
        body=_("Hồ sơ #%(id)d được mở lại với thời hạn mới (%(due)s). Lý do: %(reason)s")
        % {"id": case.pk, "due": _due(case), "reason": reason},
        link=_case_link(case),
        users=sorted(users, key=lambda user: user.pk),
        obj=case,
        unit=case.unit,
    )
