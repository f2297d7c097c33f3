"""Open311 documents in XML and JSON, and the spec's error format.

Both formats are built from the same plain shapes (dicts, lists, strings, numbers,
booleans). XML is only generated here, never parsed, so the standard library is enough.
A list inside a shape becomes a wrapper element whose children take the singular name
the spec uses (`attributes` -> `attribute`, `values` -> `value`, ...). Missing values
(None) are left out of both formats.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

from thuocdo.core.errors import AppError, ValidationFailed

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

# Wrapper element -> child element, as the spec's XML examples name them.
SINGULAR = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            if child is not None:
                _fill(SubElement(element, key), child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        name = SINGULAR.get(element.tag, "item")
        for child in value:
            _fill(SubElement(element, name), child)
    else:
        element.text = _text(value)


def xml_document(root: str, data: Any) -> str:
    """`data` under a root element: a list gives one child per entry (spec's names)."""
    element = Element(root)
    _fill(element, data)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(element, encoding="unicode")


def _drop_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _drop_none(child) for key, child in value.items() if child is not None}
    if isinstance(value, list):
        return [_drop_none(child) for child in value]
    return value


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """One document in the format the URL asked for. `root` names the XML root element."""
    body = xml_document(root, data) if fmt == "xml" else json.dumps(_drop_none(data), ensure_ascii=False)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_status(error: AppError) -> int:
    # The spec answers bad input with 400; the desk's 422 is the same thing.
    return 400 if isinstance(error, ValidationFailed) else error.status


def error_entries(error: AppError) -> list[dict[str, Any]]:
    """The spec's errors: one entry per problem, `code` = the HTTP status."""
    status = error_status(error)
    if not error.fields:
        return [{"code": status, "description": str(error.message)}]
    return [
        {"code": status, "description": f"{field}: {message}"}
        for field, messages in error.fields.items()
        for message in messages
    ]


def error_response(fmt: str, error: AppError) -> HttpResponse:
    return render(fmt, "errors", error_entries(error), status=error_status(error))
