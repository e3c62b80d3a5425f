"""Bulk actions (批量): one action over the rows a secretary ticked.

Each runs in one transaction through the single-row services, so each case
or classification keeps the same trace (a CaseEvent, the classification's
history) as when it is changed alone; the figures are brought up to date
once, as the transaction commits (workers.changes).
Each row carries the version the page showed; if any row changed since, or
any row is refused, nothing is saved and every refused row is named in the
error (BulkRefused), so the secretary can look again and repeat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from assistance import evidence
from assistance.models import AssistanceCase, CaseOutcome
from assistance.services.cases import (
    closing_month,
    open_case,
    update_case,
    write_closing,
)
from assistance.services.common import (
    StaleEditError,
    check_version,
    latest_status_actions,
)
from workers.classification import (
    ClassificationInput,
    save_classifications,
    shortfall_problems,
)
from workers.completeness import default_month
from workers.models import Experience, ShortfallClassification, Worker
from workers.months import month_str, previous_month


class BulkRefused(ValidationError):
    """Nothing was saved; each message names the worker it is about."""


@dataclass(frozen=True)
class Seen:
    """A row as the page showed it: its pk and version (0: none existed)."""

    pk: int
    version: int


def _stale(name: object) -> ValidationError:
    return ValidationError(
        _(
            "%(name)s: someone else changed this meanwhile. Nothing was saved: "
            "look at the list again, then repeat."
        )
        % {"name": name},
        code="stale",
    )


def _about(name: object, error: ValidationError) -> list[ValidationError]:
    return [
        ValidationError(
            _("%(name)s: %(error)s") % {"name": name, "error": message},
            code="invalid",
        )
        for message in error.messages
    ]


@contextmanager
def _refused_as(name: object, problems: list[ValidationError]) -> Iterator[None]:
    """One row's service call: a row changed meanwhile or refused by the rules
    adds its messages to ``problems``, naming the worker, and the action goes
    on to the next row (all are refused together at the end)."""
    try:
        yield
    except StaleEditError:
        problems.append(_stale(name))
    except ValidationError as error:
        problems += _about(name, error)


def _refuse_if(problems: list[ValidationError]) -> None:
    if problems:
        raise BulkRefused(problems)


def _ticked_cases(
    cases: Sequence[Seen],
    problems: list[ValidationError],
    queryset: QuerySet[AssistanceCase] | None = None,
) -> Iterator[tuple[Seen, AssistanceCase]]:
    """Each ticked case that still exists, with the row as the page showed
    it, read in one query (of ``queryset``, default every case); a case
    gone meanwhile adds its message to ``problems`` in its turn, so that
    the messages keep the order of the ticks."""
    queryset = AssistanceCase.objects.all() if queryset is None else queryset
    found = queryset.select_related("worker").in_bulk([seen.pk for seen in cases])
    for seen in cases:
        case = found.get(seen.pk)
        if case is None:
            problems.append(
                ValidationError(_("A ticked case no longer exists."), "gone")
            )
        else:
            yield seen, case


@transaction.atomic
def close_reached_quota(
    *, cases: Sequence[Seen], by: AbstractBaseUser | None, check_only: bool = False
) -> list[AssistanceCase]:
    """Close every case of ``cases`` with the outcome "reached quota".

    Everything every case shares is read once: the working month (closing a
    case changes no record nor any month's completeness), the ticked cases,
    locked together in the order every writer locks them, and their latest
    closings and reopenings. Every case is then decided by close_case's own
    rules before any is written, and costs its two writes. ``check_only``
    decides them all and writes none (the page's question before it acts).
    """
    if not cases:
        raise BulkRefused([ValidationError(_("Tick at least one case."), "empty")])
    working = default_month()
    problems: list[ValidationError] = []
    last = latest_status_actions(seen.pk for seen in cases)
    locked = AssistanceCase.objects.select_for_update(of=("self",)).order_by("pk")
    decided = []
    for seen, case in _ticked_cases(cases, problems, locked):
        with _refused_as(case.worker, problems):
            check_version(case, seen.version)
            when = closing_month(
                case,
                outcome=CaseOutcome.REACHED_QUOTA,
                working_month=working,
                last_action=last.get(case.pk),
            )
            decided.append((case, when))
    _refuse_if(problems)
    if check_only:
        return [case for case, _when in decided]
    return [
        write_closing(
            case, by=by, outcome=CaseOutcome.REACHED_QUOTA, reason="", when=when
        )
        for case, when in decided
    ]


def last_causes(month: dt.date, worker_ids) -> dict[int, str]:
    """worker id → the cause of their shortfall the month before ``month``."""
    return dict(
        ShortfallClassification.objects.filter(
            month=previous_month(month), worker_id__in=list(worker_ids)
        ).values_list("worker_id", "cause")
    )


@transaction.atomic
def classify_as_last_month(
    *,
    month: dt.date,
    rows: Sequence[tuple[Seen, str]],
    by: AbstractBaseUser | None,
) -> int:
    """Give each worker of ``rows`` (a worker as the page showed them, with
    the cause shown as last month's) the cause of their shortfall last
    month, through the rules of workers.classification. A worker classified
    meanwhile, or whose last month's cause changed, refuses them all."""
    if not rows:
        raise BulkRefused([ValidationError(_("Nobody to classify."), "empty")])
    workers = Worker.objects.in_bulk([seen.pk for seen, _cause in rows])
    before = last_causes(month, workers)
    problems: list[ValidationError] = []
    for seen, shown in rows:
        worker = workers.get(seen.pk)
        if worker is None:
            problems.append(
                ValidationError(_("A worker is no longer on the roster."), "gone")
            )
        elif before.get(worker.pk) != shown:
            problems.append(_stale(worker))
    _refuse_if(problems)
    keys = [(seen.pk, month) for seen, _cause in rows]
    for (worker_id, _month), _problem in shortfall_problems(keys).items():
        problems.append(
            ValidationError(
                _("%(name)s has no shortfall to classify in %(month)s.")
                % {"name": workers[worker_id], "month": month_str(month)},
                "no_shortfall",
            )
        )
    _refuse_if(problems)
    result = save_classifications(
        rows=[
            ClassificationInput(
                worker_id=seen.pk,
                month=month,
                cause=cause,
                note="",
                expected_version=seen.version,
            )
            for seen, cause in rows
        ],
        by=by,
        source="as last month",
    )
    if result.stale:
        raise BulkRefused([_stale(workers[w]) for w, _m in sorted(result.stale)])
    return result.created + result.updated


@transaction.atomic
def open_with_one_helper(
    *,
    month: dt.date,
    workers: Sequence[Seen],
    helper: Worker,
    opened_by: AbstractBaseUser | None,
    experiences: Mapping[int, Experience] | None = None,
) -> list[AssistanceCase]:
    """Open a case for each worker of ``workers`` with ``helper``: the cause
    is the worker's classification for ``month`` (at the version the page
    showed), the measure the one this factory's evidence suggests; a
    technique case names the experience to learn ``experiences`` gives for
    its worker (by pk), if any."""
    if not workers:
        raise BulkRefused([ValidationError(_("Tick at least one worker."), "empty")])
    found = Worker.objects.in_bulk([seen.pk for seen in workers])
    causes = {
        c.worker_id: c
        for c in ShortfallClassification.objects.filter(
            month=month, worker_id__in=list(found)
        )
    }
    suggested = evidence.suggestions()
    problems: list[ValidationError] = []
    opened = []
    for seen in workers:
        worker = found.get(seen.pk)
        if worker is None:
            problems.append(
                ValidationError(_("A worker is no longer on the roster."), "gone")
            )
            continue
        classification = causes.get(worker.pk)
        if classification is None or classification.version != seen.version:
            problems.append(
                _stale(worker)
                if seen.version
                else ValidationError(
                    _("%(name)s: classify the shortfall first.") % {"name": worker},
                    "unclassified",
                )
            )
            continue
        with _refused_as(worker, problems):
            opened.append(
                open_case(
                    worker=worker,
                    month=month,
                    cause=classification.cause,
                    measure=suggested[classification.cause].measure,
                    helpers=[helper],
                    opened_by=opened_by,
                    experience=(experiences or {}).get(worker.pk),
                )
            )
    _refuse_if(problems)
    return opened


@transaction.atomic
def move_cases(
    *,
    cases: Sequence[Seen],
    from_helper: Worker,
    to_helper: Worker,
    by: AbstractBaseUser | None,
) -> list[AssistanceCase]:
    """Put ``to_helper`` in place of ``from_helper`` on each case (a helper
    who is leaving), keeping the case's other helpers."""
    if not cases:
        raise BulkRefused([ValidationError(_("Tick at least one case."), "empty")])
    if to_helper.pk == from_helper.pk:
        raise BulkRefused(
            [ValidationError(_("Choose another helper to take the cases."), "same")]
        )
    working = default_month()  # as in close_reached_quota
    problems: list[ValidationError] = []
    moved = []
    ticked = _ticked_cases(
        cases, problems, AssistanceCase.objects.prefetch_related("helpers")
    )
    for seen, case in ticked:
        helpers = {helper.pk: helper for helper in case.helpers.all()}
        if helpers.pop(from_helper.pk, None) is None:
            problems.append(_stale(case.worker))
            continue
        helpers[to_helper.pk] = to_helper
        with _refused_as(case.worker, problems):
            moved.append(
                update_case(
                    case=case,
                    by=by,
                    measure=case.measure,
                    helpers=list(helpers.values()),
                    target_month=case.target_month,
                    expected_version=seen.version,
                    working_month=working,
                )
            )
    _refuse_if(problems)
    return moved
