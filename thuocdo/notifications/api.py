"""A person's own notifications (/api/v1/notifications). Email deliveries are not in the
API: they hold personal data and are handled in the operator view."""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from . import selectors, services
from .schemas import MarkedOut, NotificationOut, UnreadCountOut

router = Router(tags=["Thông báo"])


class NotificationFilters(Schema):
    unread: bool = False


@router.get("", response=list[NotificationOut], summary="Thông báo của tôi (mới nhất trước)")
@paginate(LimitOffsetPagination)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> object:
    return selectors.notification_list(actor=request.user, unread_only=filters.unread)


@router.get("/unread-count", response=UnreadCountOut, summary="Số thông báo chưa đọc")
def notification_unread_count(request: HttpRequest) -> object:
    return {"unread": selectors.notification_unread_count(actor=request.user)}


@router.post("/read-all", response=MarkedOut, summary="Đánh dấu tất cả thông báo là đã đọc")
def notification_read_all(request: HttpRequest) -> object:
    return {"marked": services.notification_mark_all_read(actor=request.user)}


@router.post("/{notification_id}/read", response=NotificationOut, summary="Đánh dấu một thông báo là đã đọc")
def notification_read(request: HttpRequest, notification_id: int) -> object:
    notification = selectors.notification_get(actor=request.user, notification_id=notification_id)
    return services.notification_mark_read(actor=request.user, notification=notification)
