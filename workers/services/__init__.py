"""Writes on workers' data that must stay consistent (STYLE.md 3): the
records' one write path (records, with its staging table and the rules for
one record's values), the advanced standard and disqualifications
(standards)."""

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
    "clean_output",
    "clean_quota",
    "clean_record_month",
    "disqualify",
    "requalify",
    "rounded_amount",
    "save_records",
    "set_advanced_standard",
]
