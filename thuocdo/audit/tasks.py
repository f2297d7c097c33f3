"""Background job: check the audit hash chain. Operators schedule it (cron, systemd timer)
with `manage.py enqueue_audit_check`; a broken chain fails the job, which stays visible."""

import logging

from django_tasks import task
from django_tasks.base import TaskContext

from thuocdo.core.jobs import retrying

from .services import audit_chain_verify

logger = logging.getLogger("thuocdo.audit")


class AuditChainBroken(Exception):
    pass


@task(takes_context=True)
@retrying(max_attempts=1)
def audit_chain_check(context: TaskContext) -> dict[str, int]:
    report = audit_chain_verify()
    if not report.ok and report.first_break is not None:
        raise AuditChainBroken(
            f"first broken link at #{report.first_break.seq}: {report.first_break.problem}"
        )
    return {"checked": report.checked}
