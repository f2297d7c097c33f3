from datetime import datetime

from ninja import Field, Schema

from thuocdo.units.schemas import UnitRef


class RoleOut(Schema):
    id: int
    role: str
    role_label: str
    unit: UnitRef


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    is_staff: bool
    roles: list[RoleOut]


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="Mã đầy đủ. Chỉ hiển thị một lần, hãy lưu lại ngay.")
