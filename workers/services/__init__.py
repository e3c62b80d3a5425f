"""Writes on workers' data that must stay consistent (STYLE.md 3): the
records' one write path (records, with its staging table and the rules for
one record's values), the advanced standard and disqualifications
(standards), the committee's decisions on quota reviews (quota_reviews); the
checks of mastery of advanced experiences are written by
workers.services.mastery."""

from workers.services.quota_reviews import StaleReviewError, decide_quota_review
from workers.services.records import (
    RecordInput,
    SaveResult,
    StaleRecordsError,
    save_records,
)
from workers.services.standards import disqualify, requalify, set_advanced_standard
from workers.services.values import (
    AMOUNT_LIMIT,
    CENT,
    clean_output,
    clean_quota,
    clean_record_month,
    rounded_amount,
)

__all__ = [
    "AMOUNT_LIMIT",
    "CENT",
    "RecordInput",
    "SaveResult",
    "StaleRecordsError",
    "StaleReviewError",
    "clean_output",
    "clean_quota",
    "clean_record_month",
    "decide_quota_review",
    "disqualify",
    "requalify",
    "rounded_amount",
    "save_records",
    "set_advanced_standard",
]
