"""The month ranking (排队): order, bands from the definitions, who sees what,
and a query count that does not grow with the workshop."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.db import transaction
from django.urls import reverse

from tests.conftest import in_english
from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import AdvancedStandard, Band, Disqualification
from workers.views.records import RANKING_PAGE_SIZE

pytestmark = pytest.mark.django_db

MARCH = dt.date(1956, 3, 1)
URL = reverse("workers:ranking")


def rec(workshop, number, output, quota="100", month=MARCH):
    return ProductionRecordFactory(
        worker=WorkerFactory(employee_no=number, workshop=workshop),
        month=month,
        quota=Decimal(quota),
        output=Decimal(output),
    )


def ranked(response, code):
    section = next(
        s for s in response.context["sections"] if s["workshop"].code == code
    )
    return [(r.worker.employee_no, r.rank, r.band) for r in section["rows"]]


def test_workers_are_ranked_by_attainment_with_their_band(secretary_client, workshop):
    rec(workshop, "A1", "90")
    rec(workshop, "A2", "120")
    rec(workshop, "A3", "100", quota="100")
    rec(workshop, "A4", "120")
    barred = rec(workshop, "A5", "130")
    Disqualification.objects.create(worker=barred.worker, month=MARCH, reason="safety")
    WorkerFactory(employee_no="A6", workshop=workshop)  # no record: not ranked

    response = secretary_client.get(URL, {"workshop": "jg2", "month": "1956-03"})

    assert response.status_code == 200
    assert ranked(response, "jg2") == [
        ("A5", 1, Band.MEETS_QUOTA),
        ("A2", 2, Band.ADVANCED),
        ("A4", 2, Band.ADVANCED),
        ("A3", 4, Band.ADVANCED),
        ("A1", 5, Band.BELOW_QUOTA),
    ]
    section = response.context["sections"][0]
    assert section["bands"] == {"advanced": 3, "meets_quota": 1, "below_quota": 1}
    assert b'data-worker="A6"' not in response.content


def test_the_standard_in_force_is_used_and_shown(secretary_client, workshop):
    AdvancedStandard.objects.create(effective_from=MARCH, threshold_pct=Decimal("110"))
    rec(workshop, "B1", "105")
    rec(workshop, "B2", "110")

    response = secretary_client.get(URL, {"month": "1956-03"})

    assert ranked(response, "jg2") == [
        ("B2", 1, Band.ADVANCED),
        ("B1", 2, Band.MEETS_QUOTA),
    ]
    assert response.context["standard_pct"] == Decimal("110")
    assert b'data-standard="110' in response.content


def test_without_a_month_the_latest_month_with_records_is_shown(
    secretary_client, workshop
):
    rec(workshop, "C1", "90", month=dt.date(1956, 2, 1))
    rec(workshop, "C2", "90", month=MARCH)
    response = secretary_client.get(URL)
    assert response.context["month"] == MARCH


def test_a_bad_month_is_a_message_not_an_error(secretary_client, workshop):
    rec(workshop, "D1", "90")
    response = secretary_client.get(URL, {"month": "1956-13"})
    assert response.status_code == 200
    assert response.context["form"].errors["month"]
    assert response.context["month"] == MARCH


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_a_month_outside_the_calendar_is_a_message_not_an_error(
    secretary_client, workshop, month
):
    # The page links the month before: year 0 is no date (was a 500).
    rec(workshop, "D2", "90")
    response = secretary_client.get(URL, {"month": month, "workshop": workshop.code})
    assert response.status_code == 200
    assert response.context["form"].errors["month"]
    assert response.context["month"] == MARCH


def test_the_secretary_sees_every_workshop(secretary_client, workshop, other_workshop):
    rec(workshop, "E1", "90")
    rec(other_workshop, "E2", "110")
    response = secretary_client.get(URL, {"month": "1956-03"})
    codes = [s["workshop"].code for s in response.context["sections"]]
    assert codes == ["jg2", "zz"]


def test_a_manager_sees_only_their_workshop(manager_client, workshop, other_workshop):
    rec(workshop, "F1", "90")
    # An employee number no random token (CSRF, CSP nonce) can contain.
    rec(other_workshop, "OTHER-WORKSHOP-F2", "110")

    response = manager_client.get(URL, {"month": "1956-03"})

    assert [s["workshop"].code for s in response.context["sections"]] == ["jg2"]
    assert b"OTHER-WORKSHOP-F2" not in response.content
    assert manager_client.get(URL, {"workshop": "jg2"}).status_code == 200


def test_a_manager_gets_404_for_another_workshop(manager_client, other_workshop):
    response = manager_client.get(URL, {"workshop": "zz", "month": "1956-03"})
    assert response.status_code == 404
    assert manager_client.get(URL, {"workshop": "nope"}).status_code == 404


@pytest.mark.parametrize("persona", ["helper_client", "other_helper_client"])
def test_helpers_may_not_see_rankings(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_login(anonymous_client):
    response = anonymous_client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("size", [10, 200])
def test_query_count_does_not_grow_with_the_workshop(
    secretary_client, workshop, other_workshop, size, django_assert_num_queries
):
    with transaction.atomic():  # one transaction: the summaries kept once
        for index in range(size):
            shop = workshop if index % 2 else other_workshop
            rec(shop, f"G{index:03d}", str(index))
        Disqualification.objects.create(
            worker=WorkerFactory(workshop=workshop), month=MARCH, reason="quality"
        )
    secretary_client.get(URL, {"month": "1956-03"})  # warm the session

    # session, user, the user's permissions (2), visible workshops, the
    # month's completeness (4), standard, the standards (for the band), the
    # count, the page's records (band, standard and disqualification
    # computed in SQL), their ranks, the workshops' bands, and the
    # navigation's "is this user a helper" (the user's worker)
    with django_assert_num_queries(16):
        response = secretary_client.get(URL, {"month": "1956-03"})
    assert response.context["page"].paginator.count == size
    shown = sum(len(s["rows"]) for s in response.context["sections"])
    assert shown == min(size, RANKING_PAGE_SIZE)


@pytest.mark.parametrize("size", [10, 200])
def test_manager_query_count_is_fixed_too(
    manager_client, workshop, size, django_assert_num_queries
):
    with transaction.atomic():  # one transaction: the summaries kept once
        for index in range(size):
            rec(workshop, f"H{index:03d}", str(index))
    # session, user, permissions (2), the manager's workshops, the working
    # month and its completeness (5), standard, the standards (for the
    # band), the count, the page's records, their ranks, the workshop's
    # bands, and the navigation's "is this user a manager"
    with django_assert_num_queries(17):
        response = manager_client.get(URL, {"workshop": "jg2", "q": "H"})
    assert response.context["page"].paginator.count == size
    assert len(response.context["sections"][0]["rows"]) == min(size, RANKING_PAGE_SIZE)


# --- a page at a time, filtered and searched --------------------------------


def ranks_shown(response) -> list[tuple[str, int]]:
    return [
        (row.worker.employee_no, row.rank)
        for section in response.context["sections"]
        for row in section["rows"]
    ]


@pytest.fixture
def big_workshop(workshop):
    """More workers than a page: K000 best, then down by one point each."""
    with transaction.atomic():  # one transaction: the summaries kept once
        for index in range(RANKING_PAGE_SIZE + 5):
            rec(workshop, f"K{index:03d}", str(200 - index))
    return workshop


def test_the_ranking_is_shown_a_page_at_a_time_and_says_how_many(
    secretary_client, big_workshop
):
    first = in_english(secretary_client).get(URL, {"month": "1956-03"})
    assert first.context["page"].paginator.count == RANKING_PAGE_SIZE + 5
    assert ranks_shown(first)[:2] == [("K000", 1), ("K001", 2)]
    assert len(ranks_shown(first)) == RANKING_PAGE_SIZE
    assert f"{RANKING_PAGE_SIZE + 5} workers" in first.content.decode()
    second = secretary_client.get(URL, {"month": "1956-03", "page": "2"})
    # The order and the ranks go on across the pages.
    assert ranks_shown(second) == [
        (f"K{index:03d}", index + 1)
        for index in range(RANKING_PAGE_SIZE, RANKING_PAGE_SIZE + 5)
    ]


def test_a_workshops_bands_count_the_whole_workshop_on_every_page(
    secretary_client, big_workshop
):
    second = secretary_client.get(URL, {"month": "1956-03", "page": "2"})
    (section,) = second.context["sections"]
    assert sum(section["bands"].values()) == RANKING_PAGE_SIZE + 5


def test_search_finds_a_worker_by_employee_number_with_their_rank(
    secretary_client, big_workshop
):
    response = secretary_client.get(URL, {"month": "1956-03", "q": "K052"})
    assert ranks_shown(response) == [("K052", 53)]
    assert response.context["page"].paginator.count == 1


def test_search_finds_a_worker_by_name(secretary_client, workshop, other_workshop):
    rec(workshop, "N1", "90")
    found = rec(other_workshop, "N2", "80")
    found.worker.name = "郝建秀"
    found.worker.save()
    rec(other_workshop, "N3", "120")
    response = secretary_client.get(URL, {"month": "1956-03", "q": "建秀"})
    assert ranks_shown(response) == [("N2", 2)]


def test_the_filter_narrows_to_one_workshop(secretary_client, workshop, other_workshop):
    rec(workshop, "P1", "90")
    rec(other_workshop, "P2", "110")
    response = secretary_client.get(URL, {"month": "1956-03", "workshop": "zz"})
    assert ranks_shown(response) == [("P2", 1)]


def test_the_pages_keep_the_filters(secretary_client, big_workshop):
    response = secretary_client.get(
        URL, {"month": "1956-03", "workshop": "jg2", "q": "K0"}
    )
    (link,) = re.findall(r'href="\?([^"]*)" rel="next"', response.content.decode())
    assert parse_qs(unescape(link)) == {
        "month": ["1956-03"],
        "workshop": ["jg2"],
        "q": ["K0"],
        "page": ["2"],
    }


def test_a_search_that_matches_nobody_says_so(secretary_client, workshop):
    rec(workshop, "Q1", "90")
    response = in_english(secretary_client).get(
        URL, {"month": "1956-03", "q": "nobody"}
    )
    assert response.status_code == 200
    assert ranks_shown(response) == []
    assert 'id="ranking-no-match"' in response.content.decode()


@pytest.mark.parametrize("page_asked", ["0", "-1", "abc", "999", "1e3"])
def test_a_bad_page_is_a_page_not_an_error(secretary_client, big_workshop, page_asked):
    response = secretary_client.get(URL, {"month": "1956-03", "page": page_asked})
    assert response.status_code == 200
    assert ranks_shown(response)


def test_a_search_too_long_is_a_message_naming_the_field(secretary_client, workshop):
    rec(workshop, "S1", "90")
    response = in_english(secretary_client).get(
        URL, {"month": "1956-03", "q": "x" * 200}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["q"]
    assert "Search:" in response.content.decode()
    assert ranks_shown(response) == [("S1", 1)]  # the other filters still apply
