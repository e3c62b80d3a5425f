"""A test's own wrapping transaction, as Django's TestCase makes one.

Such a block never commits: it is rolled back when the test (or the world a
module builds once) is done. It is marked as a test case's block, so that
workers.changes treats the code's own atomic blocks inside it as the
outermost ones — the ones that would commit in production — and brings the
monthly summaries up to date when each of those ends, not at the rollback.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, transaction


def wrapping_transaction(using: str = DEFAULT_DB_ALIAS) -> transaction.Atomic:
    atomic = transaction.atomic(using=using)
    atomic._from_testcase = True
    return atomic
