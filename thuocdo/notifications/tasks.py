"""Background job: send one email delivery, with retries and backoff. After the last
attempt the delivery is `failed` and the job stays FAILED: both are visible to operators
(/ops/notifications/ and /ops/jobs/), never silent."""

from django_tasks import task
from django_tasks.base import TaskContext

from thuocdo.core.jobs import retrying

from .services import EMAIL_MAX_ATTEMPTS, EMAIL_RETRY_BASE_SECONDS, email_delivery_attempt


@task(takes_context=True)
@retrying(max_attempts=EMAIL_MAX_ATTEMPTS, base_seconds=EMAIL_RETRY_BASE_SECONDS)
def email_delivery_send(context: TaskContext, delivery_id: int) -> str:
    return email_delivery_attempt(delivery_id=delivery_id)
