"""The work queue: every count equals the length of the list it links to."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from assistance.models import AssistanceCase
from assistance.services import open_case, propose_closure
from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.factory.test_report_data import FEB, MAR, build_small_factory
from workers.models import Cause, PoliticalStatus

JAN = dt.date(1956, 1, 1)
DEC = dt.date(1955, 12, 1)


@pytest.fixture
def world(db, workshop, other_workshop, secretary, settings):
    small = build_small_factory(workshop, other_workshop)
    # A worker slipping: 120 → 110 → 103, still above quota but falling.
    slider = WorkerFactory(employee_no="T-s1", workshop=workshop)
    for month, output in ((JAN, "120"), (FEB, "110"), (MAR, "103")):
        ProductionRecordFactory(
            worker=slider, month=month, quota=Decimal("100"), output=Decimal(output)
        )
    # A helper over the limit of one case.
    busy = WorkerFactory(
        employee_no="T-h9",
        workshop=workshop,
        political_status=PoliticalStatus.PARTY_MEMBER,
    )
    for key in ("b2", "a2"):
        open_case(
            worker=small.workers[key],
            month=FEB,
            cause=Cause.TECHNIQUE,
            measure="mentoring",
            helpers=[busy],
            opened_by=secretary,
        )
    # A case stuck in February, the working month: 80% in December, when
    # it was opened, and 82% now.
    stuck = WorkerFactory(employee_no="T-st", workshop=workshop)
    for month, output in ((DEC, "80"), (FEB, "82")):
        ProductionRecordFactory(
            worker=stuck, month=month, quota=Decimal("100"), output=Decimal(output)
        )
    open_case(
        worker=stuck,
        month=DEC,
        cause=Cause.TECHNIQUE,
        measure="mentoring",
        helpers=[busy],
        opened_by=secretary,
    )
    # A trade group whose quota may be wrong in February: zz's five
    # moulders all below quota, against 5 of the other 16 workers on quota.
    for number, (trade, output) in enumerate(
        [("铸工", "80")] * 5 + [("钳工", "100")] * 5, start=1
    ):
        ProductionRecordFactory(
            worker=WorkerFactory(
                employee_no=f"T-q{number}", workshop=other_workshop, trade=trade
            ),
            month=FEB,
            quota=Decimal("100"),
            output=Decimal(output),
        )
    # A demonstration of high-speed cutting long ago: its lathe operators'
    # checks at the machine are overdue (b1 and a1).
    from assistance.models import Demonstration
    from workers.models import Experience

    cutting = Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀"
    )
    shown = Demonstration.objects.create(
        experience=cutting,
        technique=cutting.name,
        demonstrator=small.workers["b3"],
        workshop=workshop,
        date=dt.date(1956, 3, 10),
    )
    shown.attendees.add(small.workers["b1"], small.workers["a1"])
    # The committee lowers the limit to one case: busy is now over it.
    settings.CASE_HELPER_LIMIT = 1
    propose_closure(case=small.cases["a3"], by=secretary)
    # A helper who left the factory while helping a4.
    gone = small.cases["a4"].helpers.get()
    gone.active = False
    gone.save()
    return small


def listed(client, url: str) -> int:
    """How many rows the page at ``url`` lists."""
    response = client.get(url)
    assert response.status_code == 200, url
    path = urlparse(url).path
    context = response.context
    if path == reverse("reports:dashboard"):
        return len(context["completeness"]["missing"])
    if path == reverse("assistance:classification_queue"):
        return sum(len(group.rows) for group in context["groups"])
    if path == reverse("assistance:slipping"):
        return len(context["records"])
    if path == reverse("assistance:stuck_cases"):
        return len(context["cases"])
    if path == reverse("workers:quota_reviews"):
        return len(context["sections"])
    if path == reverse("assistance:case_list"):
        if context.get("bulk_close"):
            # The list of cases that reached quota says how many wait.
            return context["waiting"]
        return context["page"].paginator.count
    if path == reverse("assistance:helper_loads"):
        return len(context["helpers"])
    if path == reverse("assistance:machine_checks"):
        return context["page"].paginator.count
    raise AssertionError(f"no list known at {url}")


def test_every_count_equals_the_list_it_links_to(world, secretary_client):
    home = secretary_client.get(reverse("home"))
    sections = home.context["work_queue"]
    items = [item for section in sections for item in section.items]
    keys = {item.key for item in items}
    assert {
        "unreported",
        "unclassified",
        "uncased",
        "slipping",
        "to_close",
        "proposed",
        "quiet",
        "over_load",
        "helpers_gone",
        "quota_reviews",
        "stuck",
        "checks_overdue",
    } <= keys
    nonzero = [item for item in items if item.count]
    # The world has something to do in every kind of item but two: no case
    # is quiet, and none reached quota by February, the working month (the
    # next test closes March's).
    assert {item.key for item in nonzero} >= keys - {"quiet", "to_close"}
    for item in items:
        assert item.url, item.key
        assert listed(secretary_client, item.url) == item.count, item.key
    body = home.content.decode()
    assert 'id="work-queue"' in body
    march = {i.key: i.count for i in sections[1].items}
    # T-s1 falls towards quota; b4 (below quota now) and a2 (disqualified)
    # were advanced producers in February and are not in March.
    assert march["slipping"] == 3
    assert f'data-item="slipping" data-count="{march["slipping"]}"' in body


def test_only_cases_that_reached_quota_by_the_working_month_wait_to_be_closed(
    world, secretary_client, secretary
):
    from factory.figures.publishing import mark_month_complete

    def to_close():
        home = secretary_client.get(reverse("home"))
        items = {i.key: i for s in home.context["work_queue"] for i in s.items}
        return items["to_close"].count, listed(secretary_client, items["to_close"].url)

    reached = AssistanceCase.objects.filter(status="reached_quota")
    assert reached.exists() and not reached.filter(reached_quota_month__lte=FEB)
    # February is the working month: March's wait for March.
    assert to_close() == (0, 0)
    mark_month_complete(month=MAR, by=secretary)
    assert to_close() == (reached.count(), reached.count())


def test_the_working_month_and_the_month_being_collected(world, secretary_client):
    sections = secretary_client.get(reverse("home")).context["work_queue"]
    # March is partial (zz has not reported): February is the working month.
    assert [s.month for s in sections[:2]] == [FEB, MAR]
    collecting = {item.key: item.count for item in sections[1].items}
    assert collecting["unreported"] == 1  # zz


def test_the_working_months_stuck_cases_are_counted_and_linked(
    world, secretary_client, other_manager_client
):
    items = {
        i.key: i
        for s in secretary_client.get(reverse("home")).context["work_queue"]
        for i in s.items
    }
    # T-st, February (the working month), not March (being collected).
    assert items["stuck"].count == 1
    assert items["stuck"].url.endswith("?month=1956-02")
    assert listed(secretary_client, items["stuck"].url) == 1
    # zz's director: no stuck case of theirs, and the list agrees.
    theirs = {
        i.key: i
        for s in other_manager_client.get(reverse("home")).context["work_queue"]
        for i in s.items
    }
    assert theirs["stuck"].count == 0
    assert listed(other_manager_client, theirs["stuck"].url) == 0


def test_a_director_sees_counts_of_their_workshops_read_only(
    world, manager_client, secretary_client
):
    home = manager_client.get(reverse("home"))
    assert home.context["read_only"]
    items = {i.key: i for s in home.context["work_queue"] for i in s.items}
    # Lists a director may not open have no link.
    assert items["to_close"].url is None
    assert "over_load" not in items and "helpers_gone" not in items
    # Counts are of the director's workshop (jg2) only.
    everyone = {
        i.key: i.count
        for s in secretary_client.get(reverse("home")).context["work_queue"]
        for i in s.items
    }
    assert items["to_close"].count <= everyone["to_close"]
    jg2_to_close = AssistanceCase.objects.filter(
        status="reached_quota",
        worker__workshop__code="jg2",
        reached_quota_month__lte=FEB,
    ).count()
    assert items["to_close"].count == jg2_to_close
    assert listed(manager_client, items["slipping"].url) == items["slipping"].count


def test_a_trade_group_leaves_the_count_once_the_committee_decides(
    world, secretary_client, manager_client, secretary
):
    from workers.services import decide_quota_review

    def quota_reviews(client):
        home = client.get(reverse("home"))
        items = {i.key: i for i in home.context["work_queue"][0].items}
        item = items["quota_reviews"]
        return item.count, listed(client, item.url)

    assert quota_reviews(secretary_client) == (1, 1)
    # bob directs jg2: zz's moulders are not among his.
    assert quota_reviews(manager_client) == (0, 0)
    decide_quota_review(
        workshop=world.workshops["zz"],
        trade="铸工",
        month=FEB,
        decision="kept",
        reason="砂型合格，定额合理",
        seen_version=0,
        by=secretary,
    )
    assert quota_reviews(secretary_client) == (0, 0)
