"""Suggested measures from this factory's closed cases (assistance.evidence)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from assistance import evidence
from assistance.models import AssistanceCase, CaseOutcome, CaseStatus, Measure
from tests.assistance.conftest import MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause, ShortfallClassification

JAN = dt.date(1956, 1, 1)


def closed(workshop, *, cause, measure, n, reached, months=1):
    """``n`` closed cases of ``cause`` and ``measure`` opened in January,
    ``reached`` of them closed as reached quota ``months`` months later."""
    for i in range(n):
        success = i < reached
        AssistanceCase.objects.create(
            worker=WorkerFactory(workshop=workshop),
            month=JAN,
            cause=cause,
            measure=measure,
            status=CaseStatus.CLOSED,
            outcome=CaseOutcome.REACHED_QUOTA if success else CaseOutcome.OTHER,
            reached_quota_month=dt.date(1956, 1 + months, 1) if success else None,
            close_reason="" if success else "调走",
        )


def test_with_few_closed_cases_the_usual_measure_is_suggested(workshop):
    closed(workshop, cause=Cause.TECHNIQUE, measure=Measure.MENTORING, n=9, reached=9)
    suggestion = evidence.suggestions()[Cause.TECHNIQUE]
    assert suggestion.measure == Measure.DEMONSTRATION
    assert not suggestion.from_evidence
    assert suggestion.closed == 9
    with translation.override("en"):
        assert suggestion.text == (
            "visit to a demonstration, the usual measure: only 9 closed cases "
            "of this cause so far, fewer than the 10 needed to compare measures."
        )


def test_the_best_record_over_ten_closed_cases_is_suggested(workshop):
    closed(workshop, cause=Cause.TECHNIQUE, measure=Measure.MENTORING, n=40, reached=31)
    closed(
        workshop,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        n=20,
        reached=10,
        months=2,
    )
    # Better share, but too few cases to count.
    closed(workshop, cause=Cause.TECHNIQUE, measure=Measure.OTHER, n=5, reached=5)
    suggestion = evidence.suggestions()[Cause.TECHNIQUE]
    assert suggestion.measure == Measure.MENTORING
    assert (suggestion.record.reached, suggestion.record.closed) == (31, 40)
    assert suggestion.record.median_months == 1
    with translation.override("en"):
        assert suggestion.text == (
            "coaching at the bench: 31 of 40 reached quota, median 1 month"
        )
    with translation.override("zh-hans"):
        assert "31" in suggestion.text and "师傅带徒" in suggestion.text
    # Other causes keep their usual measure.
    assert evidence.suggestions()[Cause.FAMILY].measure == Measure.HARDSHIP_AID


def test_an_equal_share_goes_to_the_shorter_median(workshop):
    closed(workshop, cause=Cause.IDEOLOGY, measure=Measure.OTHER, n=10, reached=10)
    closed(
        workshop,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        n=10,
        reached=10,
        months=3,
    )
    assert evidence.suggestions()[Cause.IDEOLOGY].measure == Measure.OTHER


def test_the_suggestions_take_one_query(workshop, django_assert_num_queries):
    closed(workshop, cause=Cause.FAMILY, measure=Measure.HARDSHIP_AID, n=12, reached=6)
    # The closed cases grouped by cause, measure, outcome and months.
    with django_assert_num_queries(1):
        evidence.suggestions()


def test_the_opening_page_shows_the_evidence(secretary_client, workshop, secretary):
    closed(workshop, cause=Cause.TECHNIQUE, measure=Measure.MENTORING, n=40, reached=31)
    worker = WorkerFactory(workshop=workshop, name="新")
    record(worker, MAR, 70)
    ShortfallClassification.objects.create(
        worker=worker, month=MAR, cause=Cause.TECHNIQUE
    )
    page = in_english(secretary_client).get(
        reverse("assistance:cases_open"), {"month": "1956-03", "worker": worker.pk}
    )
    assert page.context["formset"].forms[0].initial["measure"] == Measure.MENTORING
    body = page.content.decode()
    assert "coaching at the bench: 31 of 40 reached quota, median 1 month" in body
    assert "Suggested from this factory" in body
    assert page.context["suggested"][Cause.TECHNIQUE] == Measure.MENTORING


@pytest.mark.parametrize("cause", Cause.values)
def test_every_cause_has_a_suggestion(db, cause):
    assert evidence.suggestions()[cause].measure in Measure.values
