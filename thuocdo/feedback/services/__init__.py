"""All writes of the feedback desk. Intake in `intake`, handling in `handling`, the
deadline clock (reminders, escalation, closing) in `clock`."""

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
from .intake import SubmissionInput, feedback_submit, submission_check

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
    "feedback_submit",
    "item_contact_view",
    "item_dispute",
    "item_rate",
    "submission_check",
]
