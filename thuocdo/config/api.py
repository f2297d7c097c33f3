"""The JSON API root (/api/v1). Every error leaves here as
{"error": {"code": ..., "message": ..., "fields": {...}}}, never as an HTML page."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from thuocdo.accounts.api import router as accounts_router
from thuocdo.accounts.api_auth import api_auth
from thuocdo.audit.api import router as audit_router
from thuocdo.core.errors import AppError, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from thuocdo.core.input_errors import field_errors
from thuocdo.delivery.api import router as delivery_router
from thuocdo.feedback.api import router as feedback_router
from thuocdo.initiatives.api import router as initiatives_router
from thuocdo.notifications.api import router as notifications_router
from thuocdo.units.api import router as units_router
from thuocdo.workdays.api import router as workdays_router

logger = logging.getLogger(__name__)


class UnicodeJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Vietnamese stays readable in responses


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="Thước Đo API",
    version="1.0.0",
    description=(
        "API của Thước Đo. Xác thực bằng mã truy cập cá nhân: `Authorization: Bearer td_…` "
        "(tạo tại trang Mã truy cập API), hoặc phiên đăng nhập của trình duyệt. "
        'Lỗi luôn có dạng `{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api-v1",
    auth=api_auth,
)


def _render(request: HttpRequest, error: AppError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(AppError)
def on_app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return _render(request, exc)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _render(request, ValidationFailed(fields=field_errors(exc.errors)))


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _render(request, NotAuthenticated())


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _render(request, NotFound())


@api.exception_handler(DjangoPermissionDenied)
def on_forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return _render(request, PermissionDenied())


def _http_error_message(message: str) -> str:
    # django-ninja's own messages are English; ours are already in the catalogue.
    if message.startswith("Cannot parse request body"):
        return _("Không đọc được nội dung yêu cầu: JSON hoặc biểu mẫu không hợp lệ.")
    if message == "CSRF check Failed":
        return _("Thiếu hoặc sai mã CSRF của phiên đăng nhập.")
    return message


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 405: "method_not_allowed", 413: "too_large", 429: "throttled"}.get(
        exc.status_code, "error"
    )
    error = AppError(_http_error_message(str(exc.message)), code=code)
    error.status = exc.status_code
    return _render(request, error)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error", exc_info=exc)
    body: dict[str, Any] = {
        "error": {"code": "server_error", "message": _("Lỗi hệ thống. Vui lòng thử lại sau.")}
    }
    return api.create_response(request, body, status=500)


api.add_router("/units", units_router)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/monitoring", delivery_router)
api.add_router("/calendar", workdays_router)
api.add_router("/notifications", notifications_router)
api.add_router("/feedback", feedback_router)
api.add_router("/initiatives", initiatives_router)
