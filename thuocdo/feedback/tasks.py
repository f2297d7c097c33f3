"""Background jobs of the feedback desk.

`routing_model_train_job`: retrain the routing classifier from handled cases (operators
press "Huấn luyện lại" on /feedback/desk/routing/, or schedule `manage.py routing_train
--enqueue`). Too little data is not a failure: the job finishes with the reason."""

import logging
from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from thuocdo.accounts.models import User
from thuocdo.core.jobs import retrying

from .classifier import TrainingSkipped, routing_model_train_or_explain

logger = logging.getLogger("thuocdo.feedback")


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
