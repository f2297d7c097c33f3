"""Reads that belong to no single domain: background job results for operators."""

from typing import Any

from django.conf import settings


def failed_job_list() -> Any:
    """Failed background jobs, newest first. Only the database backend keeps results."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return []
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415

    return DBTaskResult.objects.filter(status="FAILED").order_by("-finished_at")
