from ninja import Field, Schema

from . import selectors
from .models import Unit, UnitAlias


class UnitRef(Schema):
    code: str
    name: str
    level: str


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    level: str
    parent_code: str | None = Field(None, description="Mã đơn vị cấp trên", alias="parent.code")
    path: str = Field(description="Đường dẫn cây: các mã từ gốc, phân cách bằng '/'")
    depth: int
    latitude: float | None
    longitude: float | None
    is_active: bool


class AliasOut(Schema):
    kind: str
    name: str
    legacy_code: str
    context: str
    is_partial: bool


class UnitDetailOut(UnitOut):
    ancestors: list[UnitRef]
    subtree_counts: dict[str, int] = Field(description="Số đơn vị đang hoạt động theo cấp trong cây con")
    aliases: list[AliasOut]

    @staticmethod
    def resolve_ancestors(obj: Unit) -> list[Unit]:
        return selectors.unit_ancestors(unit=obj)

    @staticmethod
    def resolve_subtree_counts(obj: Unit) -> dict[str, int]:
        return selectors.unit_level_counts(unit=obj)

    @staticmethod
    def resolve_aliases(obj: Unit) -> list[UnitAlias]:
        return list(selectors.unit_aliases(unit=obj))


class UnitSearchHit(Schema):
    unit: UnitOut
    matched_alias: AliasOut | None = None


class RoleAssignmentOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    unit: UnitRef
    granted_at: str


class RoleGrantIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    role: str = Field(description="viewer | officer | leader | verifier | expert | admin")
    reason: str = Field("", max_length=1000)
