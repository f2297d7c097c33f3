"""Background jobs of the feedback desk.

- `feedback_intake_process` processes accepted submissions (routing, history, notices,
  audit; docs/decisions/0037) until none is pending. Intake queues it after its commit
  through `enqueue_coalesced`: one job per half second and process, not one per item.
- `feedback_sweep` runs the deadline clock (reminders, escalation, closing), processes
  any submission still pending after `SWEEP_AFTER` (a lost job never strands an item)
  and, on a backend that can defer jobs (the database queue, Redis), queues its own next
  run, so one `manage.py feedback_sweep --schedule` at start-up keeps the clock ticking
  without cron. It is idempotent: two chains running at once only cost work, never
  double reminders.
- `routing_model_train_job` retrains the routing classifier from handled cases
  (operators press "Huấn luyện lại" on /feedback/desk/routing/, or schedule
  `manage.py routing_train --enqueue`). Too little data is not a failure: the job
  finishes with the reason.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskContext

from thuocdo.accounts.models import User
from thuocdo.core.jobs import retrying

from .classifier import TrainingSkipped, routing_model_train_or_explain
from .services.clock import cases_sweep
from .services.processing import SWEEP_AFTER, pending_cases_process

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


@task()
def feedback_intake_process() -> dict[str, int]:
    result = pending_cases_process()
    if result.failed:
        logger.warning(
            "feedback intake: %s cases failed and stay pending: %s", result.failed, result.failed_ids
        )
    return {
        "processed": result.processed,
        "assigned": result.assigned,
        "triage": result.triage,
        "failed": result.failed,
    }


@task(takes_context=True)
def feedback_sweep(context: TaskContext, reschedule: bool = False) -> dict[str, int]:
    try:
        stranded = pending_cases_process(received_before=timezone.now() - SWEEP_AFTER)
        result = cases_sweep()
    finally:
        if reschedule:
            sweep_schedule_next()
    summary = {
        "intake_processed": stranded.processed,
        "intake_failed": stranded.failed,
        "reminded_50": result.reminded_50,
        "reminded_80": result.reminded_80,
        "escalated": result.escalated,
        "transfer_window_closed": result.transfer_window_closed,
        "closed": result.closed,
    }
    logger.info("feedback sweep: %s", summary)
    return summary


@task(takes_context=True)
@retrying(max_attempts=2)
def routing_model_train_job(context: TaskContext, actor_id: int | None = None) -> dict[str, Any]:
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        model = routing_model_train_or_explain(actor=actor)
    except TrainingSkipped as skipped:
        logger.info("Routing model not trained: %s", skipped)
        return {"trained": False, "reason": str(skipped)}
    return {
        "trained": True,
        "version": model.version,
        "accuracy": round(model.accuracy, 4),
        "active": model.is_active,
    }
