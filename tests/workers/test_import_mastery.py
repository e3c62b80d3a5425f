"""The mastery import: checks of workers' levels in advanced experiences, by
level code or Chinese label, all-or-nothing, idempotence, history, GBK files
with Chinese headers, the command, the upload pages and the templates for
kind "mastery"."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from tests.conftest import in_english
from tests.factories import WorkerFactory
from tests.spreadsheets import csv_bytes, xlsx_bytes
from workers.importing import get_importer
from workers.importing.base import IMPORTERS
from workers.importing.mastery import MasteryImporter
from workers.models import (
    Experience,
    ImportBatch,
    ImportStatus,
    Mastery,
    MasteryLevel,
)

pytestmark = pytest.mark.django_db

HEADER_ZH = ["工号", "先进经验", "程度", "检查日期"]
HEADER_EN = ["employee_no", "experience", "level", "checked_on"]
CHECKS = [
    HEADER_ZH,
    ["M001", "高速切削法", "已掌握", "1956-03-20"],
    ["M002", "高速切削法", "学习中", "1956年3月20日"],
    ["M003", "多刀多刃切削", "能传授", "1956/3/21"],
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue(workshop):
    """Three lathe operators M001-M003 and two experiences."""
    for i in range(1, 4):
        WorkerFactory(employee_no=f"M{i:03d}", workshop=workshop)
    return {
        name: Experience.objects.create(name=name, description="…", trades=["车工"])
        for name in ("高速切削法", "多刀多刃切削")
    }


def plan_for(data, filename="checks.csv"):
    importer = get_importer("mastery")
    table = importer.read(data, filename)
    return importer, table, importer.plan(table, options={})


def run(data, filename="checks.csv", user=None):
    importer, table, plan = plan_for(data, filename)
    assert plan.ok, [e.describe(table) for e in plan.errors]
    return importer.apply(plan, user=user)


def levels() -> dict[str, str]:
    return dict(Mastery.objects.current().values_list("worker__employee_no", "level"))


def test_the_importer_is_registered_under_mastery():
    assert IMPORTERS["mastery"] is MasteryImporter


@pytest.mark.parametrize(
    ("encoding", "make"),
    [("utf-8-sig", csv_bytes), ("gbk", csv_bytes), (None, xlsx_bytes)],
)
def test_checks_are_imported_from_csv_gbk_and_xlsx_with_chinese_headers(
    catalogue, encoding, make
):
    data = make(CHECKS, encoding) if encoding else make(CHECKS)
    counts = run(data, "checks.xlsx" if encoding is None else "checks.csv")
    assert counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert levels() == {
        "M001": MasteryLevel.APPLIES,
        "M002": MasteryLevel.LEARNING,
        "M003": MasteryLevel.TEACHES,
    }
    assert Mastery.objects.get(worker__employee_no="M003").checked_on == (
        dt.date(1956, 3, 21)
    )


def test_a_date_cell_of_a_workbook_is_read_as_its_day(catalogue):
    rows = [HEADER_EN, ["M001", "高速切削法", "applies", dt.date(1956, 3, 20)]]
    run(xlsx_bytes(rows), "checks.xlsx")
    assert Mastery.objects.get().checked_on == dt.date(1956, 3, 20)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("learning", MasteryLevel.LEARNING),
        ("学习中", MasteryLevel.LEARNING),
        ("applies", MasteryLevel.APPLIES),
        ("Applies it", MasteryLevel.APPLIES),
        ("已掌握", MasteryLevel.APPLIES),
        ("teaches", MasteryLevel.TEACHES),
        ("能传授", MasteryLevel.TEACHES),
    ],
)
def test_level_spellings(catalogue, text, level):
    run(csv_bytes([HEADER_EN, ["M001", "高速切削法", text, "1956-03-20"]]))
    assert Mastery.objects.get().level == level


def test_an_experience_is_found_whatever_its_spacing_and_width(catalogue):
    run(csv_bytes([HEADER_ZH, ["M001", " 高速切削 法", "已掌握", "1956-03-20"]]))
    assert Mastery.objects.get().experience == catalogue["高速切削法"]


def test_reimporting_the_same_file_changes_nothing(catalogue):
    run(csv_bytes(CHECKS))
    before = list(Mastery.objects.values_list("pk", "level", "recorded_at"))
    assert run(csv_bytes(CHECKS)) == {"created": 0, "updated": 0, "unchanged": 3}
    assert list(Mastery.objects.values_list("pk", "level", "recorded_at")) == before
    assert Mastery.history.count() == 3


def test_another_level_on_the_same_day_corrects_the_check_and_history_keeps_it(
    catalogue, secretary
):
    run(csv_bytes(CHECKS), user=secretary)
    later = [CHECKS[0], ["M001", "高速切削法", "学习中", "1956-03-20"], *CHECKS[2:]]
    _importer, _table, plan = plan_for(csv_bytes(later))
    assert plan.counts() == {"created": 0, "updated": 1, "unchanged": 2, "errors": 0}
    assert plan.preview[0]["changes"] == ["level"]
    run(csv_bytes(later), user=secretary)
    check = Mastery.objects.get(worker__employee_no="M001")
    assert check.level == MasteryLevel.LEARNING
    assert list(
        check.history.order_by("history_date").values_list("level", flat=True)
    ) == [MasteryLevel.APPLIES, MasteryLevel.LEARNING]
    assert check.history.latest("history_date").history_user == secretary
    assert check.checked_by == secretary


def test_a_later_day_is_a_new_check_and_becomes_the_level(catalogue):
    run(csv_bytes(CHECKS))
    run(csv_bytes([HEADER_ZH, ["M002", "高速切削法", "已掌握", "1956-04-02"]]))
    assert Mastery.objects.filter(worker__employee_no="M002").count() == 2
    assert levels()["M002"] == MasteryLevel.APPLIES


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (["M404", "高速切削法", "已掌握", "1956-03-20"], "工号", "no worker"),
        (["", "高速切削法", "已掌握", "1956-03-20"], "工号", "is empty"),
        (
            ["M001", "飞刀法", "已掌握", "1956-03-20"],
            "先进经验",
            "no advanced experience",
        ),
        (["M001", "", "已掌握", "1956-03-20"], "先进经验", "is empty"),
        (["M001", "高速切削法", "精通", "1956-03-20"], "程度", "is not one of"),
        (["M001", "高速切削法", "", "1956-03-20"], "程度", "is empty"),
        (["M001", "高速切削法", "已掌握", "三月二十日"], "检查日期", "not a date"),
        (["M001", "高速切削法", "已掌握", "1956-02-30"], "检查日期", "not a date"),
        (["M001", "高速切削法", "已掌握", "20534"], "检查日期", "Excel date number"),
        (["M001", "高速切削法", "已掌握", "2999-01-01"], "检查日期", "after today"),
        (["M001", "高速切削法", "已掌握", ""], "检查日期", "is empty"),
    ],
)
def test_row_errors_name_the_row_and_column(catalogue, row, column, words):
    _importer, table, plan = plan_for(csv_bytes([HEADER_ZH, row]))
    ((number, header, message),) = [
        (e.row, table.header_for(e.column), e.message) for e in plan.errors
    ]
    assert (number, header) == (2, column)
    assert words in message


def test_the_same_check_twice_names_both_rows(catalogue):
    rows = [HEADER_ZH, CHECKS[1], ["M001", "高速切削法", "学习中", "1956-03-20"]]
    _importer, _table, plan = plan_for(csv_bytes(rows))
    assert [e.row for e in plan.errors] == [2, 3]
    assert "rows 2 and 3" in plan.errors[0].message


def test_one_bad_row_saves_nothing(catalogue):
    rows = [*CHECKS, ["M404", "高速切削法", "已掌握", "1956-03-20"]]
    _importer, _table, plan = plan_for(csv_bytes(rows))
    assert not plan.ok
    assert plan.to_create == []
    with pytest.raises(ValueError):
        get_importer("mastery").apply(plan, user=None)
    assert not Mastery.objects.exists()


def test_plan_makes_three_queries_whatever_the_size(
    catalogue, workshop, django_assert_num_queries
):
    with transaction.atomic():  # one transaction: the changes announced once
        for i in range(600):
            WorkerFactory(employee_no=f"Q{i:03d}", workshop=workshop)
    importer = get_importer("mastery")
    for size in (10, 600):
        rows = [HEADER_EN] + [
            [f"Q{i:03d}", "高速切削法", "learning", "1956-03-20"] for i in range(size)
        ]
        table = importer.read(csv_bytes(rows), "c.csv")
        # workers by employee_no, the catalogue, the checks already stored
        with django_assert_num_queries(3):
            plan = importer.plan(table, options={})
        assert plan.counts()["created"] == size


def test_failed_rows_file_has_the_rows_and_their_errors(catalogue):
    rows = [*CHECKS, ["M001", "飞刀法", "已掌握", "1956-03-20"]]
    importer, table, plan = plan_for(csv_bytes(rows))
    text = importer.failed_rows_csv(table, plan.errors).decode("utf-8-sig")
    assert "飞刀法" in text
    assert "M002" not in text


# --- the command ------------------------------------------------------------


def write(tmp_path, rows, encoding="gbk"):
    path = tmp_path / "checks.csv"
    path.write_bytes(csv_bytes(rows, encoding))
    return str(path)


def test_command_imports_a_gbk_file_and_prints_counts(catalogue, tmp_path, capsys):
    path = write(tmp_path, CHECKS)
    call_command("import_mastery", path)
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("import_mastery", path)
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out


def test_command_dry_run_saves_nothing(catalogue, tmp_path, capsys):
    call_command("import_mastery", write(tmp_path, CHECKS), "--dry-run")
    assert "3 to create" in capsys.readouterr().out
    assert not Mastery.objects.exists()


def test_command_maps_a_header_named_otherwise(catalogue, tmp_path, capsys):
    rows = [["工号", "先进经验", "掌握情况", "检查日期"], *CHECKS[1:]]
    call_command("import_mastery", write(tmp_path, rows), "--map", "level=掌握情况")
    assert "3 created" in capsys.readouterr().out


def test_command_reports_row_errors_on_stderr_and_saves_nothing(
    catalogue, tmp_path, capsys
):
    rows = [*CHECKS, ["M001", "高速切削法", "精通", "1956-03-22"]]
    with pytest.raises(CommandError) as info:
        call_command("import_mastery", write(tmp_path, rows))
    assert "nothing was saved" in str(info.value)
    assert "row 5, column 程度: " in capsys.readouterr().err
    assert not Mastery.objects.exists()


# --- the upload pages ---------------------------------------------------------


def test_upload_preview_and_confirm(catalogue, secretary_client):
    upload = SimpleUploadedFile("march.csv", csv_bytes(CHECKS, "gbk"), "text/csv")
    response = secretary_client.post(
        reverse("workers:import_upload", args=["mastery"]), {"file": upload}
    )
    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.counts["created"] == 3
    assert not Mastery.objects.exists()
    # The preview names the level in the reader's language (Chinese here).
    assert "能传授" in response.content.decode()
    secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert Mastery.objects.filter(checked_by__username="alice").count() == 3


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_only_the_secretary_imports_mastery(request, persona):
    client = request.getfixturevalue(persona)
    response = client.get(reverse("workers:import_upload", args=["mastery"]))
    assert response.status_code == 403
    template = reverse("workers:import_template", args=["mastery", "xlsx"])
    assert client.get(template).status_code == 403


# --- the templates --------------------------------------------------------------


def test_the_templates_in_english_and_in_chinese(secretary_client):
    importer = get_importer("mastery")
    in_english(secretary_client)
    upload_page = secretary_client.get(
        reverse("workers:import_upload", args=["mastery"])
    )
    assert b'id="template-xlsx"' in upload_page.content
    english = secretary_client.get("/workers/import/mastery/template.csv")
    assert english.status_code == 200
    lines = english.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == HEADER_EN
    assert len(lines) == 2
    secretary_client.cookies.load({"django_language": "zh-hans"})
    chinese = secretary_client.get("/workers/import/mastery/template.xlsx")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(chinese.content))
    rows = workbook.get_sheet_by_index(0).to_python()
    guide = workbook.get_sheet_by_index(1).to_python()
    assert rows[0] == HEADER_ZH
    assert [row[0] for row in guide[1:]] == HEADER_ZH
    assert all(row[3] for row in guide[1:])
    assert "能传授" in guide[3][3]  # the level's accepted values
    assert [c.chinese_header() for c in importer.columns] == HEADER_ZH


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_filled_template_imports(secretary_client, catalogue, workshop, fmt):
    WorkerFactory(employee_no="1001", workshop=workshop)
    data = secretary_client.get(f"/workers/import/mastery/template.{fmt}").content
    _importer, _table, plan = plan_for(data, f"t.{fmt}")
    assert plan.ok, plan.errors
    assert plan.counts()["created"] == 1
