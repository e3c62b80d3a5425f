"""The classifications import: causes by code or Chinese label, the rule that
only shortfalls are classified, all-or-nothing, idempotence, history, the
command and the upload pages for kind "classifications"."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.spreadsheets import csv_bytes, xlsx_bytes
from workers.importing import get_importer
from workers.importing.base import IMPORTERS
from workers.importing.classifications import ClassificationImporter
from workers.models import Cause, ImportBatch, ImportStatus, ShortfallClassification

pytestmark = pytest.mark.django_db

HEADER_ZH = ["工号", "月份", "原因", "备注"]
HEADER_EN = ["employee_no", "month", "cause", "note"]
MARCH = dt.date(1956, 3, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def workers(workshop):
    """C001-C003 below quota in March, C004 met quota."""
    made = []
    for i, output in enumerate((60, 80, 95, 110), start=1):
        worker = WorkerFactory(employee_no=f"C{i:03d}", workshop=workshop)
        ProductionRecordFactory(worker=worker, month=MARCH, output=output)
        made.append(worker)
    return made


def plan_for(data, filename="causes.csv"):
    importer = get_importer("classifications")
    table = importer.read(data, filename)
    return importer, table, importer.plan(table, options={})


def run(data, filename="causes.csv", user=None):
    importer, table, plan = plan_for(data, filename)
    assert plan.ok, [e.describe(table) for e in plan.errors]
    return importer.apply(plan, user=user)


def errors_of(rows):
    _importer, table, plan = plan_for(csv_bytes(rows))
    return [(e.row, table.header_for(e.column), e.message) for e in plan.errors]


CAUSES = [
    HEADER_ZH,
    ["C001", "1956-03", "技术落后", "不会看图纸"],
    ["C002", "1956年3月", "思想问题", "常和爱人闹口角"],
    ["C003", "1956/3", "family", ""],
]


def test_the_importer_is_registered_under_classifications():
    assert IMPORTERS["classifications"] is ClassificationImporter


@pytest.mark.parametrize(
    ("encoding", "make"),
    [("utf-8-sig", csv_bytes), ("gbk", csv_bytes), (None, xlsx_bytes)],
)
def test_causes_are_imported_from_csv_and_xlsx(workers, encoding, make):
    data = make(CAUSES, encoding) if encoding else make(CAUSES)
    counts = run(data, "causes.xlsx" if encoding is None else "causes.csv")
    assert counts == {"created": 3, "updated": 0, "unchanged": 0}
    saved = dict(
        ShortfallClassification.objects.values_list("worker__employee_no", "cause")
    )
    assert saved == {
        "C001": Cause.TECHNIQUE,
        "C002": Cause.IDEOLOGY,
        "C003": Cause.FAMILY,
    }
    assert ShortfallClassification.objects.get(worker=workers[1]).note == (
        "常和爱人闹口角"
    )


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("technique", Cause.TECHNIQUE),
        ("Backward technique", Cause.TECHNIQUE),
        ("思想", Cause.IDEOLOGY),
        ("家庭经济困难", Cause.FAMILY),
        ("其他", Cause.OTHER),
        ("其它原因", Cause.OTHER),
    ],
)
def test_cause_spellings(workers, text, cause):
    run(csv_bytes([HEADER_EN[:3], ["C001", "1956-03", text]]))
    assert ShortfallClassification.objects.get().cause == cause


def test_reimporting_the_same_file_changes_nothing(workers):
    run(csv_bytes(CAUSES))
    before = list(
        ShortfallClassification.objects.values_list("pk", "version", "classified_at")
    )
    assert run(csv_bytes(CAUSES)) == {"created": 0, "updated": 0, "unchanged": 3}
    assert (
        list(
            ShortfallClassification.objects.values_list(
                "pk", "version", "classified_at"
            )
        )
        == before
    )
    assert ShortfallClassification.history.count() == 3


def test_a_later_file_updates_and_history_keeps_the_old_cause(workers, secretary):
    run(csv_bytes(CAUSES), user=secretary)
    later = [CAUSES[0], ["C001", "1956-03", "其它", "请假多"], *CAUSES[2:]]
    _importer, _table, plan = plan_for(csv_bytes(later))
    assert plan.counts() == {"created": 0, "updated": 1, "unchanged": 2, "errors": 0}
    assert plan.preview[0]["changes"] == ["cause", "note"]
    run(csv_bytes(later), user=secretary)
    current = ShortfallClassification.objects.get(worker=workers[0])
    assert (current.cause, current.note, current.version) == (Cause.OTHER, "请假多", 2)
    assert list(
        current.history.order_by("history_date").values_list("cause", flat=True)
    ) == [Cause.TECHNIQUE, Cause.OTHER]
    assert current.history.latest("history_date").history_user == secretary


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (["C404", "1956-03", "技术落后", ""], "工号", "no worker"),
        (["", "1956-03", "技术落后", ""], "工号", "is empty"),
        (["C001", "三月", "技术落后", ""], "月份", "not a month"),
        (["C001", "1956-03", "懒惰", ""], "原因", "is not one of"),
        (["C001", "1956-03", "", ""], "原因", "is empty"),
        (["C004", "1956-03", "技术落后", ""], "月份", "met quota"),
        (["C001", "1956-02", "技术落后", ""], "月份", "no record"),
    ],
)
def test_row_errors_name_the_row_and_column(workers, row, column, words):
    ((number, header, message),) = errors_of([HEADER_ZH, row])
    assert (number, header) == (2, column)
    assert words in message
    assert not ShortfallClassification.objects.exists()


def test_the_same_worker_month_twice_names_both_rows(workers):
    rows = [HEADER_ZH, CAUSES[1], ["C001", "1956-03", "思想问题", ""]]
    errors = errors_of(rows)
    assert [e[0] for e in errors] == [2, 3]
    assert "rows 2 and 3" in errors[0][2]


def test_one_bad_row_saves_nothing(workers):
    rows = [*CAUSES, ["C004", "1956-03", "技术落后", ""]]
    _importer, _table, plan = plan_for(csv_bytes(rows))
    assert not plan.ok
    assert plan.to_create == []
    assert not ShortfallClassification.objects.exists()


def test_plan_makes_three_queries_whatever_the_size(
    workshop, django_assert_num_queries
):
    with transaction.atomic():  # one transaction: the summaries kept once
        for i in range(600):
            worker = WorkerFactory(employee_no=f"Q{i:03d}", workshop=workshop)
            ProductionRecordFactory(worker=worker, month=MARCH, output=50)
    importer = get_importer("classifications")
    for size in (10, 600):
        rows = [HEADER_EN[:3]] + [
            [f"Q{i:03d}", "1956-03", "technique"] for i in range(size)
        ]
        table = importer.read(csv_bytes(rows), "c.csv")
        # workers by employee_no, their records that month, stored causes
        with django_assert_num_queries(3):
            plan = importer.plan(table, options={})
        assert plan.counts()["created"] == size


def test_failed_rows_file_has_the_rows_and_their_errors(workers):
    rows = [*CAUSES, ["C004", "1956-03", "技术落后", ""]]
    importer, table, plan = plan_for(csv_bytes(rows))
    text = importer.failed_rows_csv(table, plan.errors).decode("utf-8-sig")
    assert "C004" in text
    assert "met quota" in text
    assert "C001" not in text


# --- the command ------------------------------------------------------------


def write(tmp_path, rows, encoding="gbk"):
    path = tmp_path / "causes.csv"
    path.write_bytes(csv_bytes(rows, encoding))
    return str(path)


def test_command_imports_and_prints_counts(workers, tmp_path, capsys):
    path = write(tmp_path, CAUSES)
    call_command("import_classifications", path)
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("import_classifications", path)
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out


def test_command_dry_run_saves_nothing(workers, tmp_path, capsys):
    call_command("import_classifications", write(tmp_path, CAUSES), "--dry-run")
    assert "3 to create" in capsys.readouterr().out
    assert not ShortfallClassification.objects.exists()


def test_command_reports_row_errors_on_stderr_and_saves_nothing(
    workers, tmp_path, capsys
):
    rows = [*CAUSES, ["C004", "1956-03", "技术落后", ""]]
    with pytest.raises(CommandError) as info:
        call_command("import_classifications", write(tmp_path, rows))
    assert "nothing was saved" in str(info.value)
    assert "row 5, column 月份: " in capsys.readouterr().err
    assert not ShortfallClassification.objects.exists()


# --- the upload pages ---------------------------------------------------------


def test_upload_preview_and_confirm(workers, secretary_client):
    upload = SimpleUploadedFile("march.csv", csv_bytes(CAUSES), "text/csv")
    response = secretary_client.post(
        reverse("workers:import_upload", args=["classifications"]), {"file": upload}
    )
    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.counts["created"] == 3
    assert not ShortfallClassification.objects.exists()
    secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert (
        ShortfallClassification.objects.filter(classified_by__username="alice").count()
        == 3
    )


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_only_the_secretary_imports_classifications(request, persona):
    client = request.getfixturevalue(persona)
    response = client.get(reverse("workers:import_upload", args=["classifications"]))
    assert response.status_code == 403
