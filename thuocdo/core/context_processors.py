"""The navigation shown depends on the user's roles: computed once per request here."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from thuocdo.audit.permissions import audit_event_policy
from thuocdo.delivery.permissions import assignment_policy, verification_policy
from thuocdo.feedback.permissions import case_policy
from thuocdo.initiatives.permissions import initiative_policy, review_policy
from thuocdo.notifications.permissions import email_delivery_policy
from thuocdo.workdays.permissions import calendar_day_policy


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[tuple[str, Any, str]] = [
        ("home", _("Tổng quan"), reverse("core:home")),
        ("delivery", _("Điều hành"), reverse("delivery:dashboard")),
        ("transparency", _("Công khai"), reverse("transparency:index")),
        ("initiatives", _("Sáng kiến"), reverse("initiatives:public_list")),
        ("feedback", _("Phản ánh, kiến nghị"), reverse("feedback:submit")),
        ("units", _("Đơn vị"), reverse("units:browse")),
        ("api", _("API"), "/api/v1/docs"),
    ]
    if user is not None and user.is_authenticated:
        if assignment_policy.scopes(user, "report"):
            items.insert(2, ("my", _("Nhiệm vụ của tôi"), reverse("delivery:my_tasks")))
        if verification_policy.user_may(user, "view"):
            items.insert(2, ("verification", _("Kiểm tra"), reverse("delivery:verification_queue")))
        if initiative_policy.is_office(user):
            items.append(("initiatives-office", _("Hồ sơ sáng kiến"), reverse("initiatives:office_queue")))
        if review_policy.is_expert(user):
            items.append(
                ("initiatives-reviews", _("Thẩm định sáng kiến"), reverse("initiatives:expert_reviews"))
            )
        if case_policy.scopes(user, "view"):
            items.append(("feedback-desk", _("Xử lý phản ánh"), reverse("feedback:inbox")))
        if audit_event_policy.user_may(user, "view"):
            items.append(("audit", _("Nhật ký"), reverse("audit:list")))
        if calendar_day_policy.user_may_manage(user):
            items.append(("workdays", _("Lịch làm việc"), reverse("workdays:index")))
        if email_delivery_policy.user_may(user, "view"):
            items.append(("notifications", _("Thư thông báo"), reverse("notifications:deliveries")))
        if user.is_staff:
            items.append(("jobs", _("Công việc nền"), reverse("core:jobs")))
            items.append(("admin", _("Quản trị"), reverse("admin:index")))
    section = (request.resolver_match.namespace if request.resolver_match else "") or "home"
    return {"nav_items": items, "nav_section": section}
