"""The monthly summaries (factory.figures.summaries): built, rebuilt, and read.

That every write keeps them equal to the computation from the records and
cases is tested write path by write path in test_never_stale.py and in every
order of events in test_month_properties.py; here, the command, what a month
after the data reads, and the narrow recomputations.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from assistance import standing
from assistance.models import AssistanceCase
from factory.figures import summaries
from factory.figures.reports import case_counts, movement_report, reached_this_month
from factory.models import MonthCaseSummary, MonthSummary
from tests.factory.test_report_data import FEB, MAR
from workers.completeness import completeness_of
from workers.models import ProductionRecord

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

APR = dt.date(1956, 4, 1)


def rows() -> list[tuple]:
    figures = MonthSummary.objects.order_by("month", "workshop_id").values_list(
        "month", "workshop_id", *summaries.FIGURE_FIELDS, *summaries.CAUSE_FIELDS
    )
    cases = MonthCaseSummary.objects.order_by("month", "workshop_id").values_list(
        "month", "workshop_id", *summaries.CASE_FIELDS, "reached_in_month"
    )
    return [*figures, *cases]


def test_every_write_of_the_small_factory_kept_them_current(small):
    assert MonthSummary.objects.filter(month=MAR).exists()
    assert MonthCaseSummary.objects.filter(month=MAR).exists()
    assert summaries.differences() == []


def test_rebuild_summaries_builds_them_from_nothing_and_again_the_same(small):
    kept = rows()
    MonthSummary.objects.all().delete()
    MonthCaseSummary.objects.all().delete()
    assert summaries.differences() != []

    call_command("rebuild_summaries")
    assert rows() == kept
    call_command("rebuild_summaries")
    assert rows() == kept
    assert summaries.differences() == []


def test_rebuild_of_one_month_recomputes_it_and_the_months_after(small):
    MonthSummary.objects.filter(month=FEB).update(on_quota=999)
    MonthSummary.objects.filter(month=MAR).update(on_quota=999)
    MonthCaseSummary.objects.filter(month=MAR).update(open=999)

    call_command("rebuild_summaries", month="1956-03")

    assert not MonthSummary.objects.filter(month=MAR, on_quota=999).exists()
    assert not MonthCaseSummary.objects.filter(open=999).exists()
    # February was not asked for: left as it was.
    assert MonthSummary.objects.filter(month=FEB, on_quota=999).exists()


def test_rebuild_summaries_refuses_a_month_that_is_not_one(db):
    with pytest.raises(CommandError, match="1956-13"):
        call_command("rebuild_summaries", month="1956-13")


def test_a_database_migrated_with_records_but_no_summaries_gets_them(small):
    kept = rows()
    MonthSummary.objects.all().delete()
    MonthCaseSummary.objects.all().delete()
    summaries.build_if_missing()
    assert rows() == kept


def test_a_month_after_the_data_keeps_the_last_months_case_statuses(small):
    later = dt.date(1957, 6, 1)
    cases = AssistanceCase.objects.order_by()
    live = {str(key): 0 for key in summaries.CASE_FIELDS}
    for case in standing.as_of(cases, later):
        live[case.status_then] += 1
    assert case_counts(month=later) == live
    assert sum(live.values()) == AssistanceCase.objects.count()
    assert reached_this_month(month=later) == 0
    assert movement_report(month=later)["workers_on_quota"] == 0


def test_a_month_before_the_data_counts_nothing(small):
    early = dt.date(1950, 1, 1)
    assert case_counts(month=early) == dict.fromkeys(summaries.CASE_FIELDS, 0)
    assert movement_report(month=early)["workers_on_quota"] == 0


def test_a_record_of_a_later_month_adds_the_months_between(small):
    # July, with nothing in April to June: the cases' rows of the months
    # between are filled, as a rebuild would.
    ProductionRecord.objects.create(
        worker=small.workers["a4"],
        month=dt.date(1956, 7, 1),
        quota=Decimal("100"),
        output=Decimal("120"),
    )
    assert summaries.differences() == []
    assert MonthCaseSummary.objects.filter(month=dt.date(1956, 5, 1)).exists()


def test_a_new_worker_or_a_renamed_one_recomputes_nothing(
    small, django_assert_max_num_queries
):
    worker = small.workers["b3"]
    worker.name = "改名"
    # the save, its history row; the summaries are not read
    with django_assert_max_num_queries(3) as queries:
        worker.save()
    assert not any("factory_monthsummary" in q["sql"] for q in queries.captured_queries)


def test_a_worker_who_moves_takes_their_records_and_cases_along(small):
    worker = small.workers["a4"]
    worker.workshop = small.workshops["jg2"]
    worker.save()
    assert summaries.differences() == []


def test_a_run_of_months_is_counted_as_the_definitions_count_each_month(small):
    """The upkeep carries every run month by month
    (assistance.outcomes.counts_month_by_month), the invariant reads the
    definitions month by month: both the same, for runs of every length
    and for every workshop alone."""
    months = summaries.data_span().months()
    assert len(months) > 2
    for start in range(len(months)):
        for end in range(start + 1, len(months) + 1):
            run = months[start:end]
            assert summaries.compute_cases(run) == (
                summaries.compute_cases_from_definitions(run)
            )
    for workshop in small.workshops.values():
        cases = AssistanceCase.objects.filter(worker__workshop=workshop)
        assert summaries.compute_cases(months, cases) == (
            summaries.compute_cases_from_definitions(months, cases)
        )


def test_the_completeness_read_from_the_rows_is_that_of_the_records(small):
    """Every page and the working month read the counts per month and
    workshop from the summaries (workers.completeness.read_counts_from)."""
    months = [FEB, MAR, dt.date(1956, 4, 1)]
    from_rows = completeness_of(months)
    assert from_rows == completeness_of(months, from_records=True)
    assert from_rows[MAR].workers_with_records > 0
    # The rows, not the records, are what is read: rows written by hand (no
    # change announced) show.
    MonthSummary.objects.filter(month=MAR).update(on_quota=0)
    assert completeness_of([MAR])[MAR].workers_with_records == 0
    assert completeness_of([MAR], from_records=True)[MAR].workers_with_records > 0


def test_a_record_reaches_the_workers_slipping_of_the_two_months_after(small):
    """A month's workers slipping read the two months before it: a February
    record made advanced makes its worker, below the standard in March,
    slip in March, and the March rows say so at once."""
    march = {
        record.worker_id: record
        for record in ProductionRecord.objects.filter(month=MAR, attainment__lt=100)
    }
    february = ProductionRecord.objects.filter(month=FEB, worker_id__in=march).first()
    assert february is not None
    before = summaries.slipping_count(MAR)
    february.output = february.quota * 2
    february.save()
    assert summaries.slipping_count(MAR) == before + 1
    assert summaries.differences() == []
