"""record_mastery: the one path through which checks of mastery are written —
one at a time from the experience's or the worker's page, a level for every
attendee of a demonstration, and the mastery import — so that each keeps its
history, says who checked, and is announced once (DESIGN.md, "Advanced
experience").

A check is a worker's level in an experience on a day. The same check again
changes nothing; another level for the same day corrects it (the history
keeps the old one); a check of another day is a new row, and the latest day
is the worker's level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from workers.changes import Change, announce_change
from workers.models import Mastery
from workers.months import FIRST_YEAR
from workers.services.records import WriteCounts

# Above this many checks one query by day is cheaper than an IN list of
# workers, and it never meets SQLite's parameter limit.
SMALL = 500
# history_change_reason is a 100-character column.
SOURCE_MAX = 100

Key = tuple[int, int, dt.date]


class MasteryInput(NamedTuple):
    """One check: a worker's level in an experience on a day."""

    worker_id: int
    experience_id: int
    level: str
    checked_on: dt.date

    @property
    def key(self) -> Key:
        return (self.worker_id, self.experience_id, self.checked_on)


def checked_on_problem(day: dt.date) -> str | None:
    """Why a day cannot be the day of a check, or None. A check has been
    made: not after today (in the factory's time zone), nor before
    FIRST_YEAR (a typo, as for a month). Forms and the import ask this."""
    if day > timezone.localdate():
        return _("is after today; a check is recorded once it is made")
    if day.year < FIRST_YEAR:
        return _("is before %(year)d") % {"year": FIRST_YEAR}
    return None


def stored_checks(keys: Iterable[Key], *, lock: bool = False) -> dict[Key, Mastery]:
    """The checks already stored for ``keys``, by key (one query)."""
    keys = set(keys)
    if not keys:
        return {}
    query = Mastery.objects.filter(checked_on__in={day for _w, _e, day in keys})
    if len(keys) <= SMALL:
        query = query.filter(worker_id__in={worker for worker, _e, _d in keys})
    if lock:
        query = query.select_for_update()
    return {
        (m.worker_id, m.experience_id, m.checked_on): m
        for m in query.order_by()
        if (m.worker_id, m.experience_id, m.checked_on) in keys
    }


@transaction.atomic
def record_mastery(
    *,
    rows: Sequence[MasteryInput],
    by: AbstractBaseUser | None,
    source: str = "",
) -> WriteCounts:
    """Write the checks of ``rows`` (checked by the caller: known workers and
    experiences, a level, ``checked_on_problem``), deciding again under a
    row lock what changed; the history says who and why (``source``)."""
    now = timezone.now()
    # One row per check: a later row of the same check wins.
    wanted = {row.key: row for row in rows}
    stored = stored_checks(wanted, lock=True)
    result = WriteCounts()
    to_create: list[Mastery] = []
    to_update: list[Mastery] = []
    for key, row in wanted.items():
        current = stored.get(key)
        if current is None:
            to_create.append(
                Mastery(
                    worker_id=row.worker_id,
                    experience_id=row.experience_id,
                    level=row.level,
                    checked_on=row.checked_on,
                    checked_by=by,
                    recorded_at=now,
                )
            )
        elif current.level == row.level:
            result.unchanged += 1
        else:
            current.level = row.level
            current.checked_by = by
            current.recorded_at = now
            to_update.append(current)
    history = {
        "default_user": by,
        "default_change_reason": source[:SOURCE_MAX] or None,
        "default_date": now,
    }
    if to_create:
        bulk_create_with_history(to_create, Mastery, batch_size=500, **history)
    if to_update:
        bulk_update_with_history(
            to_update,
            Mastery,
            ["level", "checked_by", "recorded_at"],
            batch_size=500,
            **history,
        )
    written = (*to_create, *to_update)
    if written:
        # Bulk writes send no model signals: announced here, once written.
        announce_change(
            Change.MASTERY,
            months={m.checked_on for m in written},
            workers={m.worker_id for m in written},
        )
    result.created, result.updated = len(to_create), len(to_update)
    return result
