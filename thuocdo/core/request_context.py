"""Who is acting and from where, for the audit log, without threading the request
through every service call. Set by RequestContextMiddleware; empty in commands and jobs."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    request_id: str | None = None
    channel: str = "web"


_current: ContextVar[RequestContext | None] = ContextVar("thuocdo_request_context", default=None)


def current_request_context() -> RequestContext:
    return _current.get() or RequestContext(channel="system")


def set_request_context(context: RequestContext | None) -> object:
    return _current.set(context)


def reset_request_context(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
