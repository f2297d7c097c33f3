"""Public pages ("ba công khai": progress, responsibility, results) and open data. No
login: what is shown is chosen by `selectors`, which read public columns only. Thin:
parse, read, render."""

import csv
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from thuocdo.core.text import fold_diacritics
from thuocdo.delivery import status as rules

from . import selectors
from .forms import AssignmentFilterForm

# The public, read-only part of the monitoring API (delivery/api.py).
MONITORING_API = "/api/v1/monitoring"
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.update(simulated=selectors.simulated_data_present(), generated_at=timezone.now())
    return render(request, template, context)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _render(request, "transparency/index.html", {"overview": selectors.public_overview()})


@require_safe
def status_rules(request: HttpRequest) -> HttpResponse:
    constants = {
        "grace_days": rules.REPORT_GRACE_DAYS,
        "silent_periods": rules.SILENT_PERIODS,
        "tolerance": rules.TRAJECTORY_TOLERANCE,
        "near_days": rules.NEAR_DEADLINE_DAYS,
        "near_progress": rules.NEAR_DEADLINE_PROGRESS,
    }
    return _render(request, "transparency/rules.html", constants)


@require_safe
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.public_plan_get(plan_id=plan_id)
    rows = selectors.public_task_summaries(plan_id=plan_id)
    return _render(request, "transparency/plan_detail.html", {"plan": plan, "rows": rows})


@require_safe
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    summary = selectors.public_task_get(task_id=task_id)
    form = AssignmentFilterForm(
        request.GET if ("province" in request.GET or "colour" in request.GET) else None,
        provinces=selectors.province_list(),
    )
    filters = {name: value for name, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    page = selectors.task_assignment_page(
        task_id=task_id,
        province_code=filters.get("province", ""),
        colour=filters.get("colour", ""),
        page=request.GET.get("page"),
    )
    context = {
        "summary": summary,
        "task": summary.task,
        "indicators": selectors.public_task_indicators(task_id=task_id),
        "form": form,
        "show_filter": bool(filters or form.errors)
        or summary.card.total > selectors.PAGE_SIZE
        or bool(summary.task.cascade_group),
        "page": page,
        "query": urlencode(filters),
    }
    return _render(request, "transparency/task_detail.html", context)


@require_safe
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit_page = selectors.public_unit_page(code=code)
    page = selectors.unit_assignment_page(unit=unit_page.unit, page=request.GET.get("page"))
    context = {"unit_page": unit_page, "unit": unit_page.unit, "card": unit_page.card, "page": page}
    return _render(request, "transparency/unit_detail.html", context)


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    context = {
        "plans": selectors.public_plan_list(),
        "columns": selectors.OPEN_DATA_COLUMNS,
        "api_base": MONITORING_API,
    }
    return _render(request, "transparency/data.html", context)


def _file_name(number: str, extension: str) -> str:
    slug = slugify(fold_diacritics(number.replace("/", "-"))) or "van-ban"
    return f"giao-nhiem-vu-{slug}.{extension}"


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


@require_safe
def plan_assignments_csv(request: HttpRequest, plan_id: int) -> StreamingHttpResponse:
    """Every assignment of a plan, public fields only, streamed row by row. UTF-8 with a
    byte-order mark, so that Excel shows the Vietnamese letters."""
    plan = selectors.public_plan_get(plan_id=plan_id, scored=False)
    language = translation.get_language()
    writer = csv.writer(_Echo())
    header = [str(title) for _key, title in selectors.OPEN_DATA_COLUMNS]
    keys = [key for key, _title in selectors.OPEN_DATA_COLUMNS]

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        with translation.override(language):
            for record in selectors.open_data_rows(plan_id=plan.id):
                yield writer.writerow([_cell(record[key]) for key in keys])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(plan.number, "csv")}"'
    return response


@require_safe
def plan_assignments_json(request: HttpRequest, plan_id: int) -> StreamingHttpResponse:
    """The same records as the CSV, as one JSON document, streamed."""
    plan = selectors.public_plan_get(plan_id=plan_id, scored=False)
    language = translation.get_language()
    head = {
        "van_ban": plan.number,
        "trich_yeu": plan.title,
        "du_lieu_mo_phong": plan.is_simulated,
        "thoi_diem": timezone.now().isoformat(),
    }

    def chunks() -> Iterator[str]:
        # The head without its closing brace, then the records one by one.
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "giao_nhiem_vu": ['
        with translation.override(language):
            for index, record in enumerate(selectors.open_data_rows(plan_id=plan.id)):
                yield ("," if index else "") + json.dumps(record, ensure_ascii=False)
        yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{_file_name(plan.number, "json")}"'
    return response
