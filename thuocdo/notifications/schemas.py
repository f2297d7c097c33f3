from datetime import datetime

from ninja import Schema


class NotificationOut(Schema):
    id: int
    event: str
    subject: str
    body: str
    link: str
    object_type: str
    object_id: str
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class UnreadCountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int
