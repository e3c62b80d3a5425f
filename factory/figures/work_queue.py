"""The work queue (待办事项): the secretary's home, in counts that link to
the lists where the work is done (assistance.worklists).

For the working month and for the month being collected (the one after
it); before any month is complete, for the month being collected alone (the
latest with records: DESIGN.md, "The month"). Without records there is no
month to work on: the home invites the first import instead. A director gets
the same for their workshops, read-only; a helper gets their cases that need
a follow-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance import worklists
from assistance.checks import checks_overdue
from assistance.models import AssistanceCase
from assistance.services import helper_limit
from factory.figures import summaries
from workers.completeness import completeness, working_month
from workers.models import Worker
from workers.months import add_months, month_str
from workers.quota_review import review_groups


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    count: int
    url: str | None  # None: the reader may not open the list

    @property
    def done(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class Section:
    title: str
    month: dt.date | None
    items: list[Item]


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _month_items(month: dt.date, workshops, *, may_act: bool) -> list[Item]:
    text = month_str(month)
    missing = completeness(month).missing
    if workshops is not None:
        codes = set(workshops.values_list("code", flat=True))
        missing = tuple(w for w in missing if w[0] in codes)

    def link(name: str, **query) -> str | None:
        return _url(name, **query) if may_act else None

    return [
        Item(
            "unreported",
            _("Workshops that have not reported"),
            len(missing),
            _url("reports:dashboard", month=text) + "#month-missing",
        ),
        Item(
            "unclassified",
            _("Shortfalls not classified"),
            summaries.unclassified_count(month, workshops),
            link("assistance:classification_queue", month=text, show="unclassified"),
        ),
        Item(
            "uncased",
            _("Workers below quota without a help case"),
            worklists.uncased_shortfalls(month, workshops).count(),
            link("assistance:classification_queue", month=text, show="uncased"),
        ),
        Item(
            "slipping",
            _("Workers slipping"),
            summaries.slipping_count(month, workshops),
            _url("assistance:slipping", month=text),
        ),
    ]


def _quota_review_item(working: dt.date, workshops) -> Item:
    """The working month's trade groups whose quota may be wrong and that
    wait for the committee's decision (workers.quota_review). A director
    reads the page of their workshops' groups too."""
    undecided = [g for g in review_groups(working, workshops) if g.decision is None]
    return Item(
        "quota_reviews",
        _("Trade groups whose quota may be wrong"),
        len(undecided),
        _url("workers:quota_reviews", month=month_str(working), show="undecided"),
    )


def _case_items(working: dt.date, workshops, *, may_act: bool) -> list[Item]:
    days = settings.CASE_REMINDER_DAYS

    def link(name: str, **query) -> str | None:
        return _url(name, **query) if may_act else None

    items = [
        Item(
            "to_close",
            _("Cases that reached quota, waiting to be closed"),
            worklists.cases_to_close(working, workshops).count(),
            link("assistance:case_list", status="reached_quota"),
        ),
        Item(
            "proposed",
            _("Closures proposed by helpers"),
            worklists.proposed_closures(workshops).count(),
            link("assistance:case_list", proposed="on"),
        ),
        Item(
            "quiet",
            _("Cases without a follow-up for %(days)d days") % {"days": days},
            worklists.quiet(days, workshops).count(),
            link("assistance:case_list", quiet="on"),
        ),
        # A director reads the list of their workshops, as the workers
        # slipping (assistance.views.stuck).
        Item(
            "stuck",
            _("Stuck help cases"),
            summaries.stuck_count(working, workshops),
            _url("assistance:stuck_cases", month=month_str(working)),
        ),
        _overdue_checks_item(workshops),
    ]
    if may_act:
        limit = helper_limit()
        if limit:
            items.append(
                Item(
                    "over_load",
                    _("Helpers with more than %(limit)d active cases")
                    % {"limit": limit},
                    worklists.helpers_over_load(limit).count(),
                    _url("assistance:helper_loads", over="on"),
                )
            )
        items.append(
            Item(
                "helpers_gone",
                _("Cases whose helper left or is no longer eligible"),
                worklists.cases_of_helpers_gone().count(),
                _url("assistance:case_list", helpers_left="on"),
            )
        )
    return items


def _overdue_checks_item(workshops) -> Item:
    """Checks at the machine more than 14 days after their demonstration,
    as of today (assistance.checks, one query); a director reads the list
    of their workshops' too."""
    workers = (
        None if workshops is None else Worker.objects.filter(workshop__in=workshops)
    )
    return Item(
        "checks_overdue",
        _("Checks at the machine overdue"),
        checks_overdue(timezone.localdate(), workers).count(),
        _url("assistance:machine_checks", overdue="on"),
    )


def work_queue(
    months: list[dt.date], *, workshops=None, may_act: bool
) -> list[Section]:
    """The sections of the queue: the working month, the month being
    collected, and the cases. ``months`` are the months with records
    (workers.completeness.months_with_records), none: no queue.
    ``workshops`` None is the whole factory."""
    if not months:
        return []
    working = working_month(months)
    sections = []
    if working is None:
        # The factory's first month still being collected: no month is
        # complete, so none is the working month.
        collecting = max(months)
    else:
        collecting = add_months(working, 1)
        sections.append(
            Section(
                _("Working month"),
                working,
                [
                    *_month_items(working, workshops, may_act=may_act),
                    _quota_review_item(working, workshops),
                ],
            )
        )
    sections.append(
        Section(
            _("Month being collected"),
            collecting,
            _month_items(collecting, workshops, may_act=may_act),
        )
    )
    # Waiting to be closed: reached quota by the working month, else by the
    # month shown (workers.completeness.default_month's rule).
    cases_month = working or collecting
    sections.append(
        Section(
            _("Help cases"),
            None,
            _case_items(cases_month, workshops, may_act=may_act),
        )
    )
    return sections


def helper_quiet_count(user) -> int:
    """A helper's own cases that wait for a follow-up (the reminders' rule)."""
    mine = AssistanceCase.objects.helped_by(user).values("pk")
    return worklists.quiet(settings.CASE_REMINDER_DAYS).filter(pk__in=mine).count()
