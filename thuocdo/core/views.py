from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from thuocdo.units.selectors import unit_level_counts, unit_root

from .selectors import failed_job_list


def home(request: HttpRequest) -> HttpResponse:
    root = unit_root()
    return render(request, "core/home.html", {"root": root, "counts": unit_level_counts(unit=root)})


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@staff_member_required
def jobs(request: HttpRequest) -> HttpResponse:
    return render(request, "core/jobs.html", {"failed_jobs": failed_job_list()[:100]})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"status": 403}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"status": 404}, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"status": 500}, status=500)
