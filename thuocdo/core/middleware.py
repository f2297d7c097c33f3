import uuid
from collections.abc import Callable

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
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


# What a view can set on its response to change its policy (django-csp's decorators).
_PER_VIEW_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# The site-wide headers, built once per settings object: (setting, report only) → (the
# setting's value when built, the header, the URL prefixes it excludes).
_site_policies: dict[tuple[str, bool], tuple[object, str, tuple[str, ...]]] = {}


def _site_policy(setting: str, report_only: bool) -> tuple[str, tuple[str, ...]]:
    current = getattr(settings, setting, None)
    built = _site_policies.get((setting, report_only))
    if built is None or built[0] is not current:  # override_settings gives a new object
        excluded = tuple((current or {}).get("EXCLUDE_URL_PREFIXES") or ())
        built = (current, build_policy(report_only=report_only), excluded)
        _site_policies[(setting, report_only)] = built
    return built[1], built[2]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site-wide headers built once instead of on every
    response (about 0.1 ms each; every page and API answer has one). A response that
    needs its own header (a nonce was used, or a view changed its policy) and every
    response under DEBUG go through django-csp's own code."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_VIEW_POLICY)
        ):
            return super().process_response(request, response)
        for header, setting, exempt, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
        ):
            value, excluded = _site_policy(setting, report_only)
            if (
                value
                and header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(excluded)
            ):
                response[header] = value
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
