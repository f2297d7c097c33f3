"""Background jobs of the audit log.

- `audit_chain_seal_job`: seals committed entries into the hash chain. Writers queue it
  after their commit, a few times a second at most per process (`enqueue_coalesced`).
- `audit_chain_check`: checks the chain. Operators schedule it (cron, systemd timer) with
  `manage.py enqueue_audit_check`; it seals what is pending first, and a broken chain
  fails the job, which stays visible."""

import logging

from django_tasks import task
from django_tasks.base import TaskContext

from thuocdo.core.jobs import retrying

from .services import audit_chain_seal, audit_chain_verify

logger = logging.getLogger("thuocdo.audit")


class AuditChainBroken(Exception):
    pass


@task()
def audit_chain_seal_job() -> int:
    return audit_chain_seal()


@task(takes_context=True)
@retrying(max_attempts=1)
def audit_chain_check(context: TaskContext) -> dict[str, int]:
    audit_chain_seal()
    report = audit_chain_verify()
    if not report.ok and report.first_break is not None:
        raise AuditChainBroken(
            f"first broken link at #{report.first_break.seq}: {report.first_break.problem}"
        )
    return {"checked": report.checked, "pending": report.pending}
