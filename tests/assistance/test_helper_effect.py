"""Helpers' results against their cases' causes (assistance.helper_effect,
/cases/helpers/effect/), on a small factory whose shares are counted by hand.

Twenty cases closed in April 1956, every one opened in January:

- technique, 10 closed, 6 reached quota: the factory's share 3/5 (ten
  closed cases: the cause's own share);
- ideology, 5 closed, 1 reached: fewer than ten, so the share of all
  causes, 10 reached of 20 = 1/2 (not 1/5);
- family, 5 closed, 3 reached: 1/2 as well.

团支书 (the helper persona) was on 4 technique cases (3 reached, after 1, 2
and 3 months) and 2 ideology cases (1 reached, after 3 months), and has one
case still open: 6 closed, 4 reached, expected 4 × 3/5 + 2 × 1/2 = 3.4,
median months (1, 2, 3, 3) 2.5. 韩文联 (the other helper) was on the 5
family cases: 3 reached after 1 month each, expected 2.5. 秦向东 was on 4
technique cases only: never listed. Two more helpers share the other five.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import os
import re
import shutil
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.urls import reverse

from assistance import helper_effect
from assistance.models import SUGGESTED_MEASURE, CaseOutcome
from assistance.services import close_case, open_case
from factory.roles import HELPER
from tests.conftest import in_english
from tests.factories import UserFactory, WorkerFactory
from tests.factory.test_html_valid import VNU, vnu_errors
from workers.models import Cause, PoliticalStatus
from workers.months import add_months
from workers.services import RecordInput, save_records

pytestmark = pytest.mark.world_per_module

JAN = dt.date(1956, 1, 1)
MAR, APR, MAY = dt.date(1956, 3, 1), dt.date(1956, 4, 1), dt.date(1956, 5, 1)
URL = reverse("assistance:helper_effect")
CSV_URL = reverse("assistance:helper_effect_csv")


def closed_cases(workshop, specs, *, closed_in=APR) -> list:
    """A case opened in January for a new worker below quota then, per
    (cause, months until quota or 0 for never, helpers); closed effective
    in ``closed_in`` as reached quota, or as "other" when never reached."""
    workers = [WorkerFactory(workshop=workshop) for _spec in specs]
    rows = []
    for worker, (_cause, after, _helpers) in zip(workers, specs, strict=True):
        rows.append(RecordInput(worker.pk, JAN, Decimal(100), Decimal(80)))
        if after:
            month = add_months(JAN, after)
            rows.append(RecordInput(worker.pk, month, Decimal(100), Decimal(110)))
    save_records(rows=rows, by=None, source="test")
    cases = []
    for worker, (cause, after, helpers) in zip(workers, specs, strict=True):
        case = open_case(
            worker=worker,
            month=JAN,
            cause=cause,
            measure=SUGGESTED_MEASURE[cause],
            helpers=helpers,
            opened_by=None,
        )
        if closed_in is not None:
            case = close_case(
                case=case,
                by=None,
                outcome=CaseOutcome.REACHED_QUOTA if after else CaseOutcome.OTHER,
                reason="" if after else "调到别的厂",
                effective_month=closed_in,
            )
        cases.append(case)
    return cases


def build(people) -> dict:
    h, k = people.helper.worker, people.other_helper.worker
    g_user = UserFactory(username="qin", groups=[HELPER])
    g = WorkerFactory(
        name="秦向东",
        workshop=people.workshop,
        political_status=PoliticalStatus.PARTY_MEMBER,
        user=g_user,
    )
    # Two more helpers share the rest, three cases and two: neither listed.
    p, q = (
        WorkerFactory(
            workshop=people.workshop, political_status=PoliticalStatus.LEAGUE_MEMBER
        )
        for _ in range(2)
    )
    technique, ideology, family = Cause.TECHNIQUE, Cause.IDEOLOGY, Cause.FAMILY
    closed_cases(
        people.workshop,
        [
            *[(technique, after, [h]) for after in (1, 2, 3, 0)],
            *[(technique, after, [g]) for after in (1, 1, 0, 0)],
            (technique, 2, [p]),
            (technique, 0, [p]),
            (ideology, 3, [h]),
            (ideology, 0, [h]),
            (ideology, 0, [p]),
            (ideology, 0, [q]),
            (ideology, 0, [q]),
            *[(family, after, [k]) for after in (1, 1, 1, 0, 0)],
        ],
    )
    # Still open: not a closed case of anyone's.
    closed_cases(people.workshop, [(technique, 0, [h])], closed_in=None)
    return {"h": h, "k": k, "g": g, "g_user": g_user, "workshop": people.workshop}


@pytest.fixture(scope="module")
def shared_effect_world(shared_people) -> dict:
    with transaction.atomic():  # one transaction: the summaries kept once
        return build(shared_people)


@pytest.fixture
def world(shared_effect_world, db) -> dict:
    return copy.deepcopy(shared_effect_world)


def _by_name(effects) -> dict:
    return {effect.helper.name: effect for effect in effects}


# --- the definition -----------------------------------------------------------


def test_a_helpers_effect_is_their_reached_against_the_factorys_shares(world):
    effect = _by_name(helper_effect.helper_effects(APR))["团支书"]
    assert effect.closed == 6  # the open case is not one
    assert effect.actual == 4
    assert effect.expected == Fraction(17, 5)
    assert effect.expected_shown == Decimal("3.4")
    assert effect.difference == Decimal("0.6")
    assert effect.median_months == 2.5


def test_a_cause_with_fewer_than_ten_closed_cases_takes_the_share_of_all_causes(
    world,
):
    shares = helper_effect.factory_shares(helper_effect.closed_cases(APR).values())
    # Technique has exactly ten closed cases: its own share. Ideology (5)
    # and family (5) fall back to all causes: 10 of 20.
    assert shares == {"": Fraction(1, 2), Cause.TECHNIQUE: Fraction(3, 5)}
    effect = _by_name(helper_effect.helper_effects(APR))["韩文联"]
    assert (effect.closed, effect.actual, effect.expected) == (5, 3, Fraction(5, 2))
    assert effect.median_months == 1


def test_a_helper_with_four_closed_cases_is_not_listed(world):
    assert sorted(_by_name(helper_effect.helper_effects(APR))) == ["团支书", "韩文联"]
    assert helper_effect.effect_of(world["g"], APR) is None


def test_cases_count_as_they_stood_at_the_end_of_the_month(world):
    # In March nothing was closed yet.
    assert helper_effect.helper_effects(MAR) == []
    # One more technique case of 团支书's, closed as reached quota in May:
    # not April's; May's, with technique now 7 of 11 and all causes 11 of 21.
    closed_cases(world["workshop"], [(Cause.TECHNIQUE, 2, [world["h"]])], closed_in=MAY)
    assert helper_effect.effect_of(world["h"], APR).closed == 6
    effect = helper_effect.effect_of(world["h"], MAY)
    assert (effect.closed, effect.actual) == (7, 5)
    assert effect.expected == 5 * Fraction(7, 11) + 2 * Fraction(11, 21)


def test_the_effects_take_three_queries_whatever_the_size(
    world, django_assert_num_queries
):
    # The helpers' cases closed by then, the factory's closed cases, the
    # helpers' roster rows with their workshops.
    with django_assert_num_queries(3):
        assert len(helper_effect.helper_effects(APR)) == 2
    more = WorkerFactory(
        workshop=world["workshop"], political_status=PoliticalStatus.LEAGUE_MEMBER
    )
    closed_cases(
        world["workshop"],
        [(Cause.OTHER, after, [more, world["g"]]) for after in (1, 2, 0, 0, 0, 0)],
    )
    with django_assert_num_queries(3):
        assert len(helper_effect.helper_effects(APR)) == 4
    # One helper's own line: their cases, then the factory's (none read for
    # a helper with too few).
    with django_assert_num_queries(2):
        helper_effect.effect_of(world["h"], APR)
    with django_assert_num_queries(1):
        helper_effect.effect_of(world["k"], MAR)


# --- the page and its CSV -----------------------------------------------------


def _page_rows(response) -> list[list[str]]:
    """The table's rows as text, cell by cell ("—" read as empty)."""
    html = response.content.decode()
    body = html.split('id="helper-effect-table"', 1)[1].split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("</tbody>")[0], re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        texts = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
        rows.append(["" if text == "—" else text for text in texts])
    return rows


def _order(response) -> list[str]:
    return re.findall(r'<tr data-helper="([^"]+)"', response.content.decode())


def test_the_page_lists_each_helper_with_their_figures(secretary_client, world):
    response = in_english(secretary_client).get(URL, {"month": "1956-04"})
    assert response.status_code == 200
    h, k = world["h"], world["k"]
    assert _page_rows(response) == [
        ["团支书", h.employee_no, "第二机工车间", "6", "4", "3.4", "0.6", "2.5"],
        ["韩文联", k.employee_no, "第二机工车间", "5", "3", "2.5", "0.5", "1"],
    ]
    body = response.content.decode()
    assert "Expected" in body and "takes the share of all causes" in body
    assert "秦向东" not in body


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("", "h"),  # by actual − expected, largest first
        ("-difference", "h"),
        ("difference", "k"),
        ("closed", "k"),
        ("-closed", "h"),
        ("median", "k"),
        ("-median", "h"),
        ("-name", "k"),
        ("name", "h"),
        ("-employee_no", "k"),
        ("expected", "k"),
        ("nonsense", "h"),  # unknown: the default order, never an error
        ("-", "h"),
    ],
)
def test_the_table_sorts_by_the_column_asked_for(secretary_client, world, sort, first):
    response = secretary_client.get(URL, {"month": "1956-04", "sort": sort})
    assert response.status_code == 200
    other = "k" if first == "h" else "h"
    expected = [world[first].employee_no, world[other].employee_no]
    assert _order(response) == expected
    # The CSV follows the same order.
    rows = list(csv.reader(io.StringIO(_csv_text(secretary_client, sort))))
    assert [row[1] for row in rows[1:]] == expected


def test_a_header_link_sorts_by_its_column_and_then_the_other_way(
    secretary_client, world
):
    html = secretary_client.get(URL, {"month": "1956-04"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?month=1956-04&amp;sort=name"' in html
    assert 'href="?month=1956-04&amp;sort=-closed"' in html
    # Sorted by difference, largest first: its link turns it round.
    assert 'href="?month=1956-04&amp;sort=difference"' in html
    again = secretary_client.get(URL, {"month": "1956-04", "sort": "name"})
    assert 'href="?month=1956-04&amp;sort=-name"' in again.content.decode()


def _csv_text(client, sort="") -> str:
    response = client.get(CSV_URL, {"month": "1956-04", "sort": sort})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode("utf-8-sig")


def test_the_csvs_rows_are_the_pages(secretary_client, world):
    client = in_english(secretary_client)
    page = _page_rows(client.get(URL, {"month": "1956-04", "sort": "median"}))
    rows = list(csv.reader(io.StringIO(_csv_text(client, "median"))))
    assert rows[0] == [
        "Name",
        "Employee number",
        "Workshop",
        "Closed cases",
        "Reached quota",
        "Expected",
        "Reached − expected",
        "Median months to quota",
    ]
    assert rows[1:] == page
    assert len(page) == 2


def test_a_bad_month_is_reported_not_an_error(secretary_client, world):
    response = secretary_client.get(URL, {"month": "1956-13", "sort": "<b>"})
    assert response.status_code == 200
    assert secretary_client.get(CSV_URL, {"month": "nope"}).status_code == 200


def test_with_nobody_listed_the_page_says_so(secretary_client, world):
    response = in_english(secretary_client).get(URL, {"month": "1956-03"})
    assert "No helper has 5 closed cases yet." in response.content.decode()


@pytest.mark.parametrize("url", [URL, CSV_URL])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary", 200),
        ("manager", 403),
        ("other_manager", 403),
        ("helper", 403),
        ("other_helper", 403),
    ],
)
def test_the_table_is_the_secretarys_only(request, world, url, persona, status):
    client = request.getfixturevalue(f"{persona}_client")
    assert client.get(url, {"month": "1956-04"}).status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(anonymous_client, world):
    for url in (URL, CSV_URL):
        response = anonymous_client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_helpers_page_links_to_the_table(secretary_client, world):
    html = secretary_client.get(reverse("assistance:helper_loads")).content.decode()
    assert f'href="{URL}"' in html


# --- the helper's own line ---------------------------------------------------


def test_a_helper_sees_their_own_line_on_their_page(helper_client, world):
    # As of the working month, April (the latest month with records).
    html = in_english(helper_client).get(reverse("assistance:my_cases"))
    html = html.content.decode()
    section = html.split('id="my-effect"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'data-figure="closed">6<', section)
    assert re.search(r'data-figure="actual">4<', section)
    assert re.search(r'data-figure="expected">3.4<', section)
    assert re.search(r'data-figure="median">2.5<', section)
    # Nobody else's figures or name.
    assert "韩文联" not in html and world["k"].employee_no not in html


def test_a_helper_with_fewer_than_five_closed_cases_is_told_when_theirs_show(
    client, world
):
    client.force_login(world["g_user"])
    html = in_english(client).get(reverse("assistance:my_cases")).content.decode()
    assert "Your results against the causes show here after 5 closed cases." in html
    assert 'data-figure="closed"' not in html


def test_the_page_takes_the_same_queries_whatever_the_size(
    secretary_client, world, django_assert_num_queries
):
    # session, user, permissions (user's and groups'), the user's worker
    # (the navigation), the month's completeness (four), then the three of
    # helper_effects.
    with django_assert_num_queries(12):
        secretary_client.get(URL, {"month": "1956-04"})
    more = WorkerFactory(
        workshop=world["workshop"], political_status=PoliticalStatus.PARTY_MEMBER
    )
    closed_cases(
        world["workshop"],
        [(Cause.FAMILY, after, [more, world["g"]]) for after in (1, 3, 0, 0, 0)],
    )
    with django_assert_num_queries(12):
        response = secretary_client.get(URL, {"month": "1956-04"})
    assert len(_order(response)) == 4


# --- valid HTML, with rows (the access matrix's world has none to show) ------


@pytest.mark.skipif(
    not (VNU.exists() and shutil.which("java")) and not os.environ.get("CI"),
    reason="the Nu Html Checker is not installed: make var/vnu/vnu.jar (needs java)",
)
def test_the_table_and_the_helpers_line_pass_the_nu_html_checker(
    secretary_client, helper_client, world, tmp_path
):
    pages = {
        "table": secretary_client.get(URL, {"month": "1956-04"}),
        "table, English": in_english(secretary_client).get(
            URL, {"month": "1956-04", "sort": "name"}
        ),
        "my cases": helper_client.get(reverse("assistance:my_cases")),
    }
    files = []
    for number, response in enumerate(pages.values()):
        assert response.status_code == 200
        path = tmp_path / f"page-{number}.html"
        path.write_text(response.content.decode(), encoding="utf-8")
        files.append(path)
    errors = vnu_errors(files)
    assert errors == []
