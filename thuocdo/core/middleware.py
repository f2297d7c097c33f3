import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .request_context import RequestContext, reset_request_context, set_request_context


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        context = RequestContext(
            ip_address=request.META.get("REMOTE_ADDR"),
            request_id=request.headers.get("X-Request-ID") or uuid.uuid4().hex,
            channel=channel,
        )
        token = set_request_context(context)
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = context.request_id or ""
        return response
