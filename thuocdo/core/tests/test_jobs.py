"""The background job helpers: retries with backoff, enqueue on commit, failures visible."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django_tasks import task
from django_tasks.base import TaskContext, TaskResultStatus

from thuocdo.core import jobs
from thuocdo.core.jobs import (
    backoff_delay,
    enqueue_coalesced,
    enqueue_coalesced_on_commit,
    enqueue_on_commit,
    retrying,
)

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


@task()
def drain() -> int:
    calls.append(0)
    return len(calls)


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> None:
    calls.clear()
    monkeypatch.setattr(jobs, "_coalesced_slots", {})  # this process has queued nothing yet


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


@pytest.fixture
def deferring(settings: Any) -> Any:
    """A backend that keeps jobs for later (as the database queue does) and lists them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return drain.get_backend()


def _at(seconds: float) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def test_commits_share_the_job_of_a_slot_that_has_not_started(deferring: Any) -> None:
    assert enqueue_coalesced(drain, delay_seconds=0.5, now=_at(0.1))
    # Still waiting for 0.5 s: it will see these commits too.
    assert not enqueue_coalesced(drain, delay_seconds=0.5, now=_at(0.2))
    assert not enqueue_coalesced(drain, delay_seconds=0.5, now=_at(0.49))
    # Its slot has started (the job may be reading already): a later commit needs another.
    assert enqueue_coalesced(drain, delay_seconds=0.5, now=_at(0.5))
    assert not enqueue_coalesced(drain, delay_seconds=0.5, now=_at(0.7))
    assert enqueue_coalesced(drain, delay_seconds=0.5, now=_at(3.2))
    assert [result.task.run_after for result in deferring.results] == [_at(0.5), _at(1.0), _at(3.5)]
    assert calls == []  # nothing ran: the worker runs them when their time comes


def test_a_backend_that_runs_jobs_at_once_gets_one_every_time() -> None:
    assert not drain.get_backend().supports_defer  # the test settings' immediate backend
    assert enqueue_coalesced(drain, now=_at(0.1))
    assert enqueue_coalesced(drain, now=_at(0.2))
    assert calls == [0, 0]


def test_a_job_that_could_not_be_queued_is_queued_by_the_next_commit(
    deferring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(deferring, "enqueue", refuse)
    with pytest.raises(RuntimeError):
        enqueue_coalesced(drain, now=_at(0.1))
    monkeypatch.undo()
    assert enqueue_coalesced(drain, now=_at(0.2))
    assert len(deferring.results) == 1


def test_coalesced_enqueue_waits_for_the_commit_and_skips_rollbacks(
    db: None, deferring: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                enqueue_coalesced_on_commit(drain)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert deferring.results == []
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_coalesced_on_commit(drain)
        enqueue_coalesced_on_commit(drain)  # e.g. a second submission in the same slot
        assert deferring.results == []
    assert len(deferring.results) == 1
