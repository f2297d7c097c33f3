"""Background jobs: one mechanism for all of them, Django's tasks API (django-tasks).

- `enqueue_on_commit(task, ...)`: a job that depends on a write is queued only once the
  write has committed, so a rolled-back change never triggers its follow-up.
- `enqueue_coalesced(task)`: kick a job that works through a queue of rows (it takes no
  arguments); many commits in a short slot share one job (docs/decisions/0037).
- `retrying(...)`: a task body that fails is re-queued with exponential backoff; the
  failed attempt stays FAILED in the results table, so operators see it (never silent),
  and the last failure is logged as an error.

Jobs take ids, not model instances: arguments must be JSON and the row may have changed.
"""

import functools
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task, TaskContext

logger = logging.getLogger("thuocdo.jobs")
P = ParamSpec("P")
T = TypeVar("T")


def enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


_coalesce_lock = threading.Lock()
# Task path -> the start (Unix seconds) of the slot this process last queued it for.
_coalesced_slots: dict[str, float] = {}


def enqueue_coalesced(
    task: Task[Any, Any], *, delay_seconds: float = 0.5, now: datetime | None = None
) -> bool:
    """Queue `task` (no arguments) to run at the next slot boundary, unless this process
    already queued it for a slot that has not started yet. Call it after a commit (from
    `transaction.on_commit`): the job that is still waiting will see that commit, so it
    need not be queued again. Slots are multiples of `delay_seconds` of the clock, so
    every process aims at the same moments. A backend that cannot defer (the immediate
    one in tests runs the job at once) gets a job every time. True when a job was queued."""
    if not task.get_backend().supports_defer:
        task.enqueue()
        return True
    moment = (now or datetime.now(UTC)).timestamp()
    slot = (math.floor(moment / delay_seconds) + 1) * delay_seconds
    with _coalesce_lock:
        if _coalesced_slots.get(task.module_path, 0.0) > moment:
            return False
        _coalesced_slots[task.module_path] = slot
    try:
        task.using(run_after=datetime.fromtimestamp(slot, UTC)).enqueue()
    except Exception:
        with _coalesce_lock:  # nothing is waiting after all: the next commit queues again
            if _coalesced_slots.get(task.module_path) == slot:
                del _coalesced_slots[task.module_path]
        raise
    return True


@dataclass(frozen=True)
class _CoalescedKick:
    task: Task[Any, Any]
    delay_seconds: float

    def __call__(self) -> None:
        enqueue_coalesced(self.task, delay_seconds=self.delay_seconds)


def enqueue_coalesced_on_commit(task: Task[Any, Any], *, delay_seconds: float = 0.5) -> None:
    """`enqueue_coalesced` after the current transaction commits, once per transaction
    however many writes ask for it. A failure to queue is logged, not raised: the commit
    stands, and the caller's safety net (a periodic sweep) must pick up what the job would
    have done."""
    connection = transaction.get_connection()
    # Once per atomic block: a kick queued in this same block (same savepoints) stands.
    if connection.in_atomic_block and any(
        isinstance(callback, _CoalescedKick)
        and callback.task.module_path == task.module_path
        and savepoints == set(connection.savepoint_ids)
        for savepoints, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_CoalescedKick(task, delay_seconds), robust=True)


def backoff_delay(attempt: int, *, base_seconds: int = 30, cap_seconds: int = 3600) -> timedelta:
    """30 s, 60 s, 120 s, ... capped at an hour."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempt - 1)))


def retrying(
    *, max_attempts: int = 5, base_seconds: int = 30
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Wrap a task function that takes the TaskContext (use `@task(takes_context=True)` on
    top). The attempt number travels in the `_attempt` keyword argument."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(context: TaskContext, *args: Any, _attempt: int = 1, **kwargs: Any) -> T:
            try:
                return func(context, *args, **kwargs)
            except Exception:
                task = context.task_result.task
                if _attempt >= max_attempts:
                    logger.exception("Job %s failed for good after %s attempts", task.name, _attempt)
                    raise
                delay = backoff_delay(_attempt, base_seconds=base_seconds)
                backend = task.get_backend()
                retry = task.using(run_after=timezone.now() + delay) if backend.supports_defer else task
                logger.warning("Job %s failed (attempt %s); retrying in %s", task.name, _attempt, delay)
                retry.enqueue(*args, _attempt=_attempt + 1, **kwargs)
                raise

        return wrapper

    return decorate
