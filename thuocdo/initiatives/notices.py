"""Who hears about each step of an initiative, in Vietnamese. Notifications are written in
the caller's transaction and e-mailed by background jobs after the commit (see
`thuocdo.notifications`), so a rolled-back step notifies nobody.

The submitter is reached by e-mail at the contact address given at registration (with the
tracking code and an absolute link to the tracking page); demonstration initiatives carry
made-up addresses and e-mail nobody. The Standing Office, experts, root administrators
and the responsible unit get an in-app notification and an e-mail. Contact addresses go
only into the e-mail deliveries, never into the audit log (notify() audits nothing).
"""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from thuocdo.accounts.models import Role, User
from thuocdo.delivery.models import AssignmentRole, Task
from thuocdo.notifications.selectors import standing_office_recipients, unit_recipients
from thuocdo.notifications.services import notify

from .models import CouncilDecision, Initiative, Outcome, Review

OFFICE = (Role.ADMIN, Role.OFFICER)
UNIT_HEADS = (Role.LEADER, Role.ADMIN)


def _absolute(path: str) -> str:
    return f"{settings.THUOCDO_SITE_URL.rstrip('/')}{path}"


def _tracking_link(initiative: Initiative) -> str:
    return _absolute(reverse("initiatives:track", args=[initiative.tracking_code]))


def _office_link(initiative: Initiative) -> str:
    return reverse("initiatives:office_detail", args=[initiative.pk])


def _title(initiative: Initiative) -> str:
    return initiative.title[:80]


def _tell_submitter(initiative: Initiative, event: str, subject: str, message: str) -> None:
    if initiative.is_demo or not initiative.contact_email:
        return
    notify(
        event=event,
        subject=subject,
        body=_("%(message)s\n\nMã tra cứu: %(code)s\nTheo dõi tại: %(link)s")
        % {"message": message, "code": initiative.tracking_code, "link": _tracking_link(initiative)},
        emails=[initiative.contact_email],
        obj=initiative,
    )


def _tell_office(
    initiative: Initiative, event: str, subject: str, body: str, obj: Initiative | Review | None = None
) -> None:
    notify(
        event=event,
        subject=subject,
        body=body,
        link=_office_link(initiative),
        users=standing_office_recipients(roles=OFFICE),
        obj=initiative if obj is None else obj,
    )


def initiative_received(initiative: Initiative, *, resubmitted: bool = False) -> None:
    """Step 1: a registration or a resubmission. The submitter gets the receipt and the
    tracking code; the Standing Office sees a new item in its queue."""
    if resubmitted:
        receipt = _(
            "Đã tiếp nhận phiên bản %(version)d của sáng kiến “%(title)s”. Sáng kiến sẽ được xét "
            "điều kiện và thẩm định lại từ đầu."
        )
        office_subject = _("Sáng kiến gửi lại (phiên bản %(version)d): %(title)s")
    else:
        receipt = _(
            "Cảm ơn bạn đã đăng ký sáng kiến “%(title)s”. Văn phòng thường trực sẽ xét điều kiện, "
            "sau đó sáng kiến được chuyên gia thẩm định độc lập và Hội đồng xét chọn quyết định."
        )
        office_subject = _("Sáng kiến mới cần xét điều kiện: %(title)s")
    values = {"version": initiative.version, "title": _title(initiative)}
    _tell_submitter(
        initiative,
        "initiatives.resubmitted" if resubmitted else "initiatives.received",
        _("Đã tiếp nhận sáng kiến: %(title)s") % values,
        receipt % values,
    )
    _tell_office(
        initiative,
        "initiatives.queued",
        office_subject % values,
        _("Sáng kiến #%(id)d (lĩnh vực %(area)s) đang chờ xét điều kiện.")
        % {"id": initiative.pk, "area": initiative.area.name},
    )


def screening_started(initiative: Initiative) -> None:
    """Step 2: screening starts."""
    _tell_submitter(
        initiative,
        "initiatives.screening",
        _("Sáng kiến đang được xét điều kiện: %(title)s") % {"title": _title(initiative)},
        _("Văn phòng thường trực đang xét điều kiện của sáng kiến."),
    )


def screened(initiative: Initiative, *, eligible: bool) -> None:
    """Step 2: screening ends, eligible (to expert review) or not (with the reason)."""
    if eligible:
        _tell_submitter(
            initiative,
            "initiatives.eligible",
            _("Sáng kiến đủ điều kiện, chuyển thẩm định: %(title)s") % {"title": _title(initiative)},
            _("Sáng kiến đủ điều kiện và được chuyển cho chuyên gia thẩm định độc lập."),
        )
    else:
        _tell_submitter(
            initiative,
            "initiatives.ineligible",
            _("Sáng kiến không đủ điều kiện: %(title)s") % {"title": _title(initiative)},
            _("Sáng kiến không đủ điều kiện xét chọn. Lý do: %(reason)s")
            % {"reason": initiative.ineligible_reason},
        )


def review_assigned(review: Review) -> None:
    """Step 3: the assigned expert."""
    initiative = review.initiative
    notify(
        event="initiatives.review_assigned",
        subject=_("Được phân công thẩm định: %(title)s") % {"title": _title(initiative)},
        body=_(
            "Bạn được phân công thẩm định sáng kiến #%(id)d (phiên bản %(version)d). Trước khi chấm "
            "điểm, hãy khai báo có hay không có xung đột lợi ích."
        )
        % {"id": initiative.pk, "version": review.version},
        link=reverse("initiatives:review", args=[review.pk]),
        users=[review.expert],
        obj=review,
    )


def conflict_declared(review: Review) -> None:
    """Step 4: an expert declared a conflict; the office assigns someone else."""
    initiative = review.initiative
    _tell_office(
        initiative,
        "initiatives.conflict",
        _("Chuyên gia từ chối do xung đột lợi ích: %(title)s") % {"title": _title(initiative)},
        _("%(expert)s khai báo có xung đột lợi ích với sáng kiến #%(id)d; cần phân công chuyên gia khác.")
        % {"expert": review.expert.display_name, "id": initiative.pk},
        obj=review,
    )


def review_submitted(review: Review) -> None:
    """Step 5: a review is in."""
    initiative = review.initiative
    _tell_office(
        initiative,
        "initiatives.review_submitted",
        _("Đã có phiếu chấm: %(title)s") % {"title": _title(initiative)},
        _("%(expert)s đã nộp phiếu chấm sáng kiến #%(id)d (phiên bản %(version)d).")
        % {"expert": review.expert.display_name, "id": initiative.pk, "version": review.version},
        obj=review,
    )


def round_reviewed(initiative: Initiative) -> None:
    """Step 5: the round is complete; root administrators record the council decision."""
    notify(
        event="initiatives.reviewed",
        subject=_("Sáng kiến sẵn sàng trình Hội đồng: %(title)s") % {"title": _title(initiative)},
        body=_(
            "Các chuyên gia được phân công đã thẩm định xong sáng kiến #%(id)d (phiên bản %(version)d). "
            "Sáng kiến sẵn sàng để Hội đồng xét chọn quyết định."
        )
        % {"id": initiative.pk, "version": initiative.version},
        link=_office_link(initiative),
        users=standing_office_recipients(roles=(Role.ADMIN,)),
        obj=initiative,
    )


def decided(decision: CouncilDecision) -> None:
    """Step 6: the submitter hears the outcome and the reasons (and how to resubmit)."""
    initiative = decision.initiative
    message = _("Hội đồng xét chọn đã quyết định: %(outcome)s.\n\nLý do: %(reasons)s") % {
        "outcome": decision.get_outcome_display(),
        "reasons": decision.reasons,
    }
    if decision.outcome == Outcome.NEEDS_REVISION:
        message += "\n\n" + _(
            "Bạn có thể hoàn thiện và gửi lại sáng kiến tại: %(link)s (cần mã tra cứu và thư điện tử đã đăng ký)."
        ) % {"link": _absolute(reverse("initiatives:resubmit", args=[initiative.tracking_code]))}
    _tell_submitter(
        initiative,
        "initiatives.decided",
        _("Kết quả xét chọn sáng kiến: %(title)s") % {"title": _title(initiative)},
        message,
    )


def task_assigned(decision: CouncilDecision, task: Task) -> None:
    """Step 7: the responsible unit's leaders and administrators get a new task."""
    unit = decision.responsible_unit
    if unit is None:
        return
    lead = task.assignments.filter(role=AssignmentRole.LEAD, unit=unit).first()
    link = (
        reverse("delivery:assignment", args=[lead.pk])
        if lead
        else reverse("delivery:plan", args=[task.plan_id])
    )
    notify(
        event="initiatives.task_assigned",
        subject=_("Nhiệm vụ mới từ sáng kiến đột phá: %(title)s") % {"title": task.title[:80]},
        body=_(
            "Hội đồng xét chọn đã lựa chọn sáng kiến “%(title)s” và giao %(unit)s chủ trì thực hiện "
            "(nhiệm vụ %(code)s, hạn %(due)s). Các kết quả dự kiến là chỉ tiêu theo dõi của nhiệm vụ."
        )
        % {
            "title": decision.initiative.title[:200],
            "unit": unit.name,
            "code": task.code,
            "due": task.deadline_on.strftime("%d/%m/%Y") if task.deadline_on else "—",
        },
        link=link,
        users=unit_recipients(unit=unit, roles=UNIT_HEADS),
        obj=task,
        unit=unit,
    )


def reviews_withdrawn(initiative: Initiative, experts: Iterable[User]) -> None:
    """Step 8: experts whose review is no longer needed."""
    people = list(experts)
    if not people:
        return
    notify(
        event="initiatives.review_withdrawn",
        subject=_("Không cần thẩm định nữa: %(title)s") % {"title": _title(initiative)},
        body=_(
            "Hội đồng xét chọn đã quyết định về sáng kiến #%(id)d; phiếu thẩm định bạn được phân công "
            "không cần chấm nữa. Cảm ơn bạn."
        )
        % {"id": initiative.pk},
        users=people,
        obj=initiative,
    )
