"""The background job helpers: retries with backoff, enqueue on commit, failures visible."""

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskContext, TaskResultStatus

from thuocdo.core import jobs
from thuocdo.core.jobs import backoff_delay, enqueue_coalesced, enqueue_on_commit, retrying

calls: list[int] = []


@task(takes_context=True)
@retrying(max_attempts=3)
def flaky_job(context: TaskContext, fail_times: int) -> str:
    calls.append(context.attempt)
    if len(calls) <= fail_times:
        raise RuntimeError("tạm thời lỗi")
    return "xong"


@task()
def remember(value: int) -> int:
    calls.append(value)
    return value


@pytest.fixture(autouse=True)
def _reset() -> None:
    calls.clear()


def test_a_failing_job_is_retried_until_it_succeeds() -> None:
    result = flaky_job.enqueue(fail_times=2)
    assert len(calls) == 3
    assert result.status == TaskResultStatus.FAILED  # the first attempt stays failed, visibly


def test_a_job_that_keeps_failing_stops_after_max_attempts() -> None:
    flaky_job.enqueue(fail_times=10)
    assert len(calls) == 3


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:3] == [30, 60, 120]
    assert max(delays) == 3600


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_waits_for_the_commit_and_skips_rollbacks(transactional_db: Any) -> None:
    try:
        with transaction.atomic():
            enqueue_on_commit(remember, 1)
            raise RuntimeError("rollback")
    except RuntimeError:
        pass
    assert calls == []
    with transaction.atomic():
        enqueue_on_commit(remember, 2)
        assert calls == []
    assert calls == [2]


@task()
def sweep_pending() -> int:
    calls.append(0)
    return 0


def test_coalesced_jobs_run_at_once_where_the_backend_cannot_defer() -> None:
    # The test settings run jobs immediately: every call runs the job.
    enqueue_coalesced(sweep_pending)
    enqueue_coalesced(sweep_pending)

    assert calls == [0, 0]


def test_coalesced_jobs_are_one_per_slot_with_a_deferring_backend(db: None, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    jobs._coalesced_slots.clear()
    moment = timezone.now().replace(microsecond=100_000)
    with patch("thuocdo.core.jobs.timezone.now", return_value=moment):
        for _ in range(5):
            enqueue_coalesced(sweep_pending, slot_seconds=0.5)
    queued = list(DBTaskResult.objects.filter(task_path=sweep_pending.module_path))
    assert len(queued) == 1
    assert queued[0].run_after == moment.replace(microsecond=500_000)
    # Once that slot has begun, its job may already be running: the next call queues another.
    with patch("thuocdo.core.jobs.timezone.now", return_value=moment.replace(microsecond=600_000)):
        enqueue_coalesced(sweep_pending, slot_seconds=0.5)
    run_afters = sorted(r.run_after for r in DBTaskResult.objects.filter(task_path=sweep_pending.module_path))
    assert run_afters == [
        moment.replace(microsecond=500_000),
        moment.replace(microsecond=0) + timedelta(seconds=1),
    ]
    assert calls == []  # nothing ran: the worker would run them
