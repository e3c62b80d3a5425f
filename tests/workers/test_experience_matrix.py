"""Who has mastered what (/experiences/matrix/): each cell is the worker's
latest check, coverage counts as DESIGN.md defines it, the trade filter, who
may read which workshop's matrix, the XLSX holds the page's cells, and the
page's queries do not grow with the workers."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers import experience_matrix as matrix_module
from workers.experience_matrix import experience_matrix
from workers.models import Experience, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery

pytestmark = pytest.mark.django_db

MATRIX = reverse("experiences:experience_matrix")
MAR_20, APR_2 = dt.date(1956, 3, 20), dt.date(1956, 4, 2)
LATHE, MOULD = "车工", "铸工"


def check(worker, experience, level, day=MAR_20):
    record_mastery(rows=[MasteryInput(worker.pk, experience.pk, level, day)], by=None)


@pytest.fixture
def cutting():
    """For lathe operators only."""
    return Experience.objects.create(
        name="高速切削法", trades=[LATHE], description="硬质合金车刀"
    )


@pytest.fixture
def safety():
    """For every trade."""
    return Experience.objects.create(name="安全操作法", description="…")


@pytest.fixture
def sand():
    """For moulders only."""
    return Experience.objects.create(name="快速造型法", trades=[MOULD], description="…")


@pytest.fixture
def jg2(workshop, other_workshop, cutting, safety, sand):
    """The manager's workshop: four active lathe operators (applies,
    teaches, learning, never checked), one who left (applies), one moulder
    (checked in the lathe operators' experience all the same); and a lathe
    operator of the other workshop who applies it."""
    people = {
        code: WorkerFactory(employee_no=code, name=f"工人{code}", workshop=workshop)
        for code in ("L1", "L2", "L3", "L4")
    }
    people["M1"] = WorkerFactory(
        employee_no="M1", name="翻砂工", workshop=workshop, trade=MOULD
    )
    people["OUT"] = WorkerFactory(employee_no="OUT", workshop=workshop, active=False)
    people["ZZ"] = WorkerFactory(employee_no="ZZ", workshop=other_workshop)
    check(people["L1"], cutting, MasteryLevel.APPLIES)
    check(people["L2"], cutting, MasteryLevel.TEACHES)
    check(people["L3"], cutting, MasteryLevel.LEARNING)
    check(people["OUT"], cutting, MasteryLevel.APPLIES)
    check(people["M1"], cutting, MasteryLevel.APPLIES)
    check(people["ZZ"], cutting, MasteryLevel.APPLIES)
    check(people["M1"], safety, MasteryLevel.APPLIES)
    check(people["L1"], safety, MasteryLevel.LEARNING)
    return people


def cells(matrix) -> dict[str, dict[str, str | None]]:
    """{employee_no: {experience: level, or "—" when not of the trade}}."""
    names = [column.experience.name for column in matrix.columns]
    return {
        row.worker.employee_no: {
            name: cell.level if cell.applies else "—"
            for name, cell in zip(names, row.cells, strict=True)
        }
        for row in matrix.rows
    }


def coverage(matrix) -> dict[str, tuple[int, int]]:
    return {
        c.experience.name: (c.coverage.mastered, c.coverage.workers)
        for c in matrix.columns
    }


# --- the matrix ------------------------------------------------------------------


def test_a_cell_is_the_workers_latest_check(workshop, jg2, cutting):
    # Recorded out of order: the later day wins, not the later recording.
    check(jg2["L3"], cutting, MasteryLevel.TEACHES, APR_2)
    check(jg2["L3"], cutting, MasteryLevel.APPLIES, MAR_20)
    check(jg2["L1"], cutting, MasteryLevel.LEARNING, APR_2)
    found = cells(experience_matrix(workshop))
    assert found["L3"]["高速切削法"] == "teaches"
    assert found["L1"]["高速切削法"] == "learning"
    # Never checked: empty; not of the worker's trade: no cell to fill.
    assert found["L4"] == {"高速切削法": None, "安全操作法": None, "快速造型法": "—"}
    assert found["M1"] == {
        "高速切削法": "—",
        "安全操作法": "applies",
        "快速造型法": None,
    }


def test_rows_are_the_active_workers_of_the_workshop_by_trade(workshop, jg2):
    matrix = experience_matrix(workshop)
    assert [row.worker.employee_no for row in matrix.rows] == [
        "L1",
        "L2",
        "L3",
        "L4",
        "M1",
    ]
    assert matrix.workers == 5
    assert matrix.trades == [LATHE, MOULD]
    assert [c.experience.name for c in matrix.columns] == [
        "安全操作法",
        "快速造型法",
        "高速切削法",
    ]


def test_coverage_counts_applies_and_teaches_over_the_active_workers_of_its_trades(
    workshop, jg2
):
    found = coverage(experience_matrix(workshop))
    # Lathe operators: L1 applies, L2 teaches; L3 learning is not counted;
    # the one who left and the moulder checked in it are in neither count,
    # nor is the other workshop's lathe operator.
    assert found["高速切削法"] == (2, 4)
    # Every trade: the workshop's five active workers, the moulder applies.
    assert found["安全操作法"] == (1, 5)
    assert found["快速造型法"] == (0, 1)
    column = experience_matrix(workshop).columns[2]
    assert (column.coverage.share, column.coverage.text) == (50.0, "2 / 4 (50%)")


def test_a_worker_who_leaves_or_changes_trade_moves_out_of_the_count(
    workshop, jg2, cutting
):
    jg2["L2"].active = False
    jg2["L2"].save()
    jg2["M1"].trade = LATHE
    jg2["M1"].save()
    # M1, now a lathe operator, applies it: counted; L2 has left.
    assert coverage(experience_matrix(workshop))["高速切削法"] == (2, 4)


def test_the_trade_filter_narrows_rows_columns_and_coverage(workshop, jg2):
    matrix = experience_matrix(workshop, trade=MOULD)
    assert matrix.trade == MOULD
    assert [row.worker.employee_no for row in matrix.rows] == ["M1"]
    assert coverage(matrix) == {"安全操作法": (1, 1), "快速造型法": (0, 1)}
    # A trade the workshop has not: every trade.
    assert experience_matrix(workshop, trade="锻工").trade == ""


def test_the_page_filters_by_trade_and_names_an_unknown_one(
    secretary_client, workshop, jg2
):
    in_english(secretary_client)
    response = secretary_client.get(MATRIX, {"workshop": "jg2", "trade": MOULD})
    assert [r.worker.employee_no for r in response.context["matrix"].rows] == ["M1"]
    html = response.content.decode()
    assert 'data-mastered="1" data-workers="1"' in html
    response = secretary_client.get(MATRIX, {"workshop": "jg2", "trade": "锻工"})
    assert response.context["matrix"].workers == 5
    assert 'id="matrix-form-errors"' in response.content.decode()


def test_the_page_shows_levels_as_words_and_the_coverage_row(
    secretary_client, workshop, jg2
):
    in_english(secretary_client)
    html = secretary_client.get(MATRIX).content.decode()
    assert 'id="matrix-legend"' in html
    assert ">applies it</span>" in html and ">can teach it</span>" in html
    assert "2 / 4 (50%)" in html
    assert "not of the worker's trade" in html


def test_a_workshop_without_experiences_for_its_trades_says_so(
    secretary_client, other_workshop
):
    Experience.objects.create(name="锻造法", trades=["锻工"], description="…")
    WorkerFactory(workshop=other_workshop)
    response = secretary_client.get(MATRIX, {"workshop": other_workshop.code})
    assert response.status_code == 200
    assert 'id="matrix-empty"' in response.content.decode()


# --- who reads which matrix ------------------------------------------------------


def test_the_secretary_chooses_any_workshop(secretary_client, workshop, jg2):
    response = secretary_client.get(MATRIX)
    assert response.context["matrix"].workshop == workshop  # the first by code
    assert response.context["choose_workshop"]
    response = secretary_client.get(MATRIX, {"workshop": "zz"})
    assert [r.worker.employee_no for r in response.context["matrix"].rows] == ["ZZ"]


def test_a_director_reads_their_own_workshops_matrix_only(
    manager_client, other_manager_client, workshop, jg2
):
    response = manager_client.get(MATRIX)
    assert response.status_code == 200
    assert response.context["matrix"].workshop == workshop
    assert not response.context["choose_workshop"]
    assert manager_client.get(MATRIX, {"workshop": "jg2"}).status_code == 200
    # Another workshop's is not revealed: 404, the page and the download.
    assert manager_client.get(MATRIX, {"workshop": "zz"}).status_code == 404
    assert (
        manager_client.get(MATRIX, {"workshop": "zz", "format": "xlsx"}).status_code
        == 404
    )
    assert manager_client.get(MATRIX, {"workshop": "nope"}).status_code == 404
    # The other director gets theirs by default.
    theirs = other_manager_client.get(MATRIX).context["matrix"]
    assert [r.worker.employee_no for r in theirs.rows] == ["ZZ"]
    assert other_manager_client.get(MATRIX, {"workshop": "jg2"}).status_code == 404


def test_a_helper_gets_403(helper_client, jg2):
    assert helper_client.get(MATRIX).status_code == 403
    assert helper_client.get(MATRIX, {"format": "xlsx"}).status_code == 403


def test_the_catalogue_links_to_the_matrix(manager_client, jg2):
    html = manager_client.get(reverse("experiences:experience_list")).content
    assert f'href="{MATRIX}"'.encode() in html


# --- the XLSX --------------------------------------------------------------------


def _sheet(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    (sheet,) = workbook.worksheets
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_xlsx_holds_the_pages_cells_and_the_coverage(
    secretary_client, workshop, jg2
):
    in_english(secretary_client)
    page = secretary_client.get(MATRIX).context["matrix"]
    response = secretary_client.get(MATRIX, {"workshop": "jg2", "format": "xlsx"})
    assert 'filename="catchup-matrix-jg2.xlsx"' in response["Content-Disposition"]
    sheet, rows = _sheet(response)
    assert sheet.title == "Who has mastered what jg2"
    names = [column.experience.name for column in page.columns]
    assert rows[0] == ["employee number", "worker's name", "trade", *names]
    body, last = rows[1:-1], rows[-1]
    shown = {
        row.worker.employee_no: [
            str(cell.label) if cell.applies else "—" for cell in row.cells
        ]
        for row in page.rows
    }
    # openpyxl reads an empty string back as None.
    assert {row[0]: [v or "" for v in row[3:]] for row in body} == shown
    assert rows[2][:3] == ["L2", "工人L2", LATHE]
    assert [row[3:] for row in body if row[0] == "L4"] == [[None, "—", None]]
    assert last == [
        None,
        "coverage",
        "every trade",
        "1 / 5 (20%)",
        "0 / 1 (0%)",
        "2 / 4 (50%)",
    ]


def test_the_xlsx_speaks_the_readers_language_and_defuses_formulas(
    manager_client, workshop, jg2
):
    jg2["L4"].name = "=HYPERLINK(1)"
    jg2["L4"].save()
    response = manager_client.get(MATRIX, {"format": "xlsx", "trade": LATHE})
    sheet, rows = _sheet(response)
    assert sheet.title.startswith("技术掌握情况表")
    assert rows[0][:3] == ["工号", "姓名", "工种"]
    assert "已掌握" in rows[1] and "能传授" in rows[2] and "学习中" in rows[3]
    assert rows[4][1] == "'=HYPERLINK(1)"
    assert rows[-1][2] == LATHE


# --- queries and pages -----------------------------------------------------------


def _a_workshop_of(workshop, experiences, size: int) -> None:
    for index in range(size):
        worker = WorkerFactory(workshop=workshop, trade=LATHE if index % 3 else MOULD)
        for experience in experiences:
            if experience.applies_to(worker.trade):
                check(worker, experience, MasteryLevel.values[index % 3])


@pytest.mark.parametrize("size", [5, 30])
def test_the_page_reads_a_few_queries_whatever_the_workers(
    secretary_client, workshop, cutting, safety, sand, size, django_assert_num_queries
):
    _a_workshop_of(workshop, [cutting, safety, sand], size)
    # session, user, permissions (2), the user's worker account (their role,
    # factory.role_cache), the reader's workshops, then the matrix: the
    # catalogue, the headcount by trade, the mastered counts, the page's
    # workers, their levels
    with django_assert_num_queries(11):
        response = secretary_client.get(MATRIX, {"workshop": "jg2"})
    assert len(response.context["matrix"].rows) == size


@pytest.mark.parametrize("size", [5, 30])
def test_the_xlsx_reads_as_few_whatever_the_workers(
    secretary_client, workshop, cutting, safety, sand, size, django_assert_num_queries
):
    _a_workshop_of(workshop, [cutting, safety, sand], size)
    # The same eleven: every row's worker and level in the same two queries.
    with django_assert_num_queries(11):
        response = secretary_client.get(MATRIX, {"workshop": "jg2", "format": "xlsx"})
    assert len(_sheet(response)[1]) == size + 2


def test_a_workshop_of_many_workers_is_shown_a_page_at_a_time(
    secretary_client, workshop, cutting, monkeypatch
):
    monkeypatch.setattr(matrix_module, "MATRIX_PAGE_SIZE", 4)
    for index in range(10):
        WorkerFactory(employee_no=f"P{index:02d}", workshop=workshop)
    response = secretary_client.get(MATRIX, {"workshop": "jg2", "page": 2})
    matrix = response.context["matrix"]
    assert [r.worker.employee_no for r in matrix.rows] == ["P04", "P05", "P06", "P07"]
    assert (matrix.workers, matrix.page.paginator.num_pages) == (10, 3)
    # The coverage is the workshop's, not the page's.
    assert coverage(matrix) == {"高速切削法": (0, 10)}
    assert 'id="matrix-pages"' in response.content.decode()


def test_a_level_wears_the_same_badge_on_every_page(
    secretary_client, workshop, jg2, cutting
):
    """The matrix, the worker's page and the experience's page draw a level
    alike (worker_records.level_badge): "can teach it" dark, "applies it"
    green, "learning" light, as the matrix's legend says."""
    in_english(secretary_client)
    teacher = jg2["L2"]
    pages = {
        "matrix": f"{MATRIX}?workshop={workshop.code}",
        "worker": reverse("workers:worker_detail", args=[teacher.pk]),
        "experience": cutting.get_absolute_url(),
    }
    for name, url in pages.items():
        html = secretary_client.get(url).content.decode()
        assert '<span class="badge text-bg-dark">can teach it</span>' in html, name
        assert 'text-bg-success">can teach it' not in html, name
