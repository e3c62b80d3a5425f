"""Quota review groups (DESIGN.md, "Is the help working?"): a workshop's
trade whose share below quota in a month is far above the rest of the
factory's, so that the quota, not the workers, may be what is wrong.

A *quota review group* in month M is a workshop × trade with at least
MIN_WORKERS workers on quota in M whose share below quota is at least
MIN_SHARE_PCT % and at least RATIO times the share below quota of the rest
of the factory in M — every worker on quota in M outside the group.

Written once, here: the page, the work queue, the marks on the
classification queue and the case-opening pages, the JSON report and the
bulletin all ask ``review_groups``, which reads the month's counts per
workshop and trade from the monthly summaries (factory hands them over at
startup) or, without them, from the month's records. Below quota is the records' own
condition (``BELOW_QUOTA``, which ``ProductionRecordQuerySet.below_quota``
filters with), and only records of M are read: a record of a later month
never moves M's groups. A record counts for the worker's present workshop
and trade, as in every figure (docs/ARCHITECTURE.md). Workers without a
trade are in no group, but they are in the rest of the factory. The shares
are compared exactly, in integers: 2 of 5 is 40%, 39.99% is not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, Q

from workers.models import (
    BELOW_QUOTA,
    ProductionRecord,
    QuotaDecision,
    QuotaReview,
    Workshop,
)
from workers.months import first_of_month
from workers.numbers import share

MIN_WORKERS = 5
MIN_SHARE_PCT = 40
RATIO = 3


@dataclass(frozen=True)
class ReviewGroup:
    """One workshop × trade of a month, with the rest of the factory's
    figures beside its own."""

    month: dt.date
    workshop_id: int
    workshop_code: str
    workshop_name: str
    trade: str
    workers: int  # on quota in the month
    failing: int  # below quota
    rest_workers: int
    rest_failing: int
    # The committee's decision on the group for the month (a QuotaDecision
    # value), None while none is recorded.
    decision: str | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.workshop_id, self.trade)

    @property
    def anchor(self) -> str:
        """The group's id on the quota review page (its section, its form's
        prefix): the same whatever else the month lists; a trade is any
        text, its checksum a valid id."""
        return f"q{self.workshop_id}-{zlib.crc32(self.trade.encode()):08x}"

    @property
    def share(self) -> float:
        """Share below quota (%), two decimals, as every share is written."""
        return share(self.failing, self.workers)

    @property
    def rest_share(self) -> float:
        return share(self.rest_failing, self.rest_workers)

    @property
    def under_review(self) -> bool:
        """Still under review: no decision yet, or the quota is to be
        revised (its workers are marked where a case may be opened)."""
        return self.decision in (None, QuotaDecision.REVISE)

    @property
    def qualifies(self) -> bool:
        """The definition, in integers (a share of nobody is 0)."""
        return (
            bool(self.trade)
            and self.workers >= MIN_WORKERS
            and self.failing * 100 >= MIN_SHARE_PCT * self.workers
            and self.failing * self.rest_workers
            >= RATIO * self.rest_failing * self.workers
        )


@dataclass(frozen=True)
class TradeCounts:
    """A month's workers on quota and below quota: the factory's, and per
    workshop × trade (trades not empty) with the workshop's code and name."""

    on_quota: int
    failing: int
    # (workshop id, code, name, trade, on quota, failing)
    groups: list[tuple[int, str, str, str, int, int]]


def trade_counts_from_records(month: dt.date) -> TradeCounts:
    """TradeCounts of ``month`` from its records: one grouped query."""
    rows = list(
        ProductionRecord.objects.for_month(month)
        .order_by()
        .values_list(
            "worker__workshop_id",
            "worker__workshop__code",
            "worker__workshop__name",
            "worker__trade",
        )
        .annotate(on_quota=Count("pk"), failing=Count("pk", filter=BELOW_QUOTA))
    )
    return TradeCounts(
        on_quota=sum(row[4] for row in rows),
        failing=sum(row[5] for row in rows),
        groups=[row for row in rows if row[3]],
    )


# Where the counts are read: the records by default; at startup factory
# hands over its monthly summaries (read_counts_from), which hold the same
# counts per workshop and trade without reading the month's every record.
_counts = {"trade_counts": trade_counts_from_records}


def read_counts_from(*, trade_counts) -> None:
    """Read the counts from another source of a function of this name."""
    _counts["trade_counts"] = trade_counts


def review_groups(
    month: dt.date, workshops: Iterable[Workshop] | None = None
) -> list[ReviewGroup]:
    """The quota review groups of ``month``, by workshop code and trade.

    ``workshops`` (None: every one) narrows the groups listed, never the
    rest of the factory, which is always the whole factory's. Each group
    carries the committee's decision for the month. Two queries whatever
    the size of the factory: the counts (the monthly summaries' rows, or one
    grouped query over the records) and the month's decisions.
    """
    month = first_of_month(month)
    counts = _counts["trade_counts"](month)
    wanted = None if workshops is None else {w.pk for w in workshops}
    groups = [
        ReviewGroup(
            month=month,
            workshop_id=workshop_id,
            workshop_code=code,
            workshop_name=name,
            trade=trade,
            workers=on_quota,
            failing=failing,
            rest_workers=counts.on_quota - on_quota,
            rest_failing=counts.failing - failing,
        )
        for workshop_id, code, name, trade, on_quota, failing in counts.groups
        if wanted is None or workshop_id in wanted
    ]
    groups = [group for group in groups if group.qualifies]
    if groups:
        decisions = {
            (workshop_id, trade): decision
            for workshop_id, trade, decision in QuotaReview.objects.filter(
                month=month
            ).values_list("workshop_id", "trade", "decision")
        }
        groups = [
            dataclasses.replace(group, decision=decisions.get(group.key))
            for group in groups
        ]
    return sorted(groups, key=lambda group: (group.workshop_code, group.trade))


def under_review_workers(month: dt.date) -> dict[int, ReviewGroup]:
    """{worker id: group} for the workers of ``month``'s groups still under
    review (no decision, or the quota to be revised): the marks of the
    classification queue and the case-opening pages. Three queries at most
    (review_groups', then the groups' workers), whatever the number of rows marked."""
    groups = {g.key: g for g in review_groups(month) if g.under_review}
    rows = group_records(month, groups.values()).values_list(
        "worker_id", "worker__workshop_id", "worker__trade"
    )
    return {worker: groups[(shop, trade)] for worker, shop, trade in rows}


def under_review_worker_ids(month: dt.date) -> set[int]:
    """The workers of under_review_workers, as a set."""
    return set(under_review_workers(month))


def group_records(month: dt.date, groups: Iterable[ReviewGroup]):
    """The month's records of the workers of ``groups`` (a QuerySet; none
    for no group): one query when read."""
    conditions = [
        Q(worker__workshop_id=group.workshop_id, worker__trade=group.trade)
        for group in groups
    ]
    records = ProductionRecord.objects.for_month(first_of_month(month))
    if not conditions:
        return records.none()
    return records.filter(reduce(or_, conditions))
