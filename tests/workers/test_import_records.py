"""The records import: every row error, all-or-nothing, idempotence, history,
the command, and the upload pages for kind "records"."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.spreadsheets import csv_bytes, xlsx_bytes
from workers.importing import get_importer
from workers.importing.base import IMPORTERS
from workers.importing.records import RecordImporter
from workers.models import ImportBatch, ImportStatus, ProductionRecord
from workers.months import add_months, current_month, month_str
from workers.signals import records_saved

pytestmark = pytest.mark.django_db

HEADER_ZH = ["工号", "月份", "定额", "实际完成", "单位"]
HEADER_EN = ["employee_no", "month", "quota", "output", "unit"]
MARCH = dt.date(1956, 3, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def workers(workshop):
    return [
        WorkerFactory(employee_no=f"T{i:03d}", workshop=workshop) for i in range(1, 4)
    ]


def plan_for(data, filename="records.csv"):
    importer = get_importer("records")
    table = importer.read(data, filename)
    return importer, table, importer.plan(table, options={})


def run(data, filename="records.csv", user=None):
    importer, table, plan = plan_for(data, filename)
    assert plan.ok, [e.describe(table) for e in plan.errors]
    return importer.apply(plan, user=user)


def errors_of(rows):
    _importer, table, plan = plan_for(csv_bytes(rows))
    return [(e.row, table.header_for(e.column), e.message) for e in plan.errors]


RECORDS = [
    HEADER_ZH,
    ["T001", "1956-03", "100", "120", "件"],
    ["T002", "1956年3月", "80", "60.4", "件"],
    ["T003", "1956/3", "200", "200", "定额工时"],
]


def test_the_importer_is_registered_under_records():
    assert IMPORTERS["records"] is RecordImporter


@pytest.mark.parametrize(
    ("encoding", "make"),
    [
        ("utf-8", csv_bytes),
        ("utf-8-sig", csv_bytes),
        ("gbk", csv_bytes),
        ("gb18030", csv_bytes),
        (None, xlsx_bytes),
    ],
)
def test_records_are_imported_from_csv_and_xlsx(workers, encoding, make):
    data = make(RECORDS, encoding) if encoding else make(RECORDS)

    counts = run(data, "records.xlsx" if encoding is None else "records.csv")

    assert counts == {"created": 3, "updated": 0, "unchanged": 0}
    record = ProductionRecord.objects.get(worker=workers[1], month=MARCH)
    assert (record.quota, record.output, record.unit) == (
        Decimal("80"),
        Decimal("60.4"),
        "件",
    )
    assert record.attainment == Decimal("75.50")


def test_english_headers_and_full_dates(workers):
    rows = [HEADER_EN[:4], ["T001", "1956-03-01", "100", "99.5"]]
    assert run(csv_bytes(rows))["created"] == 1
    assert ProductionRecord.objects.get().unit == ""


def test_reimporting_the_same_file_changes_nothing(workers):
    run(csv_bytes(RECORDS))
    before = list(ProductionRecord.objects.values_list("pk", "updated_at", "output"))

    counts = run(csv_bytes(RECORDS))

    assert counts == {"created": 0, "updated": 0, "unchanged": 3}
    assert (
        list(ProductionRecord.objects.values_list("pk", "updated_at", "output"))
        == before
    )
    assert ProductionRecord.history.count() == 3


def test_a_later_file_updates_and_history_keeps_the_old_value(workers, secretary):
    run(csv_bytes(RECORDS), user=secretary)
    later = [*RECORDS[:2], ["T002", "1956-03", "80", "85", "件"], RECORDS[3]]

    _importer, _table, plan = plan_for(csv_bytes(later))
    assert plan.counts() == {"created": 0, "updated": 1, "unchanged": 2, "errors": 0}
    assert plan.preview == [
        {
            "row": 3,
            "action": "update",
            "values": dict(zip(HEADER_EN, later[2], strict=True)),
            "changes": ["output"],
            "shown": {},
        }
    ]
    counts = run(csv_bytes(later), "march-v2.csv", user=secretary)

    assert counts == {"created": 0, "updated": 1, "unchanged": 2}
    record = ProductionRecord.objects.get(worker=workers[1])
    assert record.output == Decimal("85")
    old, new = record.history.order_by("history_id")
    assert old.output == Decimal("60.4")
    assert (new.output, new.history_user) == (Decimal("85"), secretary)
    assert new.history_change_reason == "import: march-v2.csv"


def test_a_file_without_a_unit_column_keeps_the_units(workers):
    run(csv_bytes(RECORDS))
    rows = [HEADER_ZH[:4], *(row[:4] for row in RECORDS[1:])]
    assert run(csv_bytes(rows)) == {"created": 0, "updated": 0, "unchanged": 3}
    assert ProductionRecord.objects.get(worker=workers[2]).unit == "定额工时"


def test_the_import_sends_records_saved_once(workers):
    calls = []

    def receiver(sender, signal, **kwargs):
        calls.append(kwargs)

    records_saved.connect(receiver, dispatch_uid="test-import-signal")
    try:
        run(csv_bytes(RECORDS))
    finally:
        records_saved.disconnect(dispatch_uid="test-import-signal")
    assert calls == [{"months": {MARCH}, "worker_ids": {w.pk for w in workers}}]


# --- row errors ---------------------------------------------------------------


def future_month() -> str:
    return month_str(add_months(current_month(), 1))


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        (["T999", "1956-03", "100", "90"], "工号", "no worker"),
        (["", "1956-03", "100", "90"], "工号", "empty"),
        (["T001", "1956-13", "100", "90"], "月份", "not a month"),
        (["T001", "March", "100", "90"], "月份", "not a month"),
        (["T001", "", "100", "90"], "月份", "empty"),
        (["T001", "20516", "100", "90"], "月份", "Excel date number"),
        (["T001", "FUTURE", "100", "90"], "月份", "in the future"),
        (["T001", "1956-03", "0", "90"], "定额", "more than 0"),
        (["T001", "1956-03", "-5", "90"], "定额", "more than 0"),
        (["T001", "1956-03", "abc", "90"], "定额", "not a number"),
        (["T001", "1956-03", "", "90"], "定额", "empty"),
        (["T001", "1956-03", "100.001", "90"], "定额", "decimal places"),
        (["T001", "1956-03", "100", "-1"], "实际完成", "negative"),
        (["T001", "1956-03", "100", "abc"], "实际完成", "not a number"),
        (["T001", "1956-03", "100", "NaN"], "实际完成", "not a number"),
        (["T001", "1956-03", "100", "inf"], "实际完成", "not a number"),
        (["T001", "1956-03", "100", "Infinity"], "实际完成", "not a number"),
        (["T001", "1956-03", "100", "1e309"], "实际完成", "not a number"),
        (["T001", "1956-03", "100", ""], "实际完成", "empty"),
        (["T001", "1956-03", "100", "99999999999"], "实际完成", "too large"),
    ],
)
def test_row_errors_name_the_row_and_column(workers, cells, column, words):
    cells = [future_month() if cell == "FUTURE" else cell for cell in cells]
    rows = [HEADER_ZH[:4], ["T002", "1956-03", "100", "100"], cells]

    errors = errors_of(rows)

    assert len(errors) == 1, errors
    row, header, message = errors[0]
    assert (row, header) == (3, column)
    assert words in message


def test_this_month_is_not_the_future(workers):
    this_month = month_str(current_month())
    assert errors_of([HEADER_ZH[:4], ["T001", this_month, "100", "90"]]) == []


def test_an_inactive_worker_is_a_row_error(workers):
    workers[0].active = False
    workers[0].save()
    errors = errors_of([HEADER_ZH[:4], ["T001", "1956-03", "100", "90"]])
    assert [(row, column) for row, column, _m in errors] == [(2, "工号")]
    assert "no longer active" in errors[0][2]


def test_the_same_worker_month_twice_names_both_rows(workers):
    rows = [
        HEADER_ZH[:4],
        ["T001", "1956-03", "100", "90"],
        ["T002", "1956-03", "100", "90"],
        ["T001", "1956年3月", "100", "95"],
    ]
    errors = errors_of(rows)
    assert [(row, column) for row, column, _m in errors] == [(2, "工号"), (4, "工号")]
    assert all("rows 2 and 4" in message for _r, _c, message in errors)


def test_the_same_worker_in_two_months_is_fine(workers):
    rows = [
        HEADER_ZH[:4],
        ["T001", "1956-02", "100", "90"],
        ["T001", "1956-03", "100", "95"],
    ]
    assert run(csv_bytes(rows))["created"] == 2


def test_full_width_numbers_and_employee_numbers_are_read(workers):
    rows = [HEADER_ZH[:4], ["Ｔ００１", "1956-03", "１２０", "１３２．５"]]
    run(csv_bytes(rows))
    record = ProductionRecord.objects.get()
    assert (record.worker, record.output) == (workers[0], Decimal("132.5"))


def test_one_bad_row_among_a_hundred_saves_nothing(workshop):
    for i in range(100):
        WorkerFactory(employee_no=f"H{i:03d}", workshop=workshop)
    rows = [HEADER_EN[:4]] + [
        [f"H{i:03d}", "1956-03", "100", str(50 + i)] for i in range(100)
    ]
    rows[57][3] = "-4"
    importer, table, plan = plan_for(csv_bytes(rows))

    assert [e.describe(table) for e in plan.errors] == [
        "row 58, column output: “-4” is negative; it must be 0 or more"
    ]
    assert (plan.to_create, plan.payload["rows"]) == ([], [])
    with pytest.raises(ValueError):
        importer.apply(plan, user=None)
    assert not ProductionRecord.objects.exists()


def test_failed_rows_file_has_the_rows_and_their_errors(workers):
    rows = [
        HEADER_ZH[:4],
        ["T001", "1956-03", "100", "90"],
        ["T002", "1956-03", "0", "=cmd()"],
    ]
    importer, table, plan = plan_for(csv_bytes(rows))
    text = importer.failed_rows_csv(table, plan.errors).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("3,T002,1956-03,0,'=cmd()")
    assert "定额: " in lines[1] and "实际完成: " in lines[1]


def test_plan_makes_two_queries_whatever_the_size(workshop, django_assert_num_queries):
    with transaction.atomic():  # one transaction: the summaries kept once
        for i in range(600):
            WorkerFactory(employee_no=f"Q{i:03d}", workshop=workshop)
        ProductionRecordFactory(worker=WorkerFactory(workshop=workshop), month=MARCH)
    importer = get_importer("records")
    for size in (10, 600):
        rows = [HEADER_EN[:4]] + [
            [f"Q{i:03d}", "1956-03", "100", "90"] for i in range(size)
        ]
        table = importer.read(csv_bytes(rows), "r.csv")
        # 1 workers by employee_no, 1 records stored for those months
        with django_assert_num_queries(2):
            plan = importer.plan(table, options={})
        assert plan.counts()["created"] == size


# --- the command ---------------------------------------------------------------


def write(tmp_path, rows, encoding="gbk", name="records.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, encoding))
    return str(path)


def test_command_imports_and_prints_counts(workers, tmp_path, capsys):
    path = write(tmp_path, RECORDS)
    call_command("import_records", path)
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("import_records", path)
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert ProductionRecord.objects.count() == 3


def test_command_dry_run_saves_nothing(workers, tmp_path, capsys):
    call_command("import_records", write(tmp_path, RECORDS), "--dry-run")
    assert "3 to create" in capsys.readouterr().out
    assert not ProductionRecord.objects.exists()


def test_command_reports_row_errors_on_stderr_and_saves_nothing(
    workers, tmp_path, capsys
):
    rows = [*RECORDS, ["T404", "1956-03", "100", "90", "件"]]
    with pytest.raises(CommandError) as info:
        call_command("import_records", write(tmp_path, rows))
    assert "nothing was saved" in str(info.value)
    assert "row 5, column 工号: " in capsys.readouterr().err
    assert not ProductionRecord.objects.exists()


# --- the upload pages ------------------------------------------------------------


def test_upload_preview_and_confirm(workers, secretary_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("march.csv", csv_bytes(RECORDS), "text/csv")
    response = secretary_client.post(
        reverse("workers:import_upload", args=["records"]), {"file": upload}
    )
    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.counts["created"] == 3
    assert not ProductionRecord.objects.exists()

    response = secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert batch.counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert ProductionRecord.objects.filter(entered_by__username="alice").count() == 3


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_only_the_secretary_imports_records(request, persona):
    client = request.getfixturevalue(persona)
    response = client.get(reverse("workers:import_upload", args=["records"]))
    assert response.status_code == 403


def test_the_upload_page_lists_the_record_columns(secretary_client):
    response = secretary_client.get(reverse("workers:import_upload", args=["records"]))
    assert response.status_code == 200
    columns = {c["chinese"]: c["required"] for c in response.context["columns"]}
    assert columns == {
        "工号": True,
        "月份": True,
        "定额": True,
        "实际完成": True,
        "单位": False,
    }


def test_a_year_before_1900_is_a_typo_and_refused(db):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from workers.services import clean_record_month

    with pytest.raises(ValidationError) as refused:
        clean_record_month(dt.date(956, 3, 1), today=dt.date(2026, 11, 1))
    assert "0956-03" in refused.value.messages[0]
    assert clean_record_month(dt.date(1956, 3, 1)) == dt.date(1956, 3, 1)
