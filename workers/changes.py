"""Changes of the data behind the figures: declared once, announced once per
transaction (docs/ARCHITECTURE.md, "Never stale").

Every kind of change is a member of ``Change``, with what it reaches of the
monthly summaries; a write announces its kind and months with
``announce_change``. Inside a transaction the announcements are gathered and
sent once, when the outermost atomic block is about to commit — still inside
it, so the summaries kept by the receivers are written in the same
transaction and a committed write never leaves them behind, while a
rolled-back one leaves nothing. A thousand rows written in one transaction
cost one recompute, not a thousand.

Each app registers here, from its AppConfig.ready(), each model whose rows the
figures read, with its kind of change and the months a row belongs to
(``months_of``: a set of months, or None for "every month"); its saves and
deletes are then announced. Bulk writes, which send no model signals, call
``announce_change`` themselves.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_save,
)

from workers.signals import figures_changed


class Scope(enum.Enum):
    """How far a change of some months reaches one kind of summary."""

    NONE = "none"  # not counted by it
    MONTHS = "months"  # the months announced
    ONWARD = "onward"  # the earliest month announced and every later one
    EVERY_MONTH = "every month"


class Change(enum.Enum):
    """Every kind of change of the figures' data, with what it reaches.

    ``figures``: the month's counts (on quota, advanced, below quota, the
    causes). ``cases``: the cases' standing at each month's end. Records of M
    reach the figures of M and the cases from M on (a case's standing reads
    the worker's latest record up to the month); a classification or
    disqualification of M, the figures of M; the standard from M on, the
    figures from M on (it stays in force until the next one); a case event
    effective in M, the cases from M on; a worker moving workshop, the
    figures of the months of their records and the cases of every month
    (a record and a case count for the worker's present workshop); the
    roster written in bulk, everything. The rest is shown on pages (so it is
    announced, and cached pages are refreshed) but counted by no summary.
    """

    #             label                  figures              cases
    RECORDS = ("records", Scope.MONTHS, Scope.ONWARD)
    CLASSIFICATIONS = ("classifications", Scope.MONTHS, Scope.NONE)
    DISQUALIFICATIONS = ("disqualifications", Scope.MONTHS, Scope.NONE)
    STANDARD = ("advanced standard", Scope.ONWARD, Scope.NONE)
    CASE_EVENTS = ("case events", Scope.NONE, Scope.ONWARD)
    # A deleted case takes its events with it; its own delete is the moment
    # its counts are gone.
    CASE_DELETED = ("case deleted", Scope.NONE, Scope.ONWARD)
    # Stored statuses moved by the records: a case's standing is derived
    # from the records and from people's closings (assistance.standing),
    # so the records' own announcement is what reaches the cases.
    CASE_STATUS_SYNC = ("case status sync", Scope.NONE, Scope.NONE)
    CASE_HELPERS = ("case helpers", Scope.NONE, Scope.NONE)
    FOLLOW_UPS = ("follow-ups", Scope.NONE, Scope.NONE)
    DEMONSTRATIONS = ("demonstrations", Scope.NONE, Scope.NONE)
    ATTENDANCE = ("demonstration attendance", Scope.NONE, Scope.NONE)
    COMPLETION = ("month marked complete", Scope.NONE, Scope.NONE)
    # The committee's decision on a quota review group of M: shown on M's
    # pages (the JSON, the bulletin), counted by no summary.
    QUOTA_REVIEWS = ("quota reviews", Scope.NONE, Scope.NONE)
    PUBLISHED = ("published revision", Scope.NONE, Scope.NONE)
    # A campaign target set or revised: shown from its month on, counted by
    # no summary (factory.figures.campaigns reads the summaries' figures).
    CAMPAIGNS = ("campaign targets", Scope.NONE, Scope.NONE)
    # The catalogue of advanced experiences: their names show on every
    # month's pages. A worker's mastery, checked on a day of M: shown on the
    # pages of M on (a level is the latest check), counted by no summary.
    EXPERIENCES = ("advanced experiences", Scope.NONE, Scope.NONE)
    MASTERY = ("mastery", Scope.NONE, Scope.NONE)
    # One worker's or workshop's details: names show on every month's pages.
    WORKER = ("worker", Scope.NONE, Scope.NONE)
    WORKSHOP = ("workshop", Scope.NONE, Scope.NONE)
    WORKER_MOVED = ("worker moved workshop", Scope.MONTHS, Scope.EVERY_MONTH)
    # A record counts for the worker's present trade too (the summaries'
    # counts per trade: workers.quota_review).
    WORKER_TRADE = ("worker's trade changed", Scope.MONTHS, Scope.NONE)
    ROSTER = ("roster", Scope.EVERY_MONTH, Scope.EVERY_MONTH)

    def __init__(self, label: str, figures: Scope, cases: Scope) -> None:
        self.label = label
        self.figures = figures
        self.cases = cases


# ---------------------------------------------------------------- announcing


@dataclass(frozen=True)
class Changed:
    """What a transaction changed of one kind: the months whose own data
    changed and the workers whose data it was (each None: every one)."""

    months: frozenset[dt.date] | None
    workers: frozenset[int] | None = None

    def __or__(self, other: Changed) -> Changed:
        return Changed(
            months=_union(self.months, other.months),
            workers=_union(self.workers, other.workers),
        )


def _union(a: frozenset | None, b: frozenset | None) -> frozenset | None:
    return None if a is None or b is None else a | b


def announce_change(
    change: Change,
    *,
    months: Iterable[dt.date] | None,
    workers: Iterable[int] | None = None,
) -> None:
    """Tell the figures that data of ``months`` (None: every month) changed,
    of ``workers`` (ids; None: of anyone, or not known).

    Call it after writing the change. Inside a transaction it is sent once,
    with every other announcement of the transaction, just before the
    outermost atomic block commits; outside one (autocommit), at once.
    Naming the workers lets the summaries recompute their workshops only.
    """
    if not isinstance(change, Change):
        raise TypeError(f"announce_change needs a Change, not {change!r}")
    changed = Changed(
        months=None if months is None else frozenset(m.replace(day=1) for m in months),
        workers=None if workers is None else frozenset(workers),
    )
    pending = _pending()
    if pending is None:
        _send({change: changed})
    elif change in pending:
        pending[change] = pending[change] | changed
    else:
        pending[change] = changed


def settle() -> None:
    """Send what the current transaction announced so far, now.

    For a reader of derived rows (the monthly summaries) inside a transaction
    that wrote: it must see them current. Costs nothing when nothing waits.
    """
    connection = transaction.get_connection(DEFAULT_DB_ALIAS)
    _flush(connection)


def months_reached(changes: Mapping[Change, Changed]) -> frozenset[dt.date] | None:
    """Every month named by ``changes`` (None: every month)."""
    months: set[dt.date] = set()
    for changed in changes.values():
        if changed.months is None:
            return None
        months |= changed.months
    return frozenset(months)


def _send(changes: dict[Change, Changed]) -> None:
    figures_changed.send(sender=None, changes=changes)


# The announcements of a transaction wait on its connection, which is the
# thread's own (Django's connections are per thread).
_PENDING = "_catchup_changes_pending"


def _outermost_is_ours(connection) -> bool:
    """Whether an atomic block of the code (not of a test case's wrapping
    transaction, which never commits) is open."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


def _pending() -> dict[Change, Changed] | None:
    connection = transaction.get_connection(DEFAULT_DB_ALIAS)
    if not connection.in_atomic_block or not _outermost_is_ours(connection):
        return None
    pending = getattr(connection, _PENDING, None)
    if pending is None:
        pending = {}
        setattr(connection, _PENDING, pending)
    return pending


def _flush(connection) -> None:
    # A receiver may write and announce again: send until nothing waits.
    while pending := getattr(connection, _PENDING, None):
        setattr(connection, _PENDING, None)
        _send(pending)


def _discard(connection) -> None:
    setattr(connection, _PENDING, None)


def _closes_outermost_block(connection) -> bool:
    """Whether the atomic block about to exit is the code's outermost one:
    the last block open, and only a test case's blocks open around it."""
    *around, last = connection.atomic_blocks or [None]
    return (
        last is not None
        and not last._from_testcase
        and all(block._from_testcase for block in around)
    )


def install_transaction_hook() -> None:
    """Send a transaction's announcements when its outermost atomic block
    ends without an error, before Django commits it (or releases the
    savepoint a test case wraps it in); drop them when it is rolled back.

    Django has hooks after a commit (on_commit) but none before, and the
    summaries must be written inside the transaction: so the end of
    ``Atomic.__exit__`` is wrapped, once per process.
    """
    atomic = transaction.Atomic
    if getattr(atomic.__exit__, "_announces_changes", False):
        return
    original_exit = atomic.__exit__

    def __exit__(self, exc_type, exc_value, traceback):  # noqa: N807
        connection = transaction.get_connection(self.using)
        if self.using not in (None, DEFAULT_DB_ALIAS) or not (
            _closes_outermost_block(connection)
        ):
            return original_exit(self, exc_type, exc_value, traceback)
        if (
            exc_type is not None
            or connection.needs_rollback
            or connection.closed_in_transaction
        ):
            _discard(connection)
            return original_exit(self, exc_type, exc_value, traceback)
        try:
            _flush(connection)
        except BaseException as error:
            # The receivers failed: the whole transaction is rolled back.
            _discard(connection)
            original_exit(self, type(error), error, error.__traceback__)
            raise
        return original_exit(self, exc_type, exc_value, traceback)

    __exit__._announces_changes = True
    atomic.__exit__ = __exit__


# ------------------------------------------------------ model saves, deletes

MonthsOf = Callable[[Model], Iterable[dt.date] | None]
WorkersOf = Callable[[Model], Iterable[int] | None]


def track(
    model: type[Model],
    change: Change,
    months_of: MonthsOf,
    *,
    workers_of: WorkersOf | None = None,
    may_move: bool = False,
    saves: bool = True,
) -> None:
    """Announce every save and delete of ``model``'s rows as ``change``.

    ``workers_of``: the workers a row is about (None: not known).
    ``may_move``: a row's month can be edited (in the admin), so the month it
    had before a save changed too; it is read before the save (one query).
    ``saves`` False: deletes only (the saves are announced otherwise).
    """

    def changed(sender, instance, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: not a change of the figures' data
            return
        months = months_of(instance)
        workers = workers_of(instance) if workers_of else None
        before = getattr(instance, "_row_before_save", None)
        if before is not None:
            months = None if months is None else {*months, *before.months}
            workers = None if workers is None else {*workers, *before.workers}
        announce_change(change, months=months, workers=workers)

    def remember(sender, instance, **kwargs) -> None:
        if kwargs.get("raw") or instance.pk is None:
            return
        old = model._default_manager.filter(pk=instance.pk).first()
        instance._row_before_save = old and Changed(
            months=frozenset(months_of(old) or ()),
            workers=frozenset(workers_of(old) or ()) if workers_of else None,
        )

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


def track_m2m(through: type[Model], change: Change, months_of: MonthsOf) -> None:
    """Announce changes of a many-to-many relation, by the months of the
    object on the side that owns the field."""

    def changed(sender, instance, action, reverse, **kwargs) -> None:
        if action not in {"post_add", "post_remove", "post_clear"}:
            return
        # From the other side (worker.helped_cases.add(case)) the months of
        # the owners are not at hand: every month, which is always safe.
        announce_change(change, months=None if reverse else months_of(instance))

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


def the_worker(instance: Model) -> set[int]:
    """workers_of for a row that belongs to one worker."""
    return {instance.worker_id}


def _track_workers() -> None:
    """A worker's save reaches every month's pages (their name); a move to
    another workshop or trade also the counts of the months of their records
    (a record counts for the worker's present workshop and trade)."""
    from workers.models import ProductionRecord, Worker

    def loaded(sender, instance, **kwargs) -> None:
        instance._workshop_id_loaded = instance.workshop_id
        instance._trade_loaded = instance.__dict__.get("trade")

    def saved(sender, instance, created=False, raw=False, **kwargs) -> None:
        before = getattr(instance, "_workshop_id_loaded", None)
        trade_before = getattr(instance, "_trade_loaded", None)
        instance._workshop_id_loaded = instance.workshop_id
        instance._trade_loaded = instance.trade
        if raw:
            return
        moved = not created and before is not None and before != instance.workshop_id
        retraded = (
            not created and trade_before is not None and trade_before != instance.trade
        )
        if moved or retraded:
            months = set(
                ProductionRecord.objects.filter(worker=instance).values_list(
                    "month", flat=True
                )
            )
            if moved:
                announce_change(Change.WORKER_MOVED, months=months)
            else:
                announce_change(
                    Change.WORKER_TRADE, months=months, workers={instance.pk}
                )
        announce_change(Change.WORKER, months=None)

    post_init.connect(loaded, sender=Worker, weak=False, dispatch_uid="worker:init")
    post_save.connect(saved, sender=Worker, weak=False, dispatch_uid="worker:save")
    post_delete.connect(
        lambda sender, **kwargs: announce_change(Change.WORKER, months=None),
        sender=Worker,
        weak=False,
        dispatch_uid="worker:delete",
    )


def connect() -> None:
    """The workers app's own models (WorkersConfig.ready)."""
    from workers.models import (
        AdvancedStandard,
        Disqualification,
        Experience,
        Mastery,
        MonthCompletion,
        ProductionRecord,
        QuotaReview,
        ShortfallClassification,
        Workshop,
    )

    install_transaction_hook()
    track(ProductionRecord, Change.RECORDS, month_of("month"), workers_of=the_worker)
    track(
        ShortfallClassification,
        Change.CLASSIFICATIONS,
        month_of("month"),
        workers_of=the_worker,
        may_move=True,
    )
    track(
        Disqualification,
        Change.DISQUALIFICATIONS,
        month_of("month"),
        workers_of=the_worker,
        may_move=True,
    )
    # A standard is in force from its month on: that month and every later
    # one change, which is what announcing its month means.
    track(AdvancedStandard, Change.STANDARD, month_of("effective_from"), may_move=True)
    track(MonthCompletion, Change.COMPLETION, month_of("month"))
    track(QuotaReview, Change.QUOTA_REVIEWS, month_of("month"), may_move=True)
    track(Experience, Change.EXPERIENCES, every_month)
    track(
        Mastery,
        Change.MASTERY,
        month_of("checked_on"),
        workers_of=the_worker,
        may_move=True,
    )
    _track_workers()
    track(Workshop, Change.WORKSHOP, every_month)
