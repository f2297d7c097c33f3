"""The background job helpers: retries with backoff, enqueue on commit, failures visible."""

from typing import Any

import pytest
from django.db import transaction
from django_tasks import task
from django_tasks.base import TaskContext, TaskResultStatus

from thuocdo.core.jobs import backoff_delay, enqueue_on_commit, retrying

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
