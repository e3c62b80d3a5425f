"""The roster import: its rules, all-or-nothing, idempotence, history, command."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.factories import WorkerFactory, WorkshopFactory
from tests.spreadsheets import csv_bytes, xlsx_bytes
from workers.importing import get_importer
from workers.importing.base import IMPORTERS
from workers.importing.roster import RosterImporter
from workers.models import PoliticalStatus, Worker, Workshop

pytestmark = pytest.mark.django_db

HEADER_ZH = ["工号", "姓名", "车间", "工种", "政治面貌", "积极分子"]
HEADER_EN = ["employee_no", "name", "workshop", "trade", "political_status", "activist"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def shops(db):
    return (
        WorkshopFactory(code="jg1", name="第一机工车间"),
        WorkshopFactory(code="zz", name="铸造车间"),
    )


def plan_for(data, filename="roster.csv", **options):
    importer = get_importer("workers")
    table = importer.read(data, filename)
    return importer, table, importer.plan(table, options=options)


def run(data, filename="roster.csv", user=None, **options):
    importer, table, plan = plan_for(data, filename, **options)
    assert plan.ok, [e.describe(table) for e in plan.errors]
    return importer.apply(plan, user=user)


ROSTER = [
    HEADER_ZH,
    ["T001", "王福贵", "第一机工车间", "车工", "中共党员", "否"],
    ["T002", "李秀英", "zz", "铸工", "共青团员", "是"],
    ["T003", "张建国", "铸造车间", "", "群众", ""],
]


def test_the_importer_is_registered_under_workers():
    assert IMPORTERS["workers"] is RosterImporter


@pytest.mark.parametrize(
    ("encoding", "make"),
    [
        ("utf-8", csv_bytes),
        ("utf-8-sig", csv_bytes),
        ("gbk", csv_bytes),
        (None, xlsx_bytes),
    ],
)
def test_a_roster_is_imported_from_csv_and_xlsx(shops, encoding, make):
    data = make(ROSTER, encoding) if encoding else make(ROSTER)
    counts = run(data, "roster.xlsx" if encoding is None else "roster.csv")
    assert counts == {"created": 3, "updated": 0, "unchanged": 0}
    workers = {w.employee_no: w for w in Worker.objects.select_related("workshop")}
    assert workers["T001"].name == "王福贵"
    assert workers["T001"].workshop.code == "jg1"
    assert workers["T001"].political_status == PoliticalStatus.PARTY_MEMBER
    assert workers["T002"].workshop.code == "zz"  # by code
    assert workers["T002"].is_activist is True
    assert workers["T002"].political_status == PoliticalStatus.LEAGUE_MEMBER
    assert workers["T003"].trade == ""
    assert workers["T003"].is_activist is False


def test_english_headers_and_labels(shops):
    data = csv_bytes(
        [
            HEADER_EN,
            ["T1", "A", "jg1", "fitter", "party_member", "yes"],
            ["T2", "B", "jg1", "fitter", "Probationary member", "no"],
            ["T3", "C", "jg1", "fitter", "League member", "1"],
            ["T4", "D", "jg1", "fitter", "masses", "0"],
            ["T5", "E", "jg1", "fitter", "预备党员", "N"],
        ]
    )
    run(data)
    assert dict(Worker.objects.values_list("employee_no", "political_status")) == {
        "T1": "party_member",
        "T2": "probationary_member",
        "T3": "league_member",
        "T4": "masses",
        "T5": "probationary_member",
    }


def test_reimporting_the_same_file_changes_nothing(shops):
    data = csv_bytes(ROSTER, "gbk")
    run(data)
    before = list(Worker.objects.values_list("pk", "updated_at").order_by("pk"))
    history = Worker.history.count()
    assert run(data) == {"created": 0, "updated": 0, "unchanged": 3}
    assert list(Worker.objects.values_list("pk", "updated_at").order_by("pk")) == before
    assert Worker.history.count() == history


def test_a_changed_row_updates_the_worker_and_history_keeps_the_old_value(
    shops, secretary
):
    run(csv_bytes(ROSTER))
    changed = [r[:] for r in ROSTER]
    changed[1][4] = "群众"
    changed[2][1] = "李秀兰"
    importer, table, plan = plan_for(csv_bytes(changed))
    assert plan.counts() == {"created": 0, "updated": 2, "unchanged": 1, "errors": 0}
    assert [(p["row"], p["action"], p["changes"]) for p in plan.preview] == [
        (2, "update", ["political_status"]),
        (3, "update", ["name"]),
    ]
    importer.apply(plan, user=secretary)
    worker = Worker.objects.get(employee_no="T001")
    assert worker.political_status == PoliticalStatus.MASSES
    versions = list(worker.history.order_by("history_date"))
    assert [v.political_status for v in versions] == ["party_member", "masses"]
    assert versions[-1].history_user == secretary
    assert versions[-1].history_type == "~"
    assert "roster.csv" in versions[-1].history_change_reason


def test_new_workers_get_a_history_row(shops, secretary):
    run(csv_bytes(ROSTER), user=secretary)
    assert Worker.history.filter(history_type="+").count() == 3
    assert Worker.history.first().history_user == secretary


def test_columns_left_out_of_the_file_are_left_alone(shops):
    WorkerFactory(
        employee_no="T001",
        name="王福贵",
        workshop=shops[0],
        trade="车工",
        political_status=PoliticalStatus.PARTY_MEMBER,
        is_activist=True,
    )
    counts = run(csv_bytes([["工号", "姓名", "车间"], ["T001", "王福贵", "jg1"]]))
    assert counts["unchanged"] == 1
    worker = Worker.objects.get()
    assert (worker.trade, worker.political_status, worker.is_activist) == (
        "车工",
        "party_member",
        True,
    )


def test_a_duplicate_employee_no_names_both_rows(shops):
    rows = [*ROSTER, ["T002", "李四", "zz", "", "群众", ""]]
    importer, table, plan = plan_for(csv_bytes(rows))
    assert not plan.ok
    [error] = plan.errors
    assert (error.row, error.column) == (5, "employee_no")
    assert "rows 3 and 5" in error.message
    assert "T002" in error.message
    assert error.describe(table).startswith("row 5, column 工号:")


def test_full_width_employee_numbers_match_existing_workers(shops):
    WorkerFactory(employee_no="T001", name="王福贵", workshop=shops[0])
    importer, table, plan = plan_for(
        csv_bytes([["工号", "姓名", "车间"], ["Ｔ００１", "王福贵", "jg1"]])
    )
    assert plan.counts()["unchanged"] == 1


def test_an_unknown_workshop_is_a_row_error_without_the_option(shops):
    rows = [*ROSTER, ["T004", "赵六", "锻工车间", "锻工", "群众", "否"]]
    importer, table, plan = plan_for(csv_bytes(rows))
    assert [(e.row, e.column) for e in plan.errors] == [(5, "workshop")]
    assert "锻工车间" in plan.errors[0].message
    assert plan.to_create == []  # all or nothing


def test_an_unknown_workshop_is_created_with_the_option(shops):
    rows = [
        *ROSTER,
        ["T004", "赵六", "锻工车间", "锻工", "群众", "否"],
        ["T005", "钱七", " 锻工车间 ", "锻工", "群众", "否"],
        ["T006", "孙八", "Tool Shop", "钳工", "群众", "否"],
    ]
    importer, table, plan = plan_for(csv_bytes(rows), create_workshops=True)
    assert plan.ok
    (note,) = importer.notes(importer.summary_extra(plan), done=False)
    assert "锻工车间 (code ws1)" in note and "Tool Shop (code tool-shop)" in note
    importer.apply(plan, user=None)
    forge = Workshop.objects.get(name="锻工车间")
    assert forge.code == "ws1"
    assert set(forge.workers.values_list("employee_no", flat=True)) == {"T004", "T005"}
    assert Workshop.objects.get(name="Tool Shop").code == "tool-shop"
    # Second time round the workshops exist: nothing to create.
    again = plan_for(csv_bytes(rows), create_workshops=False)[2]
    assert again.ok and again.counts()["unchanged"] == 6


def test_created_workshop_codes_are_unique(db):
    WorkshopFactory(code="tool-room", name="Old tools")
    rows = [HEADER_EN, ["T1", "A", "Tool Room", "", "masses", ""]]
    run(csv_bytes(rows), create_workshops=True)
    assert Workshop.objects.get(name="Tool Room").code == "tool-room-2"


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (["", "王", "jg1", "", "群众", ""], "employee_no", "empty"),
        (["T9", "", "jg1", "", "群众", ""], "name", "empty"),
        (["T9", "王", "", "", "群众", ""], "workshop", "empty"),
        (["T9", "王", "jg1", "", "党外人士", ""], "political_status", "党外人士"),
        (["T9", "王", "jg1", "", "", ""], "political_status", "empty"),
        (["T9", "王", "jg1", "", "群众", "maybe"], "activist", "maybe"),
        (["T" * 33, "王", "jg1", "", "群众", ""], "employee_no", "too long"),
        (["T9", "王" * 101, "jg1", "", "群众", ""], "name", "too long"),
        (["T9", "王\x00", "jg1", "", "群众", ""], "name", "NUL"),
    ],
)
def test_row_errors_name_the_row_and_column(shops, row, column, words):
    importer, table, plan = plan_for(csv_bytes([*ROSTER, row]))
    assert [(e.row, e.column) for e in plan.errors] == [(5, column)]
    assert words in plan.errors[0].message


def test_one_bad_row_saves_nothing(shops):
    rows = [*ROSTER, ["T004", "赵六", "jg1", "", "群众", "perhaps"]]
    importer, table, plan = plan_for(csv_bytes(rows))
    assert not plan.ok
    assert plan.to_create == [] and plan.to_update == []
    with pytest.raises(ValueError):
        importer.apply(plan, user=None)
    assert not Worker.objects.exists()


def test_names_with_rare_characters_are_stored_unchanged(shops):
    name = "Zoe\u0301𠮷\u200b"
    run(csv_bytes([HEADER_EN, ["T1", name, "jg1", "", "masses", ""]]))
    assert Worker.objects.get().name == name


def test_plan_makes_a_fixed_number_of_queries(shops, django_assert_num_queries):
    WorkerFactory(employee_no="T001", workshop=shops[0])
    importer = get_importer("workers")
    rows = [HEADER_EN] + [
        [f"T{i:03d}", "名", "jg1", "", "masses", ""] for i in range(1, 300)
    ]
    table = importer.read(csv_bytes(rows), "r.csv")
    # 1 workshops, 1 workers by employee_no (one chunk)
    with django_assert_num_queries(2):
        importer.plan(table, options={})


# --- the command ---------------------------------------------------------------


def write(tmp_path, rows, encoding="gbk", name="roster.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, encoding))
    return str(path)


def test_command_imports_a_gbk_file_and_prints_counts(shops, tmp_path, capsys):
    call_command("import_workers", write(tmp_path, ROSTER))
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert Worker.objects.count() == 3


def test_command_dry_run_saves_nothing(shops, tmp_path, capsys):
    call_command("import_workers", write(tmp_path, ROSTER), "--dry-run")
    assert "3 to create" in capsys.readouterr().out
    assert not Worker.objects.exists()


def test_command_reports_row_errors_on_stderr_and_saves_nothing(
    shops, tmp_path, capsys
):
    rows = [*ROSTER, ["T004", "赵六", "锻工车间", "", "群众", ""]]
    with pytest.raises(CommandError) as info:
        call_command("import_workers", write(tmp_path, rows))
    assert "nothing was saved" in str(info.value)
    err = capsys.readouterr().err
    assert "row 5, column 车间: " in err
    assert not Worker.objects.exists()
    assert not Workshop.objects.filter(name="锻工车间").exists()


def test_command_creates_workshops_when_asked(shops, tmp_path):
    rows = [*ROSTER, ["T004", "赵六", "锻工车间", "", "群众", ""]]
    call_command("import_workers", write(tmp_path, rows), "--create-workshops")
    assert Worker.objects.get(employee_no="T004").workshop.name == "锻工车间"


def test_command_refuses_an_unreadable_file(db, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"MZ\x90\x00" + bytes(100))
    with pytest.raises(CommandError, match="not a spreadsheet"):
        call_command("import_workers", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_workers", str(tmp_path / "missing.csv"))


def test_command_exits_non_zero_from_the_shell(tmp_path):
    # A separate process cannot see the test database, so a file-level
    # refusal is what is checked here; row errors are covered above.
    result = subprocess.run(
        [sys.executable, "manage.py", "import_workers", str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "1", "LANG": "C.UTF-8"},
        check=False,
    )
    assert result.returncode != 0
    assert "Cannot read" in result.stderr


def test_an_update_moves_updated_at_so_open_edit_forms_become_stale(shops):
    run(csv_bytes(ROSTER))
    before = Worker.objects.get(employee_no="T001").updated_at
    changed = [r[:] for r in ROSTER]
    changed[1][2] = "zz"  # another workshop
    changed[1][3] = "磨工"  # and another trade: a second group of fields
    changed[2][4] = "群众"
    assert run(csv_bytes(changed))["updated"] == 2
    worker = Worker.objects.select_related("workshop").get(employee_no="T001")
    assert worker.updated_at > before
    assert (worker.workshop.code, worker.trade) == ("zz", "磨工")
    assert Worker.objects.get(employee_no="T002").political_status == "masses"


def test_several_thousand_gbk_rows_import_whole_and_one_bad_row_saves_nothing(
    db, tmp_path, capsys
):
    shops = ["第一机工车间", "第二机工车间", "铸造车间", "锻工车间", "装配车间"]
    statuses = ["中共党员", "中共预备党员", "共青团员", "群众"]
    rows = [HEADER_ZH] + [
        [f"G{i:05d}", f"工人{i}", shops[i % 5], "车工", statuses[i % 4], "否"]
        for i in range(3000)
    ]
    bad = [r[:] for r in rows]
    bad[1234][4] = "党外"
    with pytest.raises(CommandError):
        call_command(
            "import_workers", write(tmp_path, bad, name="bad.csv"), "--create-workshops"
        )
    assert "row 1235, column 政治面貌" in capsys.readouterr().err
    assert not Worker.objects.exists() and not Workshop.objects.exists()

    call_command("import_workers", write(tmp_path, rows), "--create-workshops")
    assert Worker.objects.count() == 3000
    assert Workshop.objects.count() == 5
    assert Worker.history.count() == 3000
    call_command("import_workers", write(tmp_path, rows))
    assert "3000 unchanged" in capsys.readouterr().out


def test_a_long_file_name_fits_the_history(shops):
    name = "花名册" * 60 + ".csv"
    run(csv_bytes(ROSTER), filename=name)
    reason = Worker.history.first().history_change_reason
    assert len(reason) <= 100 and "花名册" in reason
