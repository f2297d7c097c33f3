from django.http import HttpRequest, HttpResponse
from ninja import Router

from . import selectors, services
from .schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut

router = Router(tags=["Tài khoản"])


@router.get("/me", response=MeOut, summary="Người dùng hiện tại và các vai trò")
def me(request: HttpRequest) -> object:
    user = request.user
    roles = [
        {"id": a.pk, "role": a.role, "role_label": str(a.get_role_display()), "unit": a.unit}
        for a in selectors.user_roles(user=user)  # type: ignore[arg-type]
    ]
    return {
        "username": user.get_username(),
        "full_name": getattr(user, "display_name", ""),
        "email": getattr(user, "email", ""),
        "is_staff": user.is_staff,
        "roles": roles,
    }


@router.get("/tokens", response=list[TokenOut], tags=["Mã truy cập API"], summary="Mã truy cập của tôi")
def token_list(request: HttpRequest) -> object:
    return selectors.api_token_list(actor=request.user)


@router.post("/tokens", response={201: TokenCreatedOut}, tags=["Mã truy cập API"], summary="Tạo mã truy cập")
def token_create(request: HttpRequest, payload: TokenIn) -> object:
    token, plaintext = services.api_token_create(
        actor=request.user, name=payload.name, expires_at=payload.expires_at
    )
    return 201, {**TokenOut.from_orm(token).model_dump(), "token": plaintext}


@router.delete(
    "/tokens/{token_id}", response=TokenOut, tags=["Mã truy cập API"], summary="Thu hồi mã truy cập"
)
def token_revoke(request: HttpRequest, token_id: int) -> object:
    token = selectors.api_token_get(actor=request.user, token_id=token_id)
    return services.api_token_revoke(actor=request.user, token=token)


@router.delete("/roles/{assignment_id}", response={204: None}, tags=["Đơn vị"], summary="Thu hồi vai trò")
def role_revoke(request: HttpRequest, assignment_id: int, reason: str = "") -> object:
    assignment = selectors.role_assignment_get(actor=request.user, assignment_id=assignment_id)
    services.role_revoke(actor=request.user, assignment=assignment, reason=reason)
    return 204, None


__all__ = ["HttpResponse", "router"]
