"""The experience a technique case's worker is to learn (DESIGN.md,
"Advanced experience"): changed or cleared on the case page by whoever
changes the case, with the opening's rule of trades, a stale form refused,
and a trace in the case's history; and the case list filtered by it."""

import datetime as dt
import os
import shutil

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assistance.models import AssistanceCase, CaseEvent, CaseEventKind, Measure
from assistance.services import (
    StaleEditError,
    change_experience,
    close_case,
    open_case,
)
from tests.assistance.conftest import MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from tests.factory.test_html_valid import VNU, vnu_errors
from workers.models import Cause, Experience, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery


@pytest.fixture
def cutting(db):
    return Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀，高转速"
    )


@pytest.fixture
def many_edges(db):
    return Experience.objects.create(
        name="多刀多刃切削", trades=["车工"], description="一次装夹，几把刀同时切削"
    )


@pytest.fixture
def moulding(db):
    return Experience.objects.create(
        name="快速造型法", trades=["铸工"], description="砂箱一次成型"
    )


def _technique_case(worker, helper_worker, secretary, experience=None):
    record(worker, MAR, 70)
    return open_case(
        worker=worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
        experience=experience,
    )


@pytest.fixture
def lathe_case(workshop, helper_worker, secretary, cutting):
    """A lathe operator below quota through backward technique, to learn
    high-speed cutting."""
    worker = WorkerFactory(
        name="李车工", employee_no="L1", workshop=workshop, trade="车工"
    )
    return _technique_case(worker, helper_worker, secretary, cutting)


def _events(case) -> list[CaseEvent]:
    return list(case.events.filter(kind=CaseEventKind.EXPERIENCE_CHANGED))


# --- the service ----------------------------------------------------------------


def test_a_change_is_kept_in_the_history_with_who_and_when(
    lathe_case, many_edges, secretary
):
    version = lathe_case.version
    changed = change_experience(
        case=lathe_case,
        experience=many_edges,
        by=secretary,
        expected_version=version,
    )
    assert changed.experience == many_edges
    assert changed.version == version + 1
    lathe_case.refresh_from_db()
    assert lathe_case.experience == many_edges
    (event,) = _events(lathe_case)
    assert event.by == secretary
    assert event.at is not None
    # A person's action: effective in the working month (March here).
    assert event.effective_month == MAR
    assert (event.from_status, event.to_status) == ("open", "open")
    assert event.summary == "要学习的先进经验：高速切削法 → 多刀多刃切削"


def test_clearing_and_naming_again_are_changes_too(lathe_case, cutting, secretary):
    change_experience(case=lathe_case, experience=None, by=secretary)
    lathe_case.refresh_from_db()
    assert lathe_case.experience is None
    change_experience(case=lathe_case, experience=cutting, by=secretary)
    assert [event.note for event in _events(lathe_case)] == [
        "高速切削法 → ",
        " → 高速切削法",
    ]
    assert [event.summary for event in _events(lathe_case)] == [
        "要学习的先进经验：高速切削法 → —",
        "要学习的先进经验：— → 高速切削法",
    ]


def test_the_same_experience_again_changes_nothing(lathe_case, cutting, secretary):
    version = lathe_case.version
    change_experience(case=lathe_case, experience=cutting, by=secretary)
    lathe_case.refresh_from_db()
    assert lathe_case.version == version
    assert _events(lathe_case) == []


def test_a_form_drawn_before_another_change_is_stale(lathe_case, many_edges, secretary):
    old = lathe_case.version
    change_experience(case=lathe_case, experience=None, by=secretary)
    with pytest.raises(StaleEditError) as stale:
        change_experience(
            case=lathe_case, experience=many_edges, by=secretary, expected_version=old
        )
    assert stale.value.current.version == old + 1
    lathe_case.refresh_from_db()
    assert lathe_case.experience is None
    assert len(_events(lathe_case)) == 1


def test_an_experience_of_another_trade_is_refused_as_at_the_opening(
    lathe_case, moulding, secretary, workshop, helper_worker
):
    """One rule for both (assistance.services.common.check_experience)."""
    with pytest.raises(ValidationError) as refused:
        change_experience(case=lathe_case, experience=moulding, by=secretary)
    assert refused.value.error_dict["experience"][0].code == "not_of_trade"
    other = WorkerFactory(workshop=workshop, trade="车工")
    record(other, MAR, 70)
    with pytest.raises(ValidationError) as at_the_opening:
        open_case(
            worker=other,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper_worker],
            opened_by=secretary,
            experience=moulding,
        )
    assert at_the_opening.value.error_dict["experience"][0].code == "not_of_trade"
    lathe_case.refresh_from_db()
    assert lathe_case.experience.name == "高速切削法"


def test_a_case_of_another_cause_is_only_cleared(case, lathe_case, cutting, secretary):
    """``case`` is of an ideological problem: nothing to learn is named; a
    re-diagnosed case that still names one may have it cleared."""
    with pytest.raises(ValidationError) as refused:
        change_experience(case=case, experience=cutting, by=secretary)
    assert refused.value.error_dict["experience"][0].code == "not_technique"
    AssistanceCase.objects.filter(pk=lathe_case.pk).update(cause=Cause.IDEOLOGY)
    change_experience(case=lathe_case, experience=None, by=secretary)
    lathe_case.refresh_from_db()
    assert lathe_case.experience is None


def test_a_closed_case_is_not_changed(lathe_case, many_edges, secretary):
    close_case(case=lathe_case, by=secretary, outcome="other", reason="调走了")
    with pytest.raises(ValidationError) as refused:
        change_experience(case=lathe_case, experience=many_edges, by=secretary)
    assert refused.value.code == "closed"
    assert _events(lathe_case) == []


# --- the case page --------------------------------------------------------------


def _case_url(case) -> str:
    return reverse("assistance:case_detail", args=[case.pk])


def _change_url(case) -> str:
    return reverse("assistance:case_experience", args=[case.pk])


def test_the_secretary_changes_it_on_the_case_page(
    lathe_case, many_edges, moulding, secretary_client
):
    page = in_english(secretary_client).get(_case_url(lathe_case))
    form = page.context["experience_form"]
    offered = [value for value, _label in form.fields["experience"].choices]
    # The worker's trade's, as at the opening (by name: nobody masters one
    # yet); none of another trade.
    assert offered == ["", many_edges.pk, lathe_case.experience_id]
    assert form["experience"].value() == lathe_case.experience_id
    html = page.content.decode()
    assert f'action="{_change_url(lathe_case)}"' in html
    assert 'id="case-experience-form"' in html
    response = secretary_client.post(
        _change_url(lathe_case),
        {"experience": many_edges.pk, "version": lathe_case.version},
    )
    assert response.status_code == 302
    assert response.url == _case_url(lathe_case)
    lathe_case.refresh_from_db()
    assert lathe_case.experience == many_edges
    # The history says who changed it and to what.
    page = in_english(secretary_client).get(_case_url(lathe_case)).content.decode()
    assert "experience to learn: 高速切削法 → 多刀多刃切削" in page
    assert "— alice" in page


def test_an_experience_the_worker_has_mastered_since_stays_chosen(
    lathe_case, secretary_client
):
    """The opening offers only what the worker has not mastered; the case's
    own is offered still, so the form shows it and saving keeps it."""
    record_mastery(
        rows=[
            MasteryInput(
                lathe_case.worker_id,
                lathe_case.experience_id,
                MasteryLevel.APPLIES,
                dt.date(1956, 4, 2),
            )
        ],
        by=None,
    )
    form = secretary_client.get(_case_url(lathe_case)).context["experience_form"]
    offered = [value for value, _label in form.fields["experience"].choices]
    assert offered.count(lathe_case.experience_id) == 1
    assert form["experience"].value() == lathe_case.experience_id


def test_it_is_cleared_with_the_blank_choice(lathe_case, secretary_client):
    response = secretary_client.post(
        _change_url(lathe_case), {"experience": "", "version": lathe_case.version}
    )
    assert response.status_code == 302
    lathe_case.refresh_from_db()
    assert lathe_case.experience is None
    # Still offered, to name one again.
    page = secretary_client.get(_case_url(lathe_case))
    assert page.context["experience_form"] is not None


def test_a_stale_form_is_answered_with_the_case_as_it_is_now(
    lathe_case, many_edges, secretary, secretary_client
):
    drawn = lathe_case.version
    change_experience(case=lathe_case, experience=None, by=secretary)
    response = in_english(secretary_client).post(
        _change_url(lathe_case), {"experience": many_edges.pk, "version": drawn}
    )
    assert response.status_code == 200
    form = response.context["experience_form"]
    assert "Someone else changed this while you were editing it" in str(
        form.non_field_errors()
    )
    # What was chosen stays, with the version now: saving again overwrites.
    assert form["experience"].value() == str(many_edges.pk)
    assert form["version"].value() == drawn + 1
    assert 'id="error-summary"' in response.content.decode()
    lathe_case.refresh_from_db()
    assert lathe_case.experience is None


def test_an_experience_of_another_trade_is_not_offered_nor_taken(
    lathe_case, moulding, secretary_client
):
    response = in_english(secretary_client).post(
        _change_url(lathe_case),
        {"experience": moulding.pk, "version": lathe_case.version},
    )
    assert response.status_code == 200
    assert "experience" in response.context["experience_form"].errors
    lathe_case.refresh_from_db()
    assert lathe_case.experience.name == "高速切削法"


def test_only_who_changes_the_case_changes_it(
    lathe_case,
    many_edges,
    helper_client,
    other_helper_client,
    manager_client,
):
    data = {"experience": many_edges.pk, "version": lathe_case.version}
    # The case's own helper reads the experience, without the form.
    page = helper_client.get(_case_url(lathe_case))
    assert page.context["experience_form"] is None
    assert 'id="case-experience-name"' in page.content.decode()
    assert helper_client.post(_change_url(lathe_case), data).status_code == 403
    assert other_helper_client.post(_change_url(lathe_case), data).status_code == 404
    assert manager_client.post(_change_url(lathe_case), data).status_code == 403
    assert helper_client.get(_change_url(lathe_case)).status_code == 405
    lathe_case.refresh_from_db()
    assert lathe_case.experience.name == "高速切削法"


def test_no_form_for_a_closed_case_or_one_of_another_cause(
    lathe_case, case, many_edges, secretary, secretary_client
):
    assert secretary_client.get(_case_url(case)).context["experience_form"] is None
    close_case(case=lathe_case, by=secretary, outcome="other", reason="调走了")
    page = secretary_client.get(_case_url(lathe_case))
    assert page.context["experience_form"] is None
    response = secretary_client.post(
        _change_url(lathe_case),
        {"experience": many_edges.pk, "version": lathe_case.version + 1},
    )
    assert response.status_code == 200
    assert response.context["experience_form"].errors


# --- the case list --------------------------------------------------------------


@pytest.fixture
def learners(lathe_case, many_edges, workshop, helper_worker, secretary):
    """Three cases to learn high-speed cutting (L1…L3), one another
    experience (M1), one none (N1)."""
    for number in ("L2", "L3"):
        worker = WorkerFactory(employee_no=number, workshop=workshop, trade="车工")
        _technique_case(worker, helper_worker, secretary, lathe_case.experience)
    other = WorkerFactory(employee_no="M1", workshop=workshop, trade="车工")
    _technique_case(other, helper_worker, secretary, many_edges)
    none = WorkerFactory(employee_no="N1", workshop=workshop, trade="车工")
    _technique_case(none, helper_worker, secretary)
    return lathe_case.experience


def _numbers(page) -> list[str]:
    return sorted(case.worker.employee_no for case in page)


def test_the_case_list_is_filtered_by_the_experience_to_learn(
    learners, secretary_client
):
    response = secretary_client.get(
        reverse("assistance:case_list"), {"experience": learners.pk}
    )
    assert _numbers(response.context["page"]) == ["L1", "L2", "L3"]
    html = response.content.decode()
    assert f'<option value="{learners.pk}" selected>高速切削法</option>' in html
    # Its CSV too.
    rows = secretary_client.get(
        reverse("assistance:case_export"), {"experience": learners.pk}
    ).content.decode("utf-8-sig")
    assert sorted(line.split(",")[0] for line in rows.splitlines()[1:]) == [
        "L1",
        "L2",
        "L3",
    ]
    unknown = secretary_client.get(reverse("assistance:case_list"), {"experience": 0})
    assert unknown.context["form"].errors
    assert list(unknown.context["page"]) == []


def test_the_pages_keep_the_experience(learners, secretary_client, monkeypatch):
    monkeypatch.setattr("assistance.views.cases.CASE_PAGE_SIZE", 2)
    first = secretary_client.get(
        reverse("assistance:case_list"), {"experience": learners.pk}
    )
    assert first.context["page"].paginator.num_pages == 2
    assert f'href="?experience={learners.pk}&amp;page=2"' in first.content.decode()
    second = secretary_client.get(
        reverse("assistance:case_list"), {"experience": learners.pk, "page": 2}
    )
    assert len(second.context["page"]) == 1
    assert second.context["page"][0].experience == learners


def test_the_filter_costs_one_query_the_chosen_experience(
    learners, secretary_client, django_assert_num_queries
):
    # The plain list's twelve (tests/assistance/test_case_views.py: the
    # filters' choices, the workshops and the experiences, one query each),
    # and the chosen experience read to check it.
    with django_assert_num_queries(13):
        response = secretary_client.get(
            reverse("assistance:case_list"), {"experience": learners.pk}
        )
    assert len(response.context["page"]) == 3


@pytest.mark.skipif(
    not (VNU.exists() and shutil.which("java")) and not os.environ.get("CI"),
    reason="the Nu Html Checker is not installed: make var/vnu/vnu.jar (needs java)",
)
def test_the_case_page_with_its_form_is_valid_html(
    lathe_case, secretary_client, tmp_path
):
    """The access matrix's case is not of technique: its page has no form."""
    drawn = secretary_client.get(_case_url(lathe_case)).content.decode()
    refused = secretary_client.post(
        _change_url(lathe_case), {"experience": "", "version": 0}
    ).content.decode()
    assert 'id="error-summary"' in refused
    files = []
    for name, html in (("drawn", drawn), ("refused", refused)):
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    assert vnu_errors(files) == []
