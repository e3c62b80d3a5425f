"""Saves and deletes of the data behind the figures, announced in one place.

Every app registers here, from its AppConfig.ready(), each model whose rows
the figures read, with the months a row belongs to (``months_of``: a set of
months, or None for "every month"). A save or delete of such a row then
announces the change through workers.signals.announce_change — the one
invalidation point of docs/ARCHITECTURE.md ("Never stale"). Bulk writes, which
send no model signals, call announce_change themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from workers.signals import announce_change

MonthsOf = Callable[[Model], Iterable[dt.date] | None]


def track(
    model: type[Model],
    months_of: MonthsOf,
    *,
    may_move: bool = False,
    saves: bool = True,
) -> None:
    """Announce every save and delete of ``model``'s rows.

    ``may_move``: a row's month can be edited (in the admin), so the month it
    had before a save changed too; it is read before the save (one query).
    ``saves`` False: deletes only (the saves are announced otherwise).
    """

    def changed(sender, instance, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: not a change of the figures' data
            return
        months = months_of(instance)
        before = getattr(instance, "_months_before_save", None)
        if before is not None and months is not None:
            months = {*months, *before}
        announce_change(months=months, source=label)

    def remember(sender, instance, **kwargs) -> None:
        if kwargs.get("raw") or instance.pk is None:
            return
        old = model._default_manager.filter(pk=instance.pk).first()
        instance._months_before_save = set(months_of(old) or ()) if old else None

    label = model._meta.label_lower
    # weak=False: the receivers are closures that nothing else references.
    if saves:
        post_save.connect(
            changed, sender=model, weak=False, dispatch_uid=f"save:{label}"
        )
    post_delete.connect(
        changed, sender=model, weak=False, dispatch_uid=f"delete:{label}"
    )
    if may_move:
        pre_save.connect(
            remember, sender=model, weak=False, dispatch_uid=f"pre_save:{label}"
        )


def track_m2m(through: type[Model], months_of: MonthsOf) -> None:
    """Announce changes of a many-to-many relation, by the months of the
    object on the side that owns the field."""

    def changed(sender, instance, action, reverse, **kwargs) -> None:
        if action not in {"post_add", "post_remove", "post_clear"}:
            return
        # From the other side (worker.helped_cases.add(case)) the months of
        # the owners are not at hand: every month, which is always safe.
        announce_change(months=None if reverse else months_of(instance), source=label)

    label = through._meta.label_lower
    m2m_changed.connect(
        changed, sender=through, weak=False, dispatch_uid=f"m2m:{label}"
    )


def month_of(field: str) -> MonthsOf:
    """months_of for a row that belongs to the month of one date field."""

    def months(instance: Model) -> set[dt.date]:
        value = getattr(instance, field)
        return {value.replace(day=1)} if value else set()

    return months


def every_month(instance: Model) -> None:
    return None


def connect() -> None:
    """The workers app's own models (WorkersConfig.ready)."""
    from workers.models import (
        AdvancedStandard,
        Disqualification,
        MonthCompletion,
        ProductionRecord,
        ShortfallClassification,
        Worker,
        Workshop,
    )

    track(ProductionRecord, month_of("month"))
    track(ShortfallClassification, month_of("month"), may_move=True)
    track(Disqualification, month_of("month"), may_move=True)
    # A standard is in force from its month on: that month and every later
    # one change, which is what announcing its month means.
    track(AdvancedStandard, month_of("effective_from"), may_move=True)
    track(MonthCompletion, month_of("month"))
    # Names, workshops and the roster reach every month's pages.
    track(Worker, every_month)
    track(Workshop, every_month)
