"""Units endpoints. The organisation tree is public; people and roles are scoped."""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from thuocdo.accounts.api_auth import api_auth
from thuocdo.accounts.models import RoleAssignment
from thuocdo.accounts.selectors import role_assignment_list
from thuocdo.accounts.services import role_grant, user_get_by_username

from . import selectors
from .models import Unit, UnitLevel
from .permissions import unit_policy
from .schemas import RoleAssignmentOut, RoleGrantIn, UnitDetailOut, UnitOut, UnitSearchHit

router = Router(tags=["Đơn vị"])


class UnitFilters(Schema):
    level: UnitLevel | None = None
    parent: str | None = None
    within: str | None = None
    q: str | None = None
    include_inactive: bool = False


@router.get("", response=list[UnitOut], auth=None, summary="Danh sách đơn vị")
@paginate(LimitOffsetPagination)
def unit_list(request: HttpRequest, filters: Query[UnitFilters]) -> object:
    return selectors.unit_list(
        level=filters.level,
        parent_code=filters.parent,
        within_code=filters.within,
        query=filters.q,
        include_inactive=filters.include_inactive,
    )


class SearchFilters(Schema):
    q: str
    level: UnitLevel | None = None
    within: str | None = None
    limit: int = 20


@router.get("/search", response=list[UnitSearchHit], auth=None, summary="Tìm đơn vị (không phân biệt dấu)")
def unit_search(request: HttpRequest, filters: Query[SearchFilters]) -> object:
    within = selectors.unit_get(code=filters.within) if filters.within else None
    matches = selectors.unit_search(query=filters.q, level=filters.level, within=within, limit=filters.limit)
    return [{"unit": m.unit, "matched_alias": m.via_alias} for m in matches]


@router.get("/{code}", response=UnitDetailOut, auth=None, summary="Chi tiết đơn vị")
def unit_detail(request: HttpRequest, code: str) -> object:
    return selectors.unit_get(code=code)


class SubtreeFilters(Schema):
    level: UnitLevel | None = None


@router.get("/{code}/subtree", response=list[UnitOut], auth=None, summary="Cây con của đơn vị")
@paginate(LimitOffsetPagination)
def unit_subtree(request: HttpRequest, code: str, filters: Query[SubtreeFilters]) -> object:
    unit = selectors.unit_get(code=code)
    return selectors.unit_subtree(unit=unit, level=filters.level).select_related("parent")


def _assignment_out(assignment: RoleAssignment) -> dict[str, object]:
    return {
        "id": assignment.pk,
        "username": assignment.user.username,
        "full_name": assignment.user.display_name,
        "role": assignment.role,
        "role_label": str(assignment.get_role_display()),
        "unit": assignment.unit,
        "granted_at": assignment.granted_at.isoformat(),
    }


@router.get(
    "/{code}/roles", response=list[RoleAssignmentOut], auth=api_auth, summary="Người và vai trò trong đơn vị"
)
def unit_roles(request: HttpRequest, code: str) -> object:
    unit: Unit = selectors.unit_get(code=code)
    unit_policy.require(request.user, "view_people", unit)
    return [_assignment_out(a) for a in role_assignment_list(actor=request.user, unit=unit)]


@router.post(
    "/{code}/roles", response={201: RoleAssignmentOut}, auth=api_auth, summary="Cấp vai trò trong đơn vị"
)
def unit_role_grant(request: HttpRequest, code: str, payload: RoleGrantIn) -> object:
    unit = selectors.unit_get(code=code)
    unit_policy.require(request.user, "manage_roles", unit)  # before the lookup: no probing for usernames
    user = user_get_by_username(payload.username)
    assignment = role_grant(
        actor=request.user, user=user, unit=unit, role=payload.role, reason=payload.reason
    )
    return 201, _assignment_out(assignment)
