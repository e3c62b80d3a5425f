"""The month's rules, tested as properties (STYLE.md 14).

A Hypothesis state machine drives the services in random order — records
for random months, partial ones included, and corrections of earlier
months; classifications; opening, closing and reopening cases; the
standard; disqualifications; marking a month complete and undoing it;
publishing and publishing corrections — and after every step checks:

(a) a write effective in month A never changes the figures of a month
    before A (a later month's data never moves an earlier month);
(b) a published revision never changes, and revisions are only added;
(c) the dashboard, movement.json, the bulletin and movement_report agree
    for the month touched;
(d) the pages read through the cache equal the pages computed from scratch;
(e) the monthly summaries the pages read (factory.figures.summaries) equal a
    computation from the records and cases.

The example budget is bounded (EXAMPLES × STEPS) so that make test stays
within a few minutes on both databases.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from assistance import services as cases
from assistance.models import AssistanceCase, CaseStatus, Measure
from assistance.services.common import action_month
from factory.figures import summaries
from factory.figures.lists import reached_quota_cases
from factory.figures.publishing import (
    UNFINISHED_KINDS,
    mark_month_complete,
    publish_month,
    unmark_month_complete,
)
from factory.figures.reports import case_outcomes, movement_report
from factory.models import MonthSnapshot
from factory.roles import SECRETARY
from tests.factories import UserFactory, WorkerFactory, WorkshopFactory
from tests.transactions import wrapping_transaction
from workers.completeness import completeness_of
from workers.models import Cause, PoliticalStatus
from workers.months import month_str
from workers.services import (
    RecordInput,
    disqualify,
    requalify,
    save_records,
    set_advanced_standard,
)

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
EXAMPLES = 6
STEPS = 10

MONTHS = [dt.date(1956, m, 1) for m in (1, 2, 3, 4)]
WORKERS = ["a1", "a2", "b1", "b2", "c1"]
OUTPUTS = [Decimal(v) for v in ("60", "99.99", "100", "125")]

months = st.sampled_from(MONTHS)
workers = st.sampled_from(WORKERS)


def figures(month: dt.date) -> dict:
    """The live figures of a month: the movement report (causes, workshops,
    cases and completeness included), the case outcomes and the cases that
    reached quota in it."""
    return {
        "report": movement_report(month=month),
        "outcomes": case_outcomes(month=month),
        "reached": reached_quota_cases(month=month),
    }


def in_transaction_callbacks():
    """Run the on-commit callbacks (the cache's refresh) of what the block
    writes, as a commit would: the test's own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


class MonthMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint of the test's transaction and is
        # rolled back at teardown; the cache starts empty each time.
        self._atomic = wrapping_transaction()
        self._atomic.__enter__()
        cache.clear()
        self.secretary = UserFactory(groups=[SECRETARY])
        shops = {code: WorkshopFactory(code=code, name=code) for code in "abc"}
        self.shops = shops
        self.workers = {
            key: WorkerFactory(employee_no=key, name=key, workshop=shops[key[0]])
            for key in WORKERS
        }
        self.helpers = [
            WorkerFactory(
                employee_no="h1",
                workshop=shops["a"],
                political_status=PoliticalStatus.PARTY_MEMBER,
            ),
            WorkerFactory(
                employee_no="h2",
                workshop=shops["b"],
                political_status=PoliticalStatus.LEAGUE_MEMBER,
            ),
        ]
        self.client = Client()
        self.client.force_login(self.secretary)
        self.known = {month: figures(month) for month in MONTHS}
        self.published: dict[tuple[dt.date, int], dict] = {}
        self.touched: dt.date = MONTHS[0]

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the writes: each records the month it is effective in -------------

    def _write(self, effective: dt.date, action) -> None:
        with in_transaction_callbacks():
            try:
                action()
            except ValidationError:
                return  # a refused write changes nothing (the rules decide)
        self._check_earlier_months_unchanged(effective)
        self.touched = effective

    @rule(
        month=months,
        rows=st.dictionaries(workers, st.sampled_from(OUTPUTS), min_size=1),
    )
    def save_records(self, month, rows):
        """A workshop's or several workshops' records; may correct a month
        saved before (the same worker-month again)."""
        self._write(
            month,
            lambda: save_records(
                rows=[
                    RecordInput(
                        worker_id=self.workers[key].pk,
                        month=month,
                        quota=Decimal("100"),
                        output=output,
                    )
                    for key, output in rows.items()
                ],
                by=self.secretary,
                source="property test",
            ),
        )

    @rule(month=months, worker=workers, cause=st.sampled_from(Cause.values))
    def classify(self, month, worker, cause):
        self._write(
            month,
            lambda: cases.classify(
                worker=self.workers[worker],
                month=month,
                cause=cause,
                note="",
                by=self.secretary,
            ),
        )

    @rule(month=months, worker=workers, measure=st.sampled_from(Measure.values))
    def open_case(self, month, worker, measure):
        self._write(
            month,
            lambda: cases.open_case(
                worker=self.workers[worker],
                month=month,
                cause=Cause.TECHNIQUE,
                measure=measure,
                helpers=self.helpers[:1],
                opened_by=self.secretary,
            ),
        )

    def _active_cases(self):
        return list(AssistanceCase.objects.exclude(status=CaseStatus.CLOSED))

    @precondition(lambda self: AssistanceCase.objects.exists())
    @rule(data=st.data(), chosen=st.one_of(st.none(), months))
    def close_case(self, data, chosen):
        active = self._active_cases()
        if not active:
            return
        case = data.draw(st.sampled_from(active))
        outcome = (
            "reached_quota" if case.status == CaseStatus.REACHED_QUOTA else "other"
        )
        when = self._effective(case, chosen)
        self._write(
            when,
            lambda: cases.close_case(
                case=case,
                by=self.secretary,
                outcome=outcome,
                reason="" if outcome == "reached_quota" else "调走",
                effective_month=chosen,
            ),
        )

    @precondition(
        lambda self: AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()
    )
    @rule(data=st.data(), chosen=st.one_of(st.none(), months))
    def reopen_case(self, data, chosen):
        closed = list(AssistanceCase.objects.filter(status=CaseStatus.CLOSED))
        case = data.draw(st.sampled_from(closed))
        when = self._effective(case, chosen)
        self._write(
            when,
            lambda: cases.reopen_case(
                case=case, by=self.secretary, reason="又掉队", effective_month=chosen
            ),
        )

    def _effective(self, case, chosen) -> dt.date:
        """The month the action will be effective in (for the check); a
        refused month changes nothing, so any month is fine then."""
        try:
            return action_month(case, chosen)
        except ValidationError:
            return MONTHS[0]

    @rule(month=months, pct=st.sampled_from([Decimal("100"), Decimal("110")]))
    def set_standard(self, month, pct):
        self._write(
            month,
            lambda: set_advanced_standard(
                month=month, threshold_pct=pct, by=self.secretary
            ),
        )

    @rule(month=months, worker=workers, on=st.booleans())
    def disqualify(self, month, worker, on):
        def act():
            if on:
                disqualify(
                    worker=self.workers[worker],
                    month=month,
                    reason="quality",
                    note="",
                    by=self.secretary,
                )
            else:
                requalify(worker=self.workers[worker], month=month, by=self.secretary)

        self._write(month, act)

    @rule(month=months, mark=st.booleans())
    def mark_complete(self, month, mark):
        def act():
            if mark:
                mark_month_complete(month=month, by=self.secretary)
            else:
                unmark_month_complete(month=month)

        self._write(month, act)

    @rule(month=months)
    def publish(self, month):
        def act():
            snapshot = publish_month(
                month=month,
                by=self.secretary,
                reason="更正",
                acknowledged=set(UNFINISHED_KINDS),
            )
            self.published[(month, snapshot.revision)] = json.loads(
                json.dumps(snapshot.data)
            )

        self._write(month, act)

    # --- the checks ----------------------------------------------------------

    def _check_earlier_months_unchanged(self, effective: dt.date) -> None:
        """(a) Figures of months before the write's month never move; the
        months from it on may, and are read again."""
        for month in MONTHS:
            now = figures(month)
            if month < effective:
                assert now == self.known[month], (
                    f"a write effective {month_str(effective)} changed "
                    f"{month_str(month)}"
                )
            self.known[month] = now

    @rule(worker=workers, shop=st.sampled_from("abc"))
    def move_worker(self, worker, shop):
        """A worker moves to another workshop: every month's per-workshop
        figures may change, so no earlier month is protected."""

        def act():
            moved = self.workers[worker]
            moved.workshop = self.shops[shop]
            moved.save()

        self._write(MONTHS[0], act)

    @invariant()
    def summaries_equal_the_computation_from_scratch(self):
        """(e), and the months' completeness read from them (what every
        page and the working month read) is that of the records."""
        assert summaries.differences() == []
        assert completeness_of(MONTHS) == completeness_of(MONTHS, from_records=True)

    @invariant()
    def published_revisions_never_change(self):
        """(b)"""
        stored = {
            (s.month, s.revision): s.data
            for s in MonthSnapshot.objects.only("month", "revision", "data")
        }
        assert set(self.published) <= set(stored)
        for key, data in self.published.items():
            assert stored[key] == data

    @invariant()
    def every_page_agrees_and_the_cache_is_fresh(self):
        """(c) and (d), for the month last written: the pages read through
        the cache are the same bytes as computed from scratch, and their
        figures are the JSON's."""
        month = month_str(self.touched)
        dashboard_url = reverse("reports:dashboard") + f"?month={month}"
        bulletin_url = reverse("reports:bulletin", args=[month])
        json_page = self._json(month)
        dashboard, _ = self._page(dashboard_url)
        bulletin, _ = self._page(bulletin_url)
        out = io.StringIO()
        call_command("movement_report", month=month, format="json", stdout=out)
        assert json.loads(out.getvalue()) == json_page
        cache.clear()
        assert self._json(month) == json_page, "the JSON through the cache is stale"
        fresh, response = self._page(dashboard_url)
        assert fresh == dashboard, "the dashboard is stale"
        assert response.context["report"] == json_page
        fresh, response = self._page(bulletin_url)
        assert fresh == bulletin, "the bulletin is stale"
        assert response.context["report"] == json_page

    def _json(self, month: str) -> dict:
        return self.client.get(
            reverse("reports:movement_json"), {"month": month}
        ).json()

    def _page(self, url: str):
        """The page's HTML but for its CSRF tokens (new for every request),
        and the response."""
        response = self.client.get(url)
        assert response.status_code == 200
        html = CSRF_TOKEN.sub("", response.content.decode())
        return html, response


# The machine's calendar: the month after its months, as a factory's is.
# With none of its months complete and no record yet, a person's action is
# effective in the current month (assistance.services.common.action_month):
# today's, 850 months after 1956, would stretch the case summaries and the
# check against the definitions (two queries a month) over seventy years,
# taking one example in ten from seconds to minutes.
TODAY = dt.date(1956, 5, 20)


@pytest.mark.django_db
def test_the_months_rules_hold_in_every_order_of_events(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    run_state_machine_as_test(
        MonthMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
