"""Whether a month's figures are published (DESIGN.md, "The month, and
figures as of the month": publishing freezes them as revision 1; a
correction is published as the next revision).

Publishing is the factory's; workers never imports it, so the factory hands
over its reader at startup (FactoryConfig.ready), as it hands over the
completeness counts (workers.completeness.read_counts_from). The entry grid
asks it, to say that a save changes a published month's live figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Publication:
    """The latest published revision of a month."""

    month: dt.date
    revision: int
    published_at: dt.datetime
    published_by: str

    @property
    def next_revision(self) -> int:
        return self.revision + 1


def _nothing_published(month: dt.date) -> Publication | None:
    return None


_reader: dict[str, Callable[[dt.date], Publication | None]] = {
    "latest": _nothing_published
}


def read_publications_from(latest: Callable[[dt.date], Publication | None]) -> None:
    """Read the latest publication of a month with ``latest`` (one query)."""
    _reader["latest"] = latest


def latest_publication(month: dt.date) -> Publication | None:
    """The month's latest published revision; None while it is unpublished."""
    return _reader["latest"](month)
