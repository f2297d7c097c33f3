"""Background jobs that send e-mail.

`email_deliveries_send_job` sends the pending deliveries that are due, in batches over one
connection; it is queued (coalesced, at most once a second per process) after each commit
that adds deliveries, and again for the earliest retry when an attempt failed. It has a
lower priority than the other jobs and gives way after 1,000 e-mails. A delivery
that fails for good is `failed` at /ops/notifications/, never silent.

`email_delivery_send` sends one delivery with the job queue's own retries: the jobs
queued before the batch sender existed still run through it."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from thuocdo.core.jobs import enqueue_coalesced, retrying

from .services import (
    EMAIL_MAX_ATTEMPTS,
    EMAIL_RETRY_BASE_SECONDS,
    email_deliveries_send,
    email_delivery_attempt,
)

# The retry this process last queued: a job already waits for that moment.
_retry_queued_for: list[Any] = [None]


# Below the jobs that route feedback and seal the audit chain: under a burst the queue
# runs those first, and a run of this job sends at most 1,000 e-mails before giving way.
EMAIL_JOB_PRIORITY = -10
EMAIL_BATCHES_PER_RUN = 10


@task(priority=EMAIL_JOB_PRIORITY)
def email_deliveries_send_job() -> dict[str, int]:
    result = email_deliveries_send(max_batches=EMAIL_BATCHES_PER_RUN)
    if result.more:  # the rest in a new run, after whatever more urgent job is due
        enqueue_coalesced(email_deliveries_send_job, delay_seconds=1.0)
    due = result.next_attempt_at
    if (
        due is not None
        and due != _retry_queued_for[0]
        and email_deliveries_send_job.get_backend().supports_defer
    ):
        email_deliveries_send_job.using(run_after=due).enqueue()  # the earliest retry
        _retry_queued_for[0] = due
    return {"sent": result.sent, "retrying": result.retrying, "failed": result.failed}


@task(takes_context=True)
@retrying(max_attempts=EMAIL_MAX_ATTEMPTS, base_seconds=EMAIL_RETRY_BASE_SECONDS)
def email_delivery_send(context: TaskContext, delivery_id: int) -> str:
    return email_delivery_attempt(delivery_id=delivery_id)
