"""Cached figures are dropped whenever the data behind them changes, and
only the figures of the months it reaches (factory.figures.cache)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import AssistanceCase, Demonstration
from assistance.services import close_case
from factory.figures.cache import ReportCache, bump, read_tokens
from factory.models import EVERY_MONTH, FiguresGeneration
from tests.factory.test_dashboard import figures_of
from tests.factory.test_report_data import FEB, MAR
from workers.changes import Change, announce_change
from workers.models import Cause, ProductionRecord, ShortfallClassification

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

DASHBOARD = "/dashboard/?month=1956-03"


def shown(client, key):
    """A count of the report as the page shows it: from its data-figure
    attributes, since a page served from the cache has no context."""
    figures = figures_of(client.get(DASHBOARD))
    prefix = f"report.{key}"
    if prefix in figures:
        return int(figures[prefix])
    return {
        name.removeprefix(prefix + "."): int(value)
        for name, value in figures.items()
        if name.startswith(prefix + ".")
    }


def test_the_months_token_changes_once_a_change_commits(
    small, django_capture_on_commit_callbacks
):
    before = ReportCache().generation(MAR)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ShortfallClassification.objects.filter(worker=small.workers["a4"]).update(
            note="x"
        )  # QuerySet.update sends no signal ...
        announce_change(Change.CLASSIFICATIONS, months={MAR})  # ... so it is announced
        assert ReportCache().generation(MAR) == before, "not before the commit"
    assert ReportCache().generation(MAR) != before
    assert callbacks, "the bump waits for the commit"


def test_a_change_of_a_month_leaves_earlier_months_cached(
    small, django_capture_on_commit_callbacks
):
    feb, mar = ReportCache().generation(FEB), ReportCache().generation(MAR)
    with django_capture_on_commit_callbacks(execute=True):
        announce_change(Change.CLASSIFICATIONS, months={MAR})
    assert ReportCache().generation(FEB) == feb
    assert ReportCache().generation(MAR) != mar
    # A change of February reaches March too: its figures read February's.
    mar = ReportCache().generation(MAR)
    with django_capture_on_commit_callbacks(execute=True):
        announce_change(Change.CLASSIFICATIONS, months={FEB})
    assert ReportCache().generation(FEB) != feb
    assert ReportCache().generation(MAR) != mar


def test_a_roster_change_reaches_every_month(small, django_capture_on_commit_callbacks):
    feb = ReportCache().generation(FEB)
    with django_capture_on_commit_callbacks(execute=True):
        worker = small.workers["a1"]
        worker.name = "改名"
        worker.save()
    assert ReportCache().generation(FEB) != feb
    assert FiguresGeneration.objects.filter(month=EVERY_MONTH).exists()


def test_many_saves_in_one_transaction_bump_once(
    small, django_capture_on_commit_callbacks
):
    bump([MAR])  # the month's row exists: a bump is one UPDATE
    before = dict(read_tokens())
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        for record in ProductionRecord.objects.filter(month=MAR):
            record.save()
    assert len(callbacks) == 1  # the transaction's changes, announced once
    bumps = [
        query
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "factory_figuresgeneration"')
    ]
    assert len(bumps) == 1
    after = dict(read_tokens())
    assert {m for m in after if after[m] != before.get(m)} == {MAR}


def test_a_record_change_reaches_the_dashboard(
    small, secretary_client, django_capture_on_commit_callbacks
):
    assert shown(secretary_client, "failing") == 2
    with django_capture_on_commit_callbacks(execute=True):
        record = ProductionRecord.objects.get(worker=small.workers["a4"], month=MAR)
        record.output = Decimal("100")
        record.save()
    assert shown(secretary_client, "failing") == 1


def test_without_a_change_the_cached_figures_are_served(
    small, secretary_client, django_capture_on_commit_callbacks
):
    assert shown(secretary_client, "failing") == 2
    # A write that is not announced is not seen (until the entry expires):
    # the page really comes from the cache.
    ProductionRecord.objects.filter(worker=small.workers["a4"], month=MAR).update(
        output=Decimal("100")
    )
    assert shown(secretary_client, "failing") == 2
    with django_capture_on_commit_callbacks(execute=True):
        announce_change(Change.RECORDS, months={MAR})
    assert shown(secretary_client, "failing") == 1


def test_a_classification_reaches_the_dashboard(
    small, secretary_client, django_capture_on_commit_callbacks
):
    causes = secretary_client.get(DASHBOARD).context["report"]["causes"]
    assert causes["unclassified"]["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        ShortfallClassification.objects.create(
            worker=small.workers["b4"], month=MAR, cause=Cause.FAMILY
        )
    causes = secretary_client.get(DASHBOARD).context["report"]["causes"]
    assert causes["unclassified"]["count"] == 0
    assert causes["family"]["count"] == 1


def test_a_case_change_reaches_the_dashboard(
    small, secretary, secretary_client, django_capture_on_commit_callbacks
):
    assert shown(secretary_client, "cases")["open"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        AssistanceCase.objects.filter(pk=small.cases["a4"].pk).delete()
    assert shown(secretary_client, "cases")["open"] == 0
    closed_before = shown(secretary_client, "cases")["closed"]
    with django_capture_on_commit_callbacks(execute=True):
        close_case(
            case=small.cases["a3"],
            by=secretary,
            outcome="other",
            reason="moved",
            effective_month=MAR,
        )
    assert shown(secretary_client, "cases")["closed"] == closed_before + 1


def test_attendance_reaches_the_workshop_page(
    small, secretary_client, django_capture_on_commit_callbacks
):
    url = reverse("reports:workshop_dashboard", args=["jg2"]) + "?month=1956-03"
    assert secretary_client.get(url).context["demonstrations"][0]["attendance"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        small.demonstration.attendees.add(small.workers["a1"])
    assert secretary_client.get(url).context["demonstrations"][0]["attendance"] == 4
    with django_capture_on_commit_callbacks(execute=True):
        Demonstration.objects.create(
            technique="刃磨",
            demonstrator=small.workers["b3"],
            workshop=small.workshops["jg2"],
            date=dt.date(1956, 3, 10),
        )
    assert len(secretary_client.get(url).context["demonstrations"]) == 2


@pytest.fixture
def shared_cache(settings, tmp_path):
    """A cache every process would see (files here, Redis in production)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


def test_with_a_shared_cache_the_tokens_are_read_from_it(
    db, shared_cache, django_assert_num_queries
):
    first = read_tokens()
    with django_assert_num_queries(0):
        assert read_tokens() == first
    bump([MAR])
    bumped = read_tokens()
    assert bumped != first
    with django_assert_num_queries(0):
        assert read_tokens() == bumped


def test_with_a_memory_cache_the_tokens_are_read_from_the_database(
    db, django_assert_num_queries
):
    read_tokens()
    # A per-process cache could hold a token another process has replaced.
    with django_assert_num_queries(1):
        read_tokens()


def test_with_a_shared_cache_a_cached_page_is_read_with_the_tokens(
    small, shared_cache, secretary_client, django_capture_on_commit_callbacks
):
    """The page's blocks and the tokens in one read; blocks rendered under
    older tokens are never served."""
    assert shown(secretary_client, "failing") == 2
    with CaptureQueriesContext(connection) as cached:
        assert shown(secretary_client, "failing") == 2
    assert not any("figuresgeneration" in q["sql"] for q in cached.captured_queries)
    with django_capture_on_commit_callbacks(execute=True):
        record = ProductionRecord.objects.get(worker=small.workers["a4"], month=MAR)
        record.output = Decimal("100")
        record.save()
    assert shown(secretary_client, "failing") == 1
