"""The entry grid: one workshop's month in one form, through save_records."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import in_english
from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import ProductionRecord
from workers.months import add_months, month_str
from workers.services import RecordInput, save_records

pytestmark = pytest.mark.django_db

FEB = dt.date(1956, 2, 1)
MARCH = dt.date(1956, 3, 1)
URL = reverse("workers:records_entry")
GRID = {"workshop": "jg2", "month": "1956-03"}


@pytest.fixture
def crew(workshop):
    """Three active workers (one with February's record) and a former one."""
    first = WorkerFactory(employee_no="W1", workshop=workshop)
    second = WorkerFactory(employee_no="W2", workshop=workshop)
    third = WorkerFactory(employee_no="W3", workshop=workshop)
    WorkerFactory(employee_no="W0", workshop=workshop, active=False)
    ProductionRecordFactory(
        worker=first, month=FEB, quota=Decimal("120"), output=Decimal("90"), unit="件"
    )
    return first, second, third


def grid_url(**params):
    query = "&".join(f"{k}={v}" for k, v in {**GRID, **params}.items())
    return f"{URL}?{query}"


def post_data(response, **rows):
    """The grid's form data as drawn, with rows changed: W1={"output": "7"}."""
    formset = response.context["formset"]
    data = {
        f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
        f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
        f"{formset.prefix}-MIN_NUM_FORMS": "0",
        f"{formset.prefix}-MAX_NUM_FORMS": "1000",
    }
    for row in response.context["rows"]:
        form = row["form"]
        values = {
            name: form[name].value() if form[name].value() is not None else ""
            for name in ("worker_id", "version", "quota", "output", "unit")
        }
        values.update(rows.get(row["worker"].employee_no, {}))
        for name, value in values.items():
            data[f"{form.prefix}-{name}"] = str(value)
    return data


def test_without_a_choice_the_page_asks_for_workshop_and_month(secretary_client):
    response = secretary_client.get(URL)
    assert response.status_code == 200
    assert response.templates[0].name == "workers/entry_choose.html"


def test_the_grid_lists_active_workers_with_last_months_quota(secretary_client, crew):
    response = secretary_client.get(grid_url())

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["worker"].employee_no for row in rows] == ["W1", "W2", "W3"]
    first = rows[0]["form"]
    assert first["quota"].value() == Decimal("120")
    assert first["unit"].value() == "件"
    assert first["output"].value() is None
    assert first["version"].value() == ""
    assert rows[1]["form"]["quota"].value() is None


def test_an_existing_record_is_shown_with_its_version(secretary_client, crew):
    record = ProductionRecordFactory(
        worker=crew[1], month=MARCH, quota=Decimal("80"), output=Decimal("88")
    )
    form = secretary_client.get(grid_url()).context["rows"][1]["form"]
    assert (form["quota"].value(), form["output"].value()) == (
        Decimal("80"),
        Decimal("88"),
    )
    assert form["version"].value() == record.updated_at.isoformat()


def test_saving_the_grid_creates_records_through_the_service(
    secretary_client, secretary, crew
):
    page = secretary_client.get(grid_url())
    data = post_data(
        page,
        W1={"output": "130"},
        W2={"quota": "100", "output": "95.5", "unit": "件"},
    )

    response = secretary_client.post(grid_url(), data)

    assert response.status_code == 302
    assert response["Location"] == grid_url()
    saved = {
        r.worker.employee_no: (r.quota, r.output, r.unit)
        for r in ProductionRecord.objects.filter(month=MARCH)
    }
    assert saved == {
        "W1": (Decimal("120"), Decimal("130"), "件"),
        "W2": (Decimal("100"), Decimal("95.5"), "件"),
    }
    history = ProductionRecord.history.filter(month=MARCH)
    assert {h.history_user for h in history} == {secretary}
    follow = secretary_client.get(response["Location"])
    assert [str(m) for m in follow.context["messages"]]


def test_untouched_rows_write_nothing(secretary_client, crew):
    ProductionRecordFactory(worker=crew[2], month=MARCH)
    page = secretary_client.get(grid_url())
    before = ProductionRecord.history.count()

    response = secretary_client.post(grid_url(), post_data(page))

    assert response.status_code == 302
    assert ProductionRecord.history.count() == before


def test_a_correction_updates_and_keeps_history(secretary_client, crew):
    ProductionRecordFactory(
        worker=crew[2], month=MARCH, quota=Decimal("100"), output=Decimal("70")
    )
    page = secretary_client.get(grid_url())
    secretary_client.post(grid_url(), post_data(page, W3={"output": "75"}))

    record = ProductionRecord.objects.get(worker=crew[2], month=MARCH)
    assert record.output == Decimal("75")
    assert [h.output for h in record.history.order_by("history_id")] == [
        Decimal("70"),
        Decimal("75"),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quota": "0", "output": "10"}, "quota"),
        ({"quota": "-3", "output": "10"}, "quota"),
        ({"quota": "abc", "output": "10"}, "quota"),
        ({"quota": "100", "output": "-1"}, "output"),
        ({"quota": "100", "output": "NaN"}, "output"),
        ({"quota": "100", "output": "Infinity"}, "output"),
        ({"quota": "100", "output": "1.234"}, "output"),
        ({"quota": "", "output": "10"}, "quota"),
    ],
)
def test_bad_input_keeps_what_was_typed_and_saves_nothing(
    secretary_client, crew, changes, field
):
    page = secretary_client.get(grid_url())
    data = post_data(page, W1={"output": "130"}, W2=changes)

    response = in_english(secretary_client).post(grid_url(), data)

    assert response.status_code == 200
    assert not ProductionRecord.objects.filter(month=MARCH).exists()
    forms = [row["form"] for row in response.context["rows"]]
    assert forms[1].errors[field]
    assert forms[0]["output"].value() == "130"
    assert forms[1][field].value() == changes[field]
    assert 'value="130"' in response.content.decode()


def test_a_stale_row_is_refused_and_the_typed_values_kept(
    secretary_client, secretary, crew
):
    record = ProductionRecordFactory(
        worker=crew[1], month=MARCH, quota=Decimal("100"), output=Decimal("80")
    )
    page = secretary_client.get(grid_url())
    # Someone else corrects W2 while the secretary types.
    save_records(
        rows=[
            RecordInput(
                worker_id=crew[1].pk,
                month=MARCH,
                quota=Decimal("100"),
                output=Decimal("85"),
            )
        ],
        by=None,
        source="import",
    )
    data = post_data(page, W1={"output": "130"}, W2={"output": "90"})

    response = secretary_client.post(grid_url(), data)

    assert response.status_code == 200
    record.refresh_from_db()
    assert record.output == Decimal("85")
    assert not ProductionRecord.objects.filter(worker=crew[0], month=MARCH).exists()
    forms = [row["form"] for row in response.context["rows"]]
    assert forms[1].non_field_errors()
    assert forms[1]["output"].value() == "90"
    assert forms[0]["output"].value() == "130"
    assert forms[1]["version"].value() == record.updated_at.isoformat()

    # Saving again, knowingly, goes through.
    again = secretary_client.post(grid_url(), post_data(response))
    assert again.status_code == 302
    record.refresh_from_db()
    assert record.output == Decimal("90")


def test_a_record_created_meanwhile_is_stale_too(secretary_client, crew):
    page = secretary_client.get(grid_url())
    ProductionRecordFactory(worker=crew[1], month=MARCH)
    response = secretary_client.post(
        grid_url(), post_data(page, W2={"quota": "50", "output": "60"})
    )
    assert response.status_code == 200
    assert response.context["rows"][1]["form"].non_field_errors()


def test_a_changed_roster_refuses_the_grid(secretary_client, crew, workshop):
    page = secretary_client.get(grid_url())
    WorkerFactory(employee_no="W25", workshop=workshop)
    response = secretary_client.post(grid_url(), post_data(page, W1={"output": "9"}))
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not ProductionRecord.objects.filter(month=MARCH).exists()


@pytest.mark.parametrize(
    "params",
    [
        {"month": "1956-13"},
        {"workshop": "nope"},
        {"month": "FUTURE"},
        # The grid looks at the month before: year 0 is no date (was a 500).
        {"month": "0001-01"},
    ],
)
def test_a_bad_choice_is_explained_not_a_500(secretary_client, crew, params):
    if params.get("month") == "FUTURE":
        params = {"month": month_str(add_months(timezone.localdate(), 1))}
    response = secretary_client.get(grid_url(**params))
    assert response.status_code == 200
    assert response.context["choice"].errors
    assert response.templates[0].name == "workers/entry_choose.html"


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_only_the_secretary_enters_records(request, persona, crew):
    client = request.getfixturevalue(persona)
    assert client.get(grid_url()).status_code == 403
    assert client.post(grid_url(), {}).status_code == 403


# --- a published month, and how the month before is written ------------------


def publish(month, revision, by):
    from factory.models import MonthSnapshot

    return MonthSnapshot.objects.create(
        month=month,
        revision=revision,
        compare_month=add_months(month, -1),
        published_by=by,
        reason="" if revision == 1 else "更正",
    )


def test_the_grid_of_a_published_month_says_a_save_needs_a_revision(
    secretary_client, secretary, crew
):
    publish(MARCH, 1, secretary)
    publish(MARCH, 2, secretary)
    response = in_english(secretary_client).get(grid_url())
    notice = response.context["publication"]
    assert (notice.revision, response.context["next_revision"]) == (2, 3)
    body = response.content.decode()
    assert 'id="entry-published"' in body
    assert "Revision 2, published" in body
    assert "published as revision 3" in body
    publish_page = reverse("reports:publish", kwargs={"month": "1956-03"})
    assert f'href="{publish_page}"' in body


def test_the_grid_of_a_month_not_published_has_no_such_notice(
    secretary_client, secretary, crew
):
    publish(FEB, 1, secretary)  # another month
    response = secretary_client.get(grid_url())
    assert response.context["publication"] is None
    assert 'id="entry-published"' not in response.content.decode()


def test_the_month_before_is_written_as_every_figure_is(secretary_client, crew):
    ProductionRecordFactory(
        worker=crew[1], month=FEB, quota=Decimal("208"), output=Decimal("191.60")
    )
    ProductionRecordFactory(
        worker=crew[2], month=FEB, quota=Decimal("192"), output=Decimal("226.00")
    )
    body = secretary_client.get(grid_url()).content.decode()
    cells = re.findall(r'<td class="[^"]*entry-previous[^"]*">([^<]*)</td>', body)
    assert [" ".join(cell.split()) for cell in cells] == [
        "90 / 120",
        "191.6 / 208",
        "226 / 192",
    ]
    # The quotas filled in from the month before too.
    quotas = re.findall(r'name="form-\d-quota" value="([^"]*)"', body)
    assert quotas == ["120", "208", "192"]


def test_the_grids_inputs_are_djangos_markup_written_faster():
    """The grid writes its inputs in Python (workers.forms.records.DirectInput)
    for speed: the markup is the one Django's template writes, attributes,
    values and booleans alike."""
    from django import forms

    from workers.forms.records import AmountInput, GridHiddenInput, GridTextInput

    attrs = {"id": "id_form-0-quota", "aria-invalid": "true", "required": True}
    for fast, plain, value in (
        (
            GridTextInput(attrs={"class": "c"}),
            forms.TextInput(attrs={"class": "c"}),
            "件",
        ),
        (GridHiddenInput(), forms.HiddenInput(), "2026-12-07T10:00:00+00:00"),
        (GridTextInput(), forms.TextInput(), None),
        (AmountInput(), forms.TextInput(), "<b>&"),
    ):
        assert fast.render("form-0-quota", value, attrs) == plain.render(
            "form-0-quota", value, attrs
        )
    assert AmountInput().render("q", Decimal("191.60")) == (
        '<input type="text" name="q" value="191.6">'
    )


def test_a_big_workshop_is_entered_a_page_at_a_time(
    secretary_client, workshop, settings
):
    """A workshop of more workers than a page: the grid draws one page of
    rows, says which, and a save of the second page saves its rows and comes
    back to it."""
    from workers.views import records

    size = records.ENTRY_PAGE_SIZE + 3
    for index in range(size):
        WorkerFactory(employee_no=f"P{index:04d}", workshop=workshop)
    first = secretary_client.get(grid_url())
    assert len(first.context["rows"]) == records.ENTRY_PAGE_SIZE
    assert 'id="entry-pages"' in first.content.decode()
    second = secretary_client.get(grid_url(page=2))
    assert [row["worker"].employee_no for row in second.context["rows"]] == [
        f"P{index:04d}" for index in range(records.ENTRY_PAGE_SIZE, size)
    ]
    data = post_data(second, **{f"P{size - 1:04d}": {"quota": "100", "output": "96"}})
    saved = secretary_client.post(grid_url(page=2), data)
    assert saved.status_code == 302
    assert "page=2" in saved.url
    record = ProductionRecord.objects.get(worker__employee_no=f"P{size - 1:04d}")
    assert record.output == Decimal("96")
