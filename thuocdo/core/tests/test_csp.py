"""The Content-Security-Policy headers, built once, are django-csp's own."""

from typing import Any

import pytest
from csp.constants import NONCE
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from thuocdo.core.middleware import ContentSecurityPolicyMiddleware


def _headers(middleware_class: type[CSPMiddleware], response: HttpResponse, path: str = "/units/") -> Any:
    request: HttpRequest = RequestFactory().get(path)
    middleware = middleware_class(lambda _request: response)
    middleware.process_request(request)
    answered = middleware.process_response(request, response)
    return answered.get("Content-Security-Policy"), answered.get("Content-Security-Policy-Report-Only")


def test_the_site_policy_is_the_header_django_csp_builds() -> None:
    ours = _headers(ContentSecurityPolicyMiddleware, HttpResponse())
    assert ours == _headers(CSPMiddleware, HttpResponse())
    assert ours[0] is not None and "frame-ancestors 'none'" in ours[0] and ours[1] is None
    assert _headers(ContentSecurityPolicyMiddleware, HttpResponse()) == ours  # built once, same


def test_a_changed_setting_is_built_again(settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    ours = _headers(ContentSecurityPolicyMiddleware, HttpResponse())
    assert ours == _headers(CSPMiddleware, HttpResponse())
    assert ours[0] == "default-src 'none'" and "img-src 'self'" in ours[1]


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("_csp_update", {"img-src": ["https://tiles.example.vn"]}), ("_csp_exempt", True)],
)
def test_a_view_of_its_own_gets_what_django_csp_gives(attribute: str, value: Any) -> None:
    def response() -> HttpResponse:
        answer = HttpResponse()
        setattr(answer, attribute, value)
        return answer

    assert _headers(ContentSecurityPolicyMiddleware, response()) == _headers(CSPMiddleware, response())


def test_a_nonce_used_by_the_page_is_in_its_header(settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    request: HttpRequest = RequestFactory().get("/units/")
    middleware = ContentSecurityPolicyMiddleware(lambda _request: HttpResponse())
    middleware.process_request(request)
    nonce = str(request.csp_nonce)  # type: ignore[attr-defined] # set by the middleware
    response = middleware.process_response(request, HttpResponse())
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_excluded_prefixes_get_no_header(settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/healthz"],
    }
    assert _headers(ContentSecurityPolicyMiddleware, HttpResponse(), "/healthz") == (None, None)
