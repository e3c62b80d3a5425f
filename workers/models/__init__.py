"""Workshops, the roster, monthly records and the definitions built on them
(docs/ARCHITECTURE.md, "Definitions"): the roster (roster), the records, the
advanced standard and disqualifications (records), the causes of shortfalls
(classification), uploaded files (imports), the months marked complete
(completion), the committee's quota reviews (quota_review), advanced
experiences and the workers' mastery of them (experience). Every model and
definition is importable from here."""

from workers.models.classification import Cause, ShortfallClassification
from workers.models.completion import MonthCompletion
from workers.models.experience import (
    MASTERED_LEVELS,
    Experience,
    Mastery,
    MasteryLevel,
    MasteryQuerySet,
)
from workers.models.imports import (
    IMPORT_WORKING,
    ColumnMapping,
    ImportBatch,
    ImportKind,
    ImportStatus,
)
from workers.models.quota_review import QuotaDecision, QuotaReview
from workers.models.records import (
    ADVANCED,
    BELOW_QUOTA,
    DEFAULT_STANDARD_PCT,
    MEETS_QUOTA,
    AdvancedStandard,
    Band,
    Disqualification,
    DisqualificationReason,
    ProductionRecord,
    ProductionRecordQuerySet,
    standard_pct_expression,
)
from workers.models.roster import (
    ELIGIBLE_HELPER,
    HELPER_STATUSES,
    PoliticalStatus,
    Worker,
    WorkerQuerySet,
    Workshop,
    WorkshopQuerySet,
)

__all__ = [
    "ADVANCED",
    "BELOW_QUOTA",
    "DEFAULT_STANDARD_PCT",
    "ELIGIBLE_HELPER",
    "HELPER_STATUSES",
    "IMPORT_WORKING",
    "MASTERED_LEVELS",
    "MEETS_QUOTA",
    "AdvancedStandard",
    "Band",
    "Cause",
    "ColumnMapping",
    "Disqualification",
    "DisqualificationReason",
    "Experience",
    "ImportBatch",
    "ImportKind",
    "ImportStatus",
    "Mastery",
    "MasteryLevel",
    "MasteryQuerySet",
    "MonthCompletion",
    "PoliticalStatus",
    "ProductionRecord",
    "ProductionRecordQuerySet",
    "QuotaDecision",
    "QuotaReview",
    "ShortfallClassification",
    "Worker",
    "WorkerQuerySet",
    "Workshop",
    "WorkshopQuerySet",
    "standard_pct_expression",
]
