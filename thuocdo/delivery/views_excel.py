"""Excel pages: the import template, importing a plan's tasks, and the exports. Thin: the
work is in `excel.py`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import excel, selectors
from .forms import PlanImportForm


def _xlsx(content: bytes, filename: str, *, private: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response


@login_required
def plan_import(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(plan_id=plan_id)
    excel.plan_import_require(actor=request.user, plan=plan)
    form = PlanImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = excel.plan_import_xlsx(actor=request.user, plan=plan, file=form.cleaned_data["file"])
        if report.ok:
            messages.success(
                request,
                _("Đã nhập %(tasks)d nhiệm vụ (%(assignments)d lượt giao) và %(indicators)d chỉ tiêu.")
                % {"tasks": report.tasks, "assignments": report.assignments, "indicators": report.indicators},
            )
            return redirect("delivery:plan", plan_id=plan.pk)
    context = {"plan": plan, "form": form, "report": report, "max_rows": excel.MAX_IMPORT_ROWS}
    return render(
        request, "delivery/plan_import.html", context, status=400 if request.method == "POST" else 200
    )


def import_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(excel.import_template_xlsx(), "mau-nhap-nhiem-vu.xlsx")


def plan_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(plan_id=plan_id)
    return _xlsx(excel.plan_export_xlsx(plan=plan), excel.export_filename("nhiem-vu", plan.number))


def scorecards_export(request: HttpRequest) -> HttpResponse:
    plan_id = request.GET.get("plan", "")
    plan = selectors.plan_get(plan_id=int(plan_id)) if plan_id.isdigit() else None
    name = excel.export_filename(
        "bang-xep-hang", plan.number if plan else "", f"{timezone.localdate():%Y-%m-%d}"
    )
    return _xlsx(excel.scorecards_export_xlsx(plan=plan), name)


@login_required
def reports_export(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.assignment_get(assignment_id=assignment_id)
    content = excel.reports_export_xlsx(actor=request.user, assignment=assignment)
    name = excel.export_filename("bao-cao", assignment.task.code, assignment.unit.code)
    return _xlsx(content, name, private=True)
