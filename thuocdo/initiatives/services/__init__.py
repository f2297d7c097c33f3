"""All writes for breakthrough initiatives, by subject: reference data (`reference`),
registration and resubmission (`registration`), screening, assignment and scores
(`review`), the council decision and the monitored task (`decision`). Every change is
audited; contact data never goes into the audit log (it is append-only, so personal data
there could never be erased). Who hears about each step is in `..notices`."""

from .common import DECISION_TEXT_LIMIT, MIN_REVIEWS
from .decision import SELECTED_PLAN_NUMBER, SELECTED_PLAN_TITLE, initiative_decide, review_round_score
from .reference import (
    CriterionInput,
    rubric_active,
    rubric_default_load,
    rubric_errors,
    rubric_save,
    strategic_area_save,
    strategic_areas_load,
)
from .registration import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_ATTACHMENTS_TOTAL_BYTES,
    MAX_DURATION_MONTHS,
    MAX_EXPECTED_RESULTS,
    Contact,
    ExpectedResultInput,
    InitiativeContent,
    attachment_errors,
    initiative_register,
    initiative_resubmit,
)
from .review import (
    SCORE_MAX,
    SCORE_MIN,
    initiative_screen,
    initiative_screening_start,
    is_expert,
    review_assign,
    review_declare_conflict,
    review_submit,
)

__all__ = [
    "DECISION_TEXT_LIMIT",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENTS_TOTAL_BYTES",
    "MAX_ATTACHMENT_BYTES",
    "MAX_DURATION_MONTHS",
    "MAX_EXPECTED_RESULTS",
    "MIN_REVIEWS",
    "SCORE_MAX",
    "SCORE_MIN",
    "SELECTED_PLAN_NUMBER",
    "SELECTED_PLAN_TITLE",
    "Contact",
    "CriterionInput",
    "ExpectedResultInput",
    "InitiativeContent",
    "attachment_errors",
    "initiative_decide",
    "initiative_register",
    "initiative_resubmit",
    "initiative_screen",
    "initiative_screening_start",
    "is_expert",
    "review_assign",
    "review_declare_conflict",
    "review_round_score",
    "review_submit",
    "rubric_active",
    "rubric_default_load",
    "rubric_errors",
    "rubric_save",
    "strategic_area_save",
    "strategic_areas_load",
]
