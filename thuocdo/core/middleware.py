import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import AppError
from .request_context import RequestContext, reset_request_context, set_request_context


class RequestContextMiddleware:
    """Remembers who is asking and from where for the audit log; renders application errors
    raised by web views as a Vietnamese error page with the right status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith(("/api/", "/open311/")) else "web"
        context = RequestContext(
            ip_address=request.META.get("REMOTE_ADDR"),
            request_id=(request.headers.get("X-Request-ID") or uuid.uuid4().hex)[:64],
            channel=channel,
        )
        token = set_request_context(context)
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = context.request_id or ""
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AppError) and not request.path.startswith("/api/"):
            return render(
                request,
                "core/error.html",
                {"error": exception, "status": exception.status},
                status=exception.status,
            )
        return None
