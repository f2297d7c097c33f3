"""All writes of the feedback desk. Intake in `intake`, processing what intake accepted
(routing, history, notices) in `processing`, handling in `handling`, the deadline clock
(reminders, escalation, closing) in `clock`."""

from .clock import cases_sweep
from .handling import (
    case_accept,
    case_answer,
    case_close,
    case_merge,
    case_note,
    case_pause,
    case_publish,
    case_reject,
    case_resume,
    case_transfer,
    case_triage,
    dispute_deadline,
    item_contact_view,
    item_dispute,
    item_rate,
)
from .intake import SubmissionInput, feedback_accept, feedback_submit, submission_check
from .processing import pending_cases_process

__all__ = [
    "SubmissionInput",
    "case_accept",
    "case_answer",
    "case_close",
    "case_merge",
    "case_note",
    "case_pause",
    "case_publish",
    "case_reject",
    "case_resume",
    "case_transfer",
    "case_triage",
    "cases_sweep",
    "dispute_deadline",
    "feedback_accept",
    "feedback_submit",
    "item_contact_view",
    "item_dispute",
    "item_rate",
    "pending_cases_process",
    "submission_check",
]
