"""The files factories keep: titled sheets with totals rows, .xls, .ods, GBK CSV
with other header spellings, through the command and through the pages."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from tests.conftest import in_english
from tests.factories import ProductionRecordFactory, WorkerFactory, WorkshopFactory
from tests.spreadsheets import csv_bytes, ods_bytes, xls_bytes, xlsx_bytes
from workers.importing import get_importer
from workers.importing.limits import ImportFileError
from workers.models import (
    ColumnMapping,
    ImportBatch,
    ImportStatus,
    PoliticalStatus,
    ProductionRecord,
    ShortfallClassification,
    Worker,
)

pytestmark = pytest.mark.django_db

MARCH = dt.date(1956, 3, 1)
TITLE = "太原矿山机器厂1956年3月份定额完成情况统计表"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def crew(workshop):
    return [
        WorkerFactory(employee_no=f"T{i:03d}", name=f"工人{i}", workshop=workshop)
        for i in range(1, 4)
    ]


def statistics_sheet():
    """The usual statistics sheet: merged title, 填报单位 line, header on row
    3, month cells as dates shown 1956年3月, a blank row and a 合计 row."""
    return [
        [TITLE, None, None, None, None],
        ["填报单位：第二机工车间", None, None, None, "单位：件"],
        ["工号", "姓名", "月份", "定额", "实际完成"],
        ["T001", "工人1", MARCH, 100, 120],
        ["T002", "工人2", MARCH, 100, 80.5],
        ["T003", "工人3", MARCH, 100, 100],
        [None, None, None, None, None],
        ["合计", None, None, 300, 300.5],
    ]


def in_chinese(client):
    client.cookies.load({"django_language": "zh-hans"})
    return client


def upload(client, kind, data, name, **extra):
    return client.post(
        reverse("workers:import_upload", args=[kind]),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def confirm(client, batch):
    return client.post(reverse("workers:import_confirm", args=[batch.pk]), follow=True)


def command(name, path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(name, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- a titled sheet with a totals row, in every workbook format ---------------------


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (
            lambda rows: xlsx_bytes(
                rows, merged=["A1:E1"], number_formats={"C": 'yyyy"年"m"月"'}
            ),
            "1956-03.xlsx",
        ),
        (lambda rows: xls_bytes(rows, merged=[(0, 0, 0, 4)]), "1956-03.xls"),
        (lambda rows: ods_bytes(rows, spans={0: 5}), "1956-03.ods"),
    ],
    ids=["xlsx", "xls", "ods"],
)
def test_a_statistics_sheet_imports_through_the_command(crew, tmp_path, build, name):
    path = tmp_path / name
    path.write_bytes(build(statistics_sheet()))
    out, err = command("import_records", path)
    assert "3 created" in out
    # What was skipped is said, never silent.
    assert "row 1 skipped (above the header): " + TITLE in err
    assert "row 2 skipped (above the header)" in err
    assert "row 7 skipped (blank)" in err
    assert "row 8 skipped (totals row): 合计 · 300 · 300.5" in err
    assert ProductionRecord.objects.get(worker=crew[1], month=MARCH).output == (
        Decimal("80.50")
    )


def test_a_statistics_sheet_through_the_page_lists_the_skipped_rows(
    secretary_client, crew
):
    data = xlsx_bytes(statistics_sheet(), merged=["A1:E1"])
    response = upload(secretary_client, "records", data, "1956-03.xlsx")
    assert response.status_code == 200
    skipped = [(s["row"], s["reason"]) for s in response.context["skipped"]]
    assert skipped == [(1, "title"), (2, "title"), (7, "blank"), (8, "totals")]
    page = response.content.decode()
    assert 'id="batch-skipped"' in page and TITLE in page
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PREVIEWED
    confirm(secretary_client, batch)
    assert ProductionRecord.objects.filter(month=MARCH).count() == 3


def test_a_sums_row_without_a_number_or_a_word_is_a_totals_row(crew):
    rows = [["工号", "月份", "定额", "实际完成"], ["T001", "1956-03", "100", "90"]]
    rows.append(["", "", "100", "90"])
    table = get_importer("records").read(csv_bytes(rows), "r.csv")
    assert [s.reason for s in table.skipped] == ["totals"]
    assert len(table.rows) == 1


def test_a_row_without_a_number_but_with_text_is_an_error_not_skipped(crew):
    rows = [["工号", "月份", "定额", "实际完成"], ["", "1956-03", "100", "90"]]
    importer = get_importer("records")
    table = importer.read(csv_bytes(rows), "r.csv")
    plan = importer.plan(table, options={})
    assert [(e.row, e.column) for e in plan.errors] == [(2, "employee_no")]


def test_merged_cells_read_as_their_value(secretary, shops_for_roster):
    # The workshop column merged down a block of workers, as offices do.
    rows = [
        ["工号", "姓名", "车间"],
        ["R1", "甲", "第一机工车间"],
        ["R2", "乙", None],
        ["R3", "丙", None],
    ]
    data = xlsx_bytes(rows, merged=["C2:C4"])
    table = get_importer("workers").read(data, "roster.xlsx")
    assert [row.values["workshop"] for row in table.rows] == ["第一机工车间"] * 3
    data = xls_bytes(rows, merged=[(1, 3, 2, 2)])
    table = get_importer("workers").read(data, "roster.xls")
    assert [row.values["workshop"] for row in table.rows] == ["第一机工车间"] * 3


@pytest.fixture
def shops_for_roster(db):
    return WorkshopFactory(code="jg1", name="第一机工车间")


@pytest.mark.parametrize(
    "month",
    ["1956-03", "1956年3月", "1956年3月份", "1956/3", "1956.3", "1956-03-01", MARCH],
)
def test_month_cells_as_text_or_dates(crew, month):
    data = xls_bytes([["工号", "月份", "定额", "实际完成"], ["T001", month, 100, 90]])
    importer = get_importer("records")
    plan = importer.plan(importer.read(data, "r.xls"), options={})
    assert plan.ok, plan.errors
    assert plan.payload["rows"][0].month == MARCH


def test_a_number_formatted_as_a_month_is_a_month(crew):
    # 20515 is 1956-03-01 as Excel counts days; the cell's format shows 1956年3月.
    data = xlsx_bytes(
        [["工号", "月份", "定额", "实际完成"], ["T001", 20515, 100, 90]],
        number_formats={"B": 'yyyy"年"m"月"'},
    )
    importer = get_importer("records")
    plan = importer.plan(importer.read(data, "r.xlsx"), options={})
    assert plan.ok, plan.errors
    assert plan.payload["rows"][0].month == MARCH


# --- .xls and .ods for each kind, through the pages --------------------------------


def test_an_xls_roster_through_the_page(secretary_client, shops_for_roster):
    rows = [
        ["职工花名册"],
        ["工号", "姓名", "车间", "工种", "政治面貌", "积极分子"],
        ["R1", "王福贵", "jg1", "车工", "中共党员", "否"],
        ["R2", "李秀英", "第一机工车间", "铸工", "共青团员", "是"],
    ]
    response = upload(secretary_client, "workers", xls_bytes(rows), "roster.xls")
    assert response.context["counts"]["created"] == 2
    confirm(secretary_client, ImportBatch.objects.get())
    assert Worker.objects.get(employee_no="R2").is_activist is True


def test_an_ods_classification_file_through_the_page(secretary_client, crew):
    in_english(secretary_client)
    ProductionRecordFactory(worker=crew[0], month=MARCH, quota=100, output=80)
    rows = [
        ["1956年3月份未完成定额人员分类排队表"],
        ["工号", "月份", "原因", "备注"],
        ["T001", MARCH, "技术落后", "新调来"],
    ]
    response = upload(secretary_client, "classifications", ods_bytes(rows), "c.ods")
    assert response.context["counts"]["created"] == 1
    page = response.content.decode()
    # The worker's name stands beside the number.
    assert "工人1" in page
    response = confirm(secretary_client, ImportBatch.objects.get())
    assert ShortfallClassification.objects.get().cause == "technique"
    # After confirming the page reads as done.
    assert 'id="batch-applied"' in response.content.decode()
    assert "1 created, 0 updated, 0 unchanged" in response.content.decode()
    assert "to create" not in response.content.decode()


# --- other header spellings: matched once, recognised next time ------------------


OTHER_SPELLINGS = [
    ["编号", "姓名", "月份", "计划定额", "实做", "备注"],
    ["T001", "工人1", "1956-03", "100", "90", ""],
    ["T002", "工人2", "1956-03", "100", "110", ""],
]


def test_a_gbk_csv_with_other_headers_is_matched_once_and_then_recognised(
    secretary_client, secretary, crew
):
    in_english(secretary_client)
    data = csv_bytes(OTHER_SPELLINGS, "gbk")
    response = upload(secretary_client, "records", data, "march.csv")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.MAPPING
    form = response.context["mapping_form"]
    # Preselected from the synonyms; the secretary only confirms.
    assert form["employee_no"].value() == "编号"
    assert form["quota"].value() == "计划定额"
    assert form["output"].value() == "实做"
    assert 'id="mapping-form"' in response.content.decode()
    response = secretary_client.post(
        reverse("workers:import_columns", args=[batch.pk]),
        {"employee_no": "编号", "quota": "计划定额", "output": "实做", "unit": ""},
        follow=True,
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED, batch.error
    assert response.context["counts"]["created"] == 2
    confirm(secretary_client, batch)
    assert ProductionRecord.objects.filter(month=MARCH).count() == 2
    remembered = ColumnMapping.objects.get()
    assert remembered.saved_by == secretary
    assert remembered.mapping["quota"] == "计划定额"

    # April's file, same headers in another order: no question asked.
    april = [
        ["备注", "实做", "计划定额", "月份", "姓名", "编号"],
        ["", "95", "100", "1956-03", "工人1", "T001"],
    ]
    response = upload(secretary_client, "records", csv_bytes(april, "gbk"), "a.csv")
    assert response.context["batch"].status == ImportStatus.PREVIEWED
    assert response.context["counts"]["updated"] == 1
    assert 'id="batch-mapping-remembered"' in response.content.decode()


def test_two_columns_cannot_be_matched_to_one_header(secretary_client, crew):
    data = csv_bytes(OTHER_SPELLINGS, "gbk")
    upload(secretary_client, "records", data, "march.csv")
    batch = ImportBatch.objects.get()
    response = secretary_client.post(
        reverse("workers:import_columns", args=[batch.pk]),
        {"employee_no": "编号", "quota": "计划定额", "output": "计划定额"},
    )
    assert response.context["mapping_form"].errors["output"]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MAPPING
    assert not ColumnMapping.objects.exists()


def test_the_command_takes_map_options(crew, tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(OTHER_SPELLINGS, "gbk"))
    with pytest.raises(CommandError) as info:
        command("import_records", path)
    assert "--map employee_no=编号 --map quota=计划定额 --map output=实做" in str(
        info.value
    )
    assert not ProductionRecord.objects.exists()
    out, _err = command(
        "import_records",
        path,
        "--map",
        "employee_no=编号",
        "--map",
        "quota=计划定额",
        "--map",
        "output=实做",
    )
    assert "2 created" in out
    with pytest.raises(CommandError, match="COLUMN=HEADER"):
        command("import_records", path, "--map", "wages=计划定额")


# --- limits ------------------------------------------------------------------------


def test_too_many_rows_are_refused_as_soon_as_passed(settings, crew):
    settings.IMPORT_MAX_ROWS = 50
    rows = [["工号", "月份", "定额", "实际完成"]] + [["T001", "1956-03", "1", "1"]] * 51
    with pytest.raises(ImportFileError, match="more than 50 rows"):
        get_importer("records").read(csv_bytes(rows), "r.csv")


def test_a_workbook_of_too_many_rows_is_refused_before_it_is_parsed(
    settings, crew, monkeypatch
):
    from workers.importing import workbooks

    settings.IMPORT_MAX_ROWS = 50
    rows = [["工号", "月份", "定额", "实际完成"]] + [["T001", "1956-03", 1, 1]] * 80

    def never(*args):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(workbooks, "workbook_rows", never)
    for data, name in ((xlsx_bytes(rows), "r.xlsx"), (ods_bytes(rows), "r.ods")):
        with pytest.raises(ImportFileError, match="more than 50 rows"):
            get_importer("records").read(data, name)


def test_too_many_columns_are_refused():
    rows = [["工号", "月份", "定额", "实际完成"] + [f"c{i}" for i in range(200)]]
    with pytest.raises(ImportFileError, match="Row 1 has 204 columns"):
        get_importer("records").read(csv_bytes(rows), "r.csv")


# --- spellings are data: no catalogue needed ---------------------------------------


def test_a_chinese_file_imports_with_translations_off_and_no_catalogue(
    settings, tmp_path, shops_for_roster
):
    from django.utils.translation import trans_real

    # No compiled catalogue of ours anywhere (a wheel, a container without
    # gettext): LOCALE_PATHS points at an empty folder.
    settings.LOCALE_PATHS = [str(tmp_path)]
    trans_real._translations = {}
    trans_real._default = None
    translation.deactivate_all()
    try:
        rows = [
            ["工号", "姓名", "车间", "政治面貌", "积极分子"],
            ["R1", "王福贵", "第一机工车间", "中共党员", "是"],
            ["R2", "李秀英", "第一机工车间", "群众", "否"],
            ["R3", "张建国", "第一机工车间", "共青团员", ""],
            ["R4", "赵大", "第一机工车间", "中共预备党员", "否"],
        ]
        path = tmp_path / "roster.csv"
        path.write_bytes(csv_bytes(rows, "gbk"))
        out, _err = command("import_workers", path)
        assert "4 created" in out
        assert dict(Worker.objects.values_list("employee_no", "political_status")) == {
            "R1": PoliticalStatus.PARTY_MEMBER,
            "R2": PoliticalStatus.MASSES,
            "R3": PoliticalStatus.LEAGUE_MEMBER,
            "R4": PoliticalStatus.PROBATIONARY_MEMBER,
        }
        worker = Worker.objects.get(employee_no="R2")
        ProductionRecordFactory(worker=worker, month=MARCH, quota=100, output=50)
        path = tmp_path / "causes.csv"
        path.write_bytes(
            csv_bytes(
                [["工号", "月份", "原因"], ["R2", "1956年3月", "家庭经济困难"]], "gbk"
            )
        )
        out, _err = command("import_classifications", path)
        assert ShortfallClassification.objects.get().cause == "family"
    finally:
        trans_real._translations = {}
        trans_real._default = None


# --- templates ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["workers", "records", "classifications"])
def test_templates_in_the_readers_language(secretary_client, kind):
    importer = get_importer(kind)
    in_english(secretary_client)
    upload_page = secretary_client.get(reverse("workers:import_upload", args=[kind]))
    assert b'id="template-xlsx"' in upload_page.content
    url = reverse("workers:import_template", args=[kind, "csv"])
    english = secretary_client.get(url)
    assert english.status_code == 200
    lines = english.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == [c.name for c in importer.columns]
    assert len(lines) == 2
    in_chinese(secretary_client)
    chinese = secretary_client.get(
        reverse("workers:import_template", args=[kind, "xlsx"])
    )
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(chinese.content))
    assert len(workbook.sheet_names) == 2
    rows = workbook.get_sheet_by_index(0).to_python()
    guide = workbook.get_sheet_by_index(1).to_python()
    assert len(rows) == 2
    assert rows[0] == [c.chinese_header() for c in importer.columns]
    assert [row[0] for row in guide[1:]] == [
        c.chinese_header() for c in importer.columns
    ]
    # Every column's accepted values are listed.
    assert all(row[3] for row in guide[1:])


def test_a_filled_template_imports(secretary_client, workshop):
    WorkerFactory(employee_no="1001", workshop=workshop)
    data = secretary_client.get(
        reverse("workers:import_template", args=["records", "xlsx"])
    ).content
    importer = get_importer("records")
    plan = importer.plan(importer.read(data, "t.xlsx"), options={})
    assert plan.ok, plan.errors
    assert plan.counts()["created"] == 1


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_templates_are_for_those_who_import(request, persona):
    client = request.getfixturevalue(persona)
    url = reverse("workers:import_template", args=["records", "xlsx"])
    assert client.get(url).status_code == 403
