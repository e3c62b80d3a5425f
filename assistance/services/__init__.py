"""Writes that change help cases and classifications.

These functions are the only way cases change: views, management commands,
the records_saved receiver and the tests all call them. Each runs in one
transaction and leaves a CaseEvent for every change of a case, so the case
page can always tell who changed what and when.

Rule violations raise ValidationError with a translated message (a view puts
it on its form, keeping what was typed); an edit based on an old version of a
case or classification raises StaleEditError.
"""

from assistance.services.cases import (
    add_follow_up,
    close_case,
    open_case,
    propose_closure,
    reopen_case,
    update_case,
)
from assistance.services.classification import (
    ClassificationsRefused,
    ClassifyRow,
    classify,
    classify_workers,
)
from assistance.services.common import (
    ACTIVE_STATUSES,
    StaleEditError,
    helper_limit,
    helper_loads,
)
from assistance.services.experience import change_experience
from assistance.services.rediagnosis import rediagnose
from assistance.services.sync import SyncResult, sync_cases_with_records

__all__ = [
    "ACTIVE_STATUSES",
    "ClassificationsRefused",
    "ClassifyRow",
    "StaleEditError",
    "SyncResult",
    "add_follow_up",
    "change_experience",
    "classify",
    "classify_workers",
    "close_case",
    "helper_limit",
    "helper_loads",
    "open_case",
    "propose_closure",
    "rediagnose",
    "reopen_case",
    "sync_cases_with_records",
    "update_case",
]
