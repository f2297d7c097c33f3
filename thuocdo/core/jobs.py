"""Background jobs: one mechanism for all of them, Django's tasks API (django-tasks).

- `enqueue_on_commit(task, ...)`: a job that depends on a write is queued only once the
  write has committed, so a rolled-back change never triggers its follow-up.
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
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task, TaskContext

logger = logging.getLogger("thuocdo.jobs")
P = ParamSpec("P")
T = TypeVar("T")


def enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


_coalesced_lock = threading.Lock()
_coalesced_slots: dict[str, datetime] = {}


def enqueue_coalesced(task: Task[Any, Any], *, slot_seconds: float = 0.5) -> None:
    """Queue `task` (no arguments) to run at the next `slot_seconds` boundary, unless this
    process has already queued it for a slot that has not begun: that job runs after
    everything committed until then, so it covers this call too. Many writes a second
    then cost a few job rows, not one each. For follow-up work that sweeps up whatever
    is pending (e.g. sealing the audit chain), called after the commit.

    Backends that cannot defer a job (or run it at once, as in tests) get one job per call."""
    backend = task.get_backend()
    if not backend.supports_defer:
        task.enqueue()
        return
    now = timezone.now()
    slot = datetime.fromtimestamp(math.ceil(now.timestamp() / slot_seconds) * slot_seconds, tz=now.tzinfo)
    with _coalesced_lock:
        scheduled = _coalesced_slots.get(task.module_path)
        if scheduled is not None and scheduled > now:
            return
        _coalesced_slots[task.module_path] = slot
    task.using(run_after=slot).enqueue()


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
