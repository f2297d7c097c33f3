"""One application error type. Services raise these; the API and the UI render them the
same way: a stable machine code, a translatable message and optional field details."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _


class AppError(Exception):
    code = "error"
    status = 400
    default_message: Any = _("Yêu cầu không hợp lệ.")

    def __init__(
        self,
        message: Any = None,
        *,
        fields: Mapping[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        if code:
            self.code = code
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class ValidationFailed(AppError):
    code = "validation_error"
    status = 422
    default_message = _("Dữ liệu không hợp lệ. Vui lòng kiểm tra các trường được đánh dấu.")


class NotFound(AppError):
    code = "not_found"
    status = 404
    default_message = _("Không tìm thấy.")


class PermissionDenied(AppError):
    code = "forbidden"
    status = 403
    default_message = _("Bạn không có quyền thực hiện thao tác này.")


class NotAuthenticated(AppError):
    code = "unauthenticated"
    status = 401
    default_message = _("Cần đăng nhập hoặc mã truy cập API hợp lệ.")


class Conflict(AppError):
    code = "conflict"
    status = 409
    default_message = _("Xung đột với dữ liệu hiện có.")


class RateLimited(AppError):
    code = "rate_limited"
    status = 429
    default_message = _("Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút.")
