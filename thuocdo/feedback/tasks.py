"""Background jobs of the feedback desk.

`feedback_sweep` runs the deadline clock (reminders, escalation, closing) and, on a
backend that can defer jobs (the database queue, Redis), queues its own next run, so
one `manage.py feedback_sweep --schedule` at start-up keeps the clock ticking without
cron. It is idempotent: two chains running at once only cost work, never double
reminders.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskContext

from .services.clock import cases_sweep

logger = logging.getLogger("thuocdo.feedback")


def sweep_interval() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "FEEDBACK_SWEEP_SECONDS", 300)))


def sweep_schedule_next() -> bool:
    """Queue the next sweep after the interval; False when the backend cannot defer."""
    backend = feedback_sweep.get_backend()
    if not backend.supports_defer:
        return False
    feedback_sweep.using(run_after=timezone.now() + sweep_interval()).enqueue(reschedule=True)
    return True


@task(takes_context=True)
def feedback_sweep(context: TaskContext, reschedule: bool = False) -> dict[str, int]:
    try:
        result = cases_sweep()
    finally:
        if reschedule:
            sweep_schedule_next()
    summary = {
        "reminded_50": result.reminded_50,
        "reminded_80": result.reminded_80,
        "escalated": result.escalated,
        "transfer_window_closed": result.transfer_window_closed,
        "closed": result.closed,
    }
    logger.info("feedback sweep: %s", summary)
    return summary
