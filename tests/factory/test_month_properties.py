"""The month's rules, tested as properties (STYLE.md 14).

A Hypothesis state machine drives the services in random order — records
for random months, partial ones included, and corrections of earlier
months; classifications; opening, closing and reopening cases; the
standard; disqualifications; marking a month complete and undoing it;
publishing and publishing corrections; setting and revising campaign
targets; re-diagnosing a case — and after every step checks:

(a) a write effective in month A never changes the figures of a month
    before A (a later month's data never moves an earlier month), the
    campaign targets' burn-down, pace and projection of that month included,
    and its quota review groups with their decisions (the movement report's
    ``quota_reviews``);
(b) a published revision never changes, and revisions are only added;
(c) the dashboard, movement.json, the bulletin and movement_report agree
    for the month touched;
(d) the pages read through the cache equal the pages computed from scratch;
(e) the monthly summaries the pages read (factory.figures.summaries) equal a
    computation from the records and cases.

A second, smaller machine drives the quota reviews densely (records of two
trades of five, the committee's decisions) and checks (a) and (c) for them.

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
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from assistance import services as cases
from assistance.models import AssistanceCase, CaseStatus, Measure
from assistance.services.common import action_month
from assistance.stuck import stuck_cases
from factory.figures import summaries
from factory.figures.campaigns import (
    campaigns_as_of,
    revise_campaign,
    revision_month,
    set_campaign,
)
from factory.figures.campaigns.state import measure_value
from factory.figures.lists import reached_quota_cases
from factory.figures.publishing import (
    UNFINISHED_KINDS,
    mark_month_complete,
    publish_month,
    unmark_month_complete,
)
from factory.figures.reports import case_outcomes, monthly_figures, movement_report
from factory.models import Campaign, MonthSnapshot
from factory.roles import SECRETARY
from tests.factories import UserFactory, WorkerFactory, WorkshopFactory
from tests.transactions import wrapping_transaction
from workers.completeness import completeness_of
from workers.models import Cause, PoliticalStatus, ProductionRecord, QuotaReview
from workers.months import add_months, month_str
from workers.quota_review import review_groups
from workers.services import (
    RecordInput,
    decide_quota_review,
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

# Campaign targets: workers below quota (of up to five) or a share in percent.
TARGETS = [Decimal(v) for v in ("0", "1", "50", "90", "100")]
months = st.sampled_from(MONTHS)
workers = st.sampled_from(WORKERS)


def figures(month: dt.date) -> dict:
    """The live figures of a month: the movement report (causes, workshops,
    cases, stuck cases and completeness included), the case outcomes, the
    cases that reached quota in it, and the stuck cases' list with the
    attainments it shows."""
    return {
        "report": movement_report(month=month),
        "outcomes": case_outcomes(month=month),
        "reached": reached_quota_cases(month=month),
        "stuck": [
            (case.pk, case.attainment_then, case.attainment_now)
            for case in stuck_cases(month)
        ],
        # Every campaign target as of the month: its burn-down, pace,
        # projection, on course and reached (factory.figures.campaigns).
        "campaigns": campaigns_as_of(month),
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

    @initialize(start=st.booleans())
    def a_case_from_january(self, start):
        """Half the runs start with c1 below quota in January and March, at
        the same attainment, with a case opened in January: stuck in March
        (assistance.stuck), which random steps alone seldom reach; the steps
        that follow may move it, and must not move it from a later month."""
        if not start:
            return

        def act():
            save_records(
                rows=[
                    RecordInput(
                        worker_id=self.workers["c1"].pk,
                        month=month,
                        quota=Decimal("100"),
                        output=OUTPUTS[0],
                    )
                    for month in (MONTHS[0], MONTHS[2])
                ],
                by=self.secretary,
                source="property test",
            )
            cases.open_case(
                worker=self.workers["c1"],
                month=MONTHS[0],
                cause=Cause.FAMILY,
                measure=Measure.HARDSHIP_AID,
                helpers=self.helpers[1:],
                opened_by=self.secretary,
            )

        self._write(MONTHS[0], act)

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

    @precondition(
        lambda self: AssistanceCase.objects.exclude(status=CaseStatus.CLOSED).exists()
    )
    @rule(
        data=st.data(),
        cause=st.one_of(st.none(), st.sampled_from(Cause.values)),
        measure=st.one_of(st.none(), st.sampled_from(Measure.values)),
    )
    def rediagnose(self, data, cause, measure):
        """Effective in the working month; a new cause reclassifies the
        case's latest month below quota too, which may be earlier."""
        case = data.draw(st.sampled_from(self._active_cases()))
        when = self._effective(case, None)
        below = (
            ProductionRecord.objects.filter(worker=case.worker, month__gte=case.month)
            .below_quota()
            .order_by("-month")
            .values_list("month", flat=True)
            .first()
        )
        if cause and below:
            when = min(when, below)
        self._write(
            when,
            lambda: cases.rediagnose(
                case=case,
                cause=cause,
                measure=measure,
                by=self.secretary,
                reason="重新分析",
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

    @precondition(lambda self: ProductionRecord.objects.exists())
    @rule(
        data=st.data(),
        measure=st.sampled_from(["failing", "advanced_share"]),
        months_to_go=st.integers(min_value=1, max_value=3),
    )
    def set_campaign(self, data, measure, months_to_go):
        """A campaign target of the factory or a workshop, from a month it
        has records in, to a target beyond its value then (a second one of
        the same scope, measure and month is refused): shown from its start
        month, so no earlier month moves."""
        recorded = monthly_figures(first=MONTHS[0], last=MONTHS[-1])
        code, start = data.draw(
            st.sampled_from(
                sorted(
                    (code or "", month)
                    for code, by_month in recorded.items()
                    for month in by_month
                )
            )
        )
        start_value = measure_value(measure, recorded[code or None][start])
        if measure == "failing":
            value = Decimal(data.draw(st.integers(0, max(0, int(start_value) - 1))))
        else:
            value = data.draw(st.sampled_from(TARGETS))
        self._write(
            start,
            lambda: set_campaign(
                workshop=self.shops[code] if code else None,
                measure=measure,
                start_month=start,
                target_value=value,
                target_month=add_months(start, months_to_go),
                by=self.secretary,
            ),
        )

    @precondition(lambda self: Campaign.objects.exists())
    @rule(
        data=st.data(),
        months_to_go=st.integers(min_value=1, max_value=4),
        value=st.sampled_from(TARGETS),
    )
    def revise_campaign(self, data, months_to_go, value):
        """A revised target is shown from the working month of the revision
        on: the months before keep the target they had."""
        campaign = data.draw(st.sampled_from(list(Campaign.objects.order_by("pk"))))
        self._write(
            revision_month(campaign),
            lambda: revise_campaign(
                campaign=campaign,
                target_value=value,
                target_month=add_months(campaign.start_month, months_to_go),
                by=self.secretary,
            ),
        )

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
        # The JSON's count of stuck cases is the list's (the page's and the
        # work queue's); live, as a published month's JSON is frozen.
        live = self.client.get(
            reverse("reports:movement_json"), {"month": month, "live": "1"}
        ).json()
        assert live["stuck_cases"] == len(stuck_cases(self.touched))

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


class QuotaReviewMachine(RuleBasedStateMachine):
    """The quota reviews alone, densely (the machine above meets a trade
    group of five only now and then): the records of two trades of five in
    two workshops, in random months and orders, and the committee's
    decisions. After each step: a record or a decision of month A never
    moves the quota reviews of a month before A, and the JSON (through the
    cache) and the quota review page say what movement_report says."""

    def __init__(self):
        super().__init__()
        self._atomic = wrapping_transaction()
        self._atomic.__enter__()
        cache.clear()
        self.secretary = UserFactory(groups=[SECRETARY])
        shops = {code: WorkshopFactory(code=code, name=code) for code in "cd"}
        self.shops = shops
        self.workers = {
            f"{shop}{n}": WorkerFactory(
                employee_no=f"{shop}{n}",
                workshop=shops[shop],
                trade="铸工" if shop == "c" else "车工",
            )
            for shop in "cd"
            for n in range(1, 6)
        }
        self.client = Client()
        self.client.force_login(self.secretary)
        self.known = {month: self._reviews(month) for month in MONTHS}
        self.touched = MONTHS[0]

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @staticmethod
    def _reviews(month: dt.date) -> list[dict]:
        return movement_report(month=month)["quota_reviews"]

    def _write(self, effective: dt.date, action) -> None:
        with in_transaction_callbacks():
            try:
                action()
            except ValidationError:
                return
        for month in MONTHS:
            now = self._reviews(month)
            if month < effective:
                assert now == self.known[month], (
                    f"a write effective {month_str(effective)} moved the quota "
                    f"reviews of {month_str(month)}"
                )
            self.known[month] = now
        self.touched = effective

    @rule(
        month=months,
        shop=st.sampled_from("cd"),
        outputs=st.lists(st.sampled_from(OUTPUTS), min_size=5, max_size=5),
    )
    def save_records(self, month, shop, outputs):
        """A workshop's five in a month (again: a correction)."""
        self._write(
            month,
            lambda: save_records(
                rows=[
                    RecordInput(
                        worker_id=self.workers[f"{shop}{n}"].pk,
                        month=month,
                        quota=Decimal("100"),
                        output=output,
                    )
                    for n, output in enumerate(outputs, start=1)
                ],
                by=self.secretary,
                source="property test",
            ),
        )

    def _groups(self) -> list:
        return [group for month in MONTHS for group in review_groups(month)]

    @precondition(lambda self: self._groups())
    @rule(
        data=st.data(),
        decision=st.sampled_from(["kept", "revise"]),
        ahead=st.integers(min_value=0, max_value=2),
        seen=st.booleans(),
    )
    def decide(self, data, decision, ahead, seen):
        """A decision on a group of a month; ``seen`` False: from a form
        drawn before the current decision (refused if there is one)."""
        group = data.draw(st.sampled_from(self._groups()))
        current = QuotaReview.objects.filter(
            workshop_id=group.workshop_id, trade=group.trade, month=group.month
        ).first()
        self._write(
            group.month,
            lambda: decide_quota_review(
                workshop=self.shops[group.workshop_code],
                trade=group.trade,
                month=group.month,
                decision=decision,
                revise_from=add_months(group.month, ahead),
                reason="委员会审查",
                seen_version=current.version if current and seen else 0,
                by=self.secretary,
            ),
        )

    @invariant()
    def the_json_and_the_page_say_what_the_report_says(self):
        month = month_str(self.touched)
        expected = self._reviews(self.touched)
        json_page = self.client.get(
            reverse("reports:movement_json"), {"month": month}
        ).json()
        assert json_page["quota_reviews"] == expected, "the JSON is stale"
        page = self.client.get(reverse("workers:quota_reviews"), {"month": month})
        shown = [
            {
                "workshop": section["group"].workshop_code,
                "trade": section["group"].trade,
                "workers": section["group"].workers,
                "failing": section["group"].failing,
                "decision": section["review"].decision if section["review"] else None,
            }
            for section in page.context["sections"]
        ]
        assert shown == expected


@pytest.mark.django_db
def test_a_later_month_never_moves_a_months_quota_reviews(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    run_state_machine_as_test(
        QuotaReviewMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
