"""Public pages of the feedback desk (no login). Being built: see the feedback branch."""

from django.http import HttpRequest, HttpResponse

from thuocdo.core.errors import NotFound


def _pending(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotFound()


submit = similar = track_lookup = track = track_rate = track_dispute = _pending
published_list = published_case = unit_statistics = _pending
