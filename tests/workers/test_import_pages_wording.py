"""The import pages speak the reader's language: column headings and coded
values by their labels, one error per cause, the page's own words for its
options, lists joined as the language joins them, who uploaded a file by
name; and a workshop the roster import creates gets a short ASCII code."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from factory.roles import SECRETARY
from tests.conftest import in_english
from tests.factories import (
    ProductionRecordFactory,
    UserFactory,
    WorkerFactory,
    WorkshopFactory,
)
from tests.spreadsheets import csv_bytes
from workers.importing import get_importer
from workers.models import ColumnMapping, ImportBatch, ImportStatus, Workshop

pytestmark = pytest.mark.django_db

MARCH = dt.date(1956, 3, 1)
ROSTER_HEADER = ["工号", "姓名", "车间", "工种", "政治面貌", "积极分子"]


def upload(client, kind, rows, name="file.csv", **fields):
    response = client.post(
        reverse("workers:import_upload", args=[kind]),
        {"file": SimpleUploadedFile(name, csv_bytes(rows)), **fields},
    )
    assert response.status_code == 200
    return response


def confirm(client, batch):
    return client.post(
        reverse("workers:import_confirm", args=[batch.pk]), follow=True
    ).content.decode()


def table_part(html, table_id, part):
    """The text of one part (thead, tbody) of a table of the page."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, f"no table {table_id}"
    section = re.search(rf"<{part}>(.*?)</{part}>", table.group(0), re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def alert(html, element_id):
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</div>', html, re.S)
    assert found, f"no {element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def roster(count, workshop="第一加工车间", first=1):
    return [ROSTER_HEADER] + [
        [f"G{i:04d}", f"工人{i}", workshop, "车工", "群众", "否"]
        for i in range(first, first + count)
    ]


# --- headings and coded values -------------------------------------------------


def test_the_preview_heads_its_columns_in_the_readers_language(
    secretary_client, workshop
):
    WorkerFactory(employee_no="R001", workshop=workshop)
    rows = [
        ["employee_no", "month", "quota", "output", "unit"],
        ["R001", "1956-03", "100", "90", "件"],
    ]
    html = upload(secretary_client, "records", rows).content.decode()
    assert table_part(html, "batch-preview", "thead") == (
        "行 操作 工号 工人 月份 定额 实际完成 单位"
    )


def test_the_english_preview_heads_its_columns_as_the_english_template_does(
    secretary_client, workshop
):
    in_english(secretary_client)
    WorkerFactory(employee_no="R001", workshop=workshop)
    rows = [["工号", "月份", "定额", "实际完成"], ["R001", "1956-03", "100", "90"]]
    html = upload(secretary_client, "records", rows).content.decode()
    assert table_part(html, "batch-preview", "thead") == (
        "Row Action employee_no Worker month quota output"
    )


def test_the_classifications_preview_shows_causes_by_their_labels(
    secretary_client, workshop
):
    worker = WorkerFactory(employee_no="C001", workshop=workshop)
    ProductionRecordFactory(worker=worker, month=MARCH, output=60)
    rows = [
        ["employee_no", "month", "cause", "note"],
        ["C001", "1956-03", "technique", ""],
    ]
    html = upload(secretary_client, "classifications", rows).content.decode()
    body = table_part(html, "batch-preview", "tbody")
    assert "技术落后" in body and "technique" not in body
    assert "原因" in table_part(html, "batch-preview", "thead")


def test_the_roster_preview_shows_coded_values_and_workshops_by_their_names(
    secretary_client,
):
    WorkshopFactory(code="jg1", name="第一机工车间")
    rows = [ROSTER_HEADER, ["T001", "王福贵", "jg1", "车工", "party_member", "yes"]]
    html = upload(secretary_client, "workers", rows).content.decode()
    body = table_part(html, "batch-preview", "tbody")
    assert body.split() == [
        "2",
        "新建",
        "T001",
        "王福贵",
        "第一机工车间",
        "车工",
        "中共党员",
        "是",
    ]


def test_a_remembered_column_matching_names_the_columns_in_the_readers_language(
    secretary_client, secretary, workshop
):
    WorkerFactory(employee_no="R001", workshop=workshop)
    headers = ["编号", "月份", "定额", "实际完成"]
    get_importer("records").remember_mapping(
        headers, {"employee_no": "编号"}, user=secretary
    )
    html = upload(
        secretary_client, "records", [headers, ["R001", "1956-03", "100", "90"]]
    ).content.decode()
    text = alert(html, "batch-mapping-remembered")
    assert text.endswith("编号 → 工号") and "employee_no" not in text
    assert ColumnMapping.objects.count() == 1


def test_the_column_matching_form_names_the_columns_in_the_readers_language(
    secretary_client, workshop
):
    rows = [["编号", "月份", "定额", "实际完成"], ["R001", "1956-03", "100", "90"]]
    form = upload(secretary_client, "records", rows).context["mapping_form"]
    assert form.fields["employee_no"].label == "工号"
    html = secretary_client.get(
        reverse("workers:import_batch", args=[ImportBatch.objects.get().pk])
    ).content.decode()
    assert "文件中的表头： 编号、月份、定额、实际完成" in " ".join(
        re.sub(r"<[^>]+>", " ", html).split()
    )


def test_the_errors_name_their_column_in_the_readers_language(
    secretary_client, workshop
):
    rows = [["employee_no", "month", "quota", "output"], ["X9", "1956-03", "100", "90"]]
    response = upload(secretary_client, "records", rows)
    assert [e["heading"] for e in response.context["errors"]] == ["工号"]
    assert "employee_no" not in table_part(
        response.content.decode(), "batch-errors", "tbody"
    )


# --- one error per cause -----------------------------------------------------------


def test_an_error_repeated_on_many_rows_is_shown_once_with_its_count_and_rows(
    secretary_client,
):
    rows = roster(12) + roster(3, workshop="第二加工车间", first=13)[1:]
    response = upload(secretary_client, "workers", rows)
    errors = response.context["errors"]
    assert [(e["count"], e["rows_text"]) for e in errors] == [
        (12, "2、3、4、5、6 及另外 7 行"),
        (3, "14、15、16"),
    ]
    html = response.content.decode()
    body = table_part(html, "batch-errors", "tbody")
    assert body.count("第一加工车间") == 1 and body.count("第二加工车间") == 1
    # The page names its own checkbox, never the command's option.
    assert "--create-workshops" not in html
    assert "勾选“自动创建不存在的车间”" in errors[0]["message"]
    assert response.context["counts"]["errors"] == 15


def test_the_failed_rows_file_keeps_every_row(secretary_client):
    upload(secretary_client, "workers", roster(12))
    batch = ImportBatch.objects.get()
    lines = (
        secretary_client.get(reverse("workers:import_failed_rows", args=[batch.pk]))
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert len(lines) == 13 and "--create-workshops" not in "".join(lines)


def test_the_command_names_its_own_option(db, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(roster(2)))
    with translation.override("en"), pytest.raises(CommandError):
        call_command("import_workers", str(path))
    err = capsys.readouterr().err
    assert "row 2, column 车间:" in err and "row 3, column 车间:" in err
    assert "--create-workshops" in err and "tick" not in err


def test_the_command_says_which_workshops_it_will_create_and_then_created(
    db, tmp_path, capsys
):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(roster(2)))
    with translation.override("en"):
        call_command("import_workers", str(path), "--create-workshops", "--dry-run")
        planned = capsys.readouterr().err
        call_command("import_workers", str(path), "--create-workshops")
        done = capsys.readouterr().out
    assert "New workshops will be created: 第一加工车间 (code ws1)" in planned
    assert "New workshops were created: 第一加工车间 (code ws1)" in done
    assert Workshop.objects.get().code == "ws1"


# --- new workshops ------------------------------------------------------------------


def test_new_workshops_are_listed_with_their_codes_joined_as_chinese_joins(
    secretary_client,
):
    rows = roster(2) + roster(2, workshop="第二加工车间", first=3)[1:]
    response = upload(secretary_client, "workers", rows, create_workshops="on")
    html = response.content.decode()
    assert alert(html, "batch-notes") == (
        "将创建新车间：第一加工车间（代码 ws1）、第二加工车间（代码 ws2）"
    )
    done = confirm(secretary_client, ImportBatch.objects.get())
    assert alert(done, "batch-notes") == (
        "已创建新车间：第一加工车间（代码 ws1）、第二加工车间（代码 ws2）"
    )


def test_a_workshop_named_in_chinese_gets_a_generated_code_in_order_of_appearance(
    db,
):
    WorkshopFactory(code="ws2", name="老车间")
    rows = [
        ROSTER_HEADER,
        ["G1", "甲", "第二加工车间", "", "群众", ""],
        ["G2", "乙", "第一加工车间", "", "群众", ""],
        ["G3", "丙", "第二加工车间", "", "群众", ""],
        ["G4", "丁", "第三加工车间", "", "群众", ""],
    ]
    importer = get_importer("workers")
    table = importer.read(csv_bytes(rows), "roster.csv")
    planned = [
        [
            (w.code, w.name)
            for w in importer.plan(table, options={"create_workshops": True}).payload[
                "new_workshops"
            ]
        ]
        for _ in range(2)
    ]
    # The same file plans the same codes, in the order the names first appear,
    # past a code that is taken.
    assert (
        planned[0]
        == planned[1]
        == [
            ("ws1", "第二加工车间"),
            ("ws3", "第一加工车间"),
            ("ws4", "第三加工车间"),
        ]
    )
    plan = importer.plan(table, options={"create_workshops": True})
    importer.apply(plan, user=None)
    assert Workshop.objects.get(name="第一加工车间").code == "ws3"
    # Re-importing the same file changes nothing.
    again = importer.plan(table, options={"create_workshops": True})
    assert again.ok and again.payload["new_workshops"] == []
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 4, "errors": 0}
    assert Workshop.objects.count() == 4


def test_a_workshop_named_in_english_gets_a_short_code_of_whole_words(db):
    rows = [
        ROSTER_HEADER,
        ["G1", "A", "Second Machining Workshop", "", "masses", ""],
        ["G2", "B", "Tool Room", "", "masses", ""],
    ]
    importer = get_importer("workers")
    plan = importer.plan(
        importer.read(csv_bytes(rows), "r.csv"), options={"create_workshops": True}
    )
    assert [w.code for w in plan.payload["new_workshops"]] == [
        "second-machining",
        "tool-room",
    ]


# --- who uploaded -------------------------------------------------------------------


def test_an_upload_is_attributed_to_the_persons_full_name(client, workshop):
    person = UserFactory(username="wangli", groups=[SECRETARY])
    person.first_name, person.last_name = "丽", "王"
    person.save()
    client.force_login(person)
    WorkerFactory(employee_no="R001", workshop=workshop)
    upload(
        client,
        "records",
        [["工号", "月份", "定额", "实际完成"], ["R001", "1956-03", "100", "90"]],
    )
    batch = ImportBatch.objects.get()
    page = client.get(reverse("workers:import_batch", args=[batch.pk])).content.decode()
    listing = client.get(reverse("workers:import_index")).content.decode()
    full_name = person.get_full_name()
    assert full_name.strip() and f"· {full_name} ·" in page
    assert f"<td>{full_name}</td>" in listing and "wangli" not in listing


def test_an_upload_by_someone_without_a_name_shows_the_username(
    secretary_client, workshop
):
    WorkerFactory(employee_no="R001", workshop=workshop)
    upload(
        secretary_client,
        "records",
        [["工号", "月份", "定额", "实际完成"], ["R001", "1956-03", "100", "90"]],
    )
    listing = secretary_client.get(reverse("workers:import_index")).content.decode()
    assert "<td>alice</td>" in listing


def test_the_batch_page_queries_do_not_grow_with_the_errors(
    secretary_client, django_assert_num_queries
):
    upload(secretary_client, "workers", roster(40))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    url = reverse("workers:import_batch", args=[batch.pk])
    secretary_client.get(url)
    # The session, the reader, the batch, the reader's permissions (two),
    # the reader's worker record (the menu), the uploader's name: however
    # many rows have errors.
    with django_assert_num_queries(7):
        secretary_client.get(url)
