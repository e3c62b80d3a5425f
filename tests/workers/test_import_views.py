"""Upload → preview → confirm pages, for each persona."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from factory.roles import SECRETARY
from tests.conftest import in_english
from tests.factories import UserFactory, WorkshopFactory
from workers.models import ImportBatch, ImportStatus, Worker, Workshop

pytestmark = pytest.mark.django_db

UPLOAD = reverse("workers:import_upload", args=["workers"])
ROSTER = (
    "工号,姓名,车间,工种,政治面貌,积极分子\r\n"
    "T001,王福贵,第一机工车间,车工,中共党员,否\r\n"
    "T002,李秀英,zz,铸工,共青团员,是\r\n"
    "T003,张建国,铸造车间,,群众,\r\n"
)


@pytest.fixture
def shops(db):
    return (
        WorkshopFactory(code="jg1", name="第一机工车间"),
        WorkshopFactory(code="zz", name="铸造车间"),
    )


def upload(client, text=ROSTER, name="roster.csv", encoding="gbk", **data):
    content = text.encode(encoding) if isinstance(text, str) else text
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content), **data})


def batch_urls(batch):
    return [
        reverse("workers:import_batch", args=[batch.pk]),
        reverse("workers:import_failed_rows", args=[batch.pk]),
    ]


# --- access --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("workers:import_index"),
        UPLOAD,
        reverse("workers:import_batch", args=[1]),
        reverse("workers:import_failed_rows", args=[1]),
    ],
)
def test_anonymous_is_sent_to_login(anonymous_client, url):
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
@pytest.mark.parametrize("url", [reverse("workers:import_index"), UPLOAD])
def test_managers_and_helpers_may_not_import(request, persona, url):
    client = request.getfixturevalue(persona)
    assert client.get(url).status_code == 403
    assert upload(client).status_code == 403


def test_an_unknown_kind_is_404(secretary_client):
    url = reverse("workers:import_upload", args=["salaries"])
    assert secretary_client.get(url).status_code == 404


def test_the_secretary_sees_the_import_pages_and_nav_entry(secretary_client):
    index = secretary_client.get(reverse("workers:import_index"))
    assert index.status_code == 200
    assert b'data-kind="workers"' in index.content
    assert b'id="nav-import"' in index.content
    page = secretary_client.get(UPLOAD)
    assert page.status_code == 200
    assert b'name="create_workshops"' in page.content
    assert b'id="import-form"' in page.content and b"data-once" in page.content
    assert b'enctype="multipart/form-data"' in page.content


def test_managers_do_not_see_the_import_nav_entry(manager_client):
    assert b'id="nav-import"' not in manager_client.get(reverse("home")).content


# --- upload and preview -----------------------------------------------------------


def test_upload_shows_a_preview_and_saves_nothing(secretary_client, secretary, shops):
    response = upload(secretary_client)
    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch.uploaded_by == secretary
    assert batch.options == {"create_workshops": False}
    assert len(batch.sha256) == 64
    assert bytes(batch.content) == ROSTER.encode("gbk")
    assert response.context["counts"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
    }
    assert b'id="confirm-form"' in response.content
    assert [item["row"] for item in response.context["preview"]] == [2, 3, 4]
    assert "王福贵" in response.content.decode()
    assert not Worker.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "roster.csv", "empty"),
        ("工号,姓名,车间\r\n".encode("gbk"), "roster.csv", "no data rows"),
        ("工号,车间\r\nT1,jg1\r\n".encode("gbk"), "roster.csv", "“姓名” (or “name”)"),
        (b"MZ\x90\x00" + bytes(300), "roster.csv", "not a spreadsheet"),
        (b"<html><body><table></table></body></html>", "roster.xlsx", "web page"),
        (bytes(range(256)) * 10, "roster.csv", "could not be read"),
    ],
)
def test_a_file_level_problem_is_shown_on_the_form(
    secretary_client, content, name, words
):
    in_english(secretary_client)
    response = upload(secretary_client, content, name)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


def test_an_oversized_upload_is_refused(secretary_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    in_english(secretary_client)
    response = upload(secretary_client)
    assert "too large" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


def test_row_errors_are_listed_and_cannot_be_confirmed(secretary_client, shops):
    in_english(secretary_client)
    text = ROSTER + "T004,赵六,锻工车间,,群众,\r\nT002,重复,zz,,群众,\r\n"
    response = upload(secretary_client, text)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    assert [(e["row"], e["column"]) for e in response.context["errors"]] == [
        (5, "车间"),
        (6, "工号"),
    ]
    assert b'id="confirm-form"' not in response.content
    assert b'id="failed-rows-link"' in response.content
    # Confirming anyway imports nothing.
    secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    assert not Worker.objects.exists()


def test_failed_rows_download(secretary_client, shops):
    text = ROSTER + "T004,赵六,锻工车间,,群众,\r\n"
    upload(secretary_client, text)
    batch = ImportBatch.objects.get()
    response = secretary_client.get(
        reverse("workers:import_failed_rows", args=[batch.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[1:7] == [
        "工号",
        "姓名",
        "车间",
        "工种",
        "政治面貌",
        "积极分子",
    ]
    assert len(lines) == 2 and lines[1].startswith("5,T004,赵六,锻工车间")


def test_the_failed_rows_file_is_made_once_and_downloading_it_reads_no_file(
    secretary_client, shops
):
    upload(secretary_client, ROSTER + "T004,赵六,锻工车间,,群众,\r\n")
    batch = ImportBatch.objects.get()
    # The uploaded file is gone: a download that read it again would fail.
    ImportBatch.objects.filter(pk=batch.pk).update(content=b"not a file")
    url = reverse("workers:import_failed_rows", args=[batch.pk])
    lines = secretary_client.get(url).content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("5,T004,赵六,锻工车间")


def test_a_file_without_errors_has_no_failed_rows_to_download(secretary_client, shops):
    in_english(secretary_client)
    upload(secretary_client)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PREVIEWED
    url = reverse("workers:import_failed_rows", args=[batch.pk])
    response = secretary_client.get(url, follow=True)
    assert "no rows with errors" in response.content.decode()


def test_the_create_workshops_checkbox(secretary_client, shops):
    text = ROSTER + "T004,赵六,锻工车间,,群众,\r\n"
    upload(secretary_client, text, create_workshops="on")
    batch = ImportBatch.objects.get()
    assert batch.options == {"create_workshops": True}
    assert batch.status == ImportStatus.PREVIEWED
    secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    assert Worker.objects.get(employee_no="T004").workshop.name == "锻工车间"


def test_xlsx_upload(secretary_client, shops):
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    for line in ROSTER.strip().split("\r\n"):
        workbook.active.append(line.split(","))
    out = io.BytesIO()
    workbook.save(out)
    response = upload(secretary_client, out.getvalue(), "roster.xlsx")
    assert response.context["counts"]["created"] == 3


# --- confirm ---------------------------------------------------------------------


def test_confirm_imports_once_even_when_clicked_twice(secretary_client, shops):
    upload(secretary_client)
    batch = ImportBatch.objects.get()
    confirm = reverse("workers:import_confirm", args=[batch.pk])
    first = secretary_client.post(confirm)
    assert first.status_code == 302
    assert first.url == reverse("workers:import_batch", args=[batch.pk])
    assert Worker.objects.count() == 3
    history = Worker.history.count()
    second = secretary_client.post(confirm, follow=True)
    assert second.status_code == 200
    assert Worker.objects.count() == 3
    assert Worker.history.count() == history
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert batch.counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert batch.finished_at is not None
    assert b'id="batch-applied"' in second.content


def test_confirm_is_post_only(secretary_client, shops):
    upload(secretary_client)
    batch = ImportBatch.objects.get()
    url = reverse("workers:import_confirm", args=[batch.pk])
    assert secretary_client.get(url).status_code == 405


def test_confirm_rechecks_the_file_against_the_database(secretary_client, shops):
    upload(secretary_client)
    batch = ImportBatch.objects.get()
    # Meanwhile someone renamed a workshop the file names.
    Workshop.objects.filter(code="jg1").update(name="机工一车间")
    response = secretary_client.post(
        reverse("workers:import_confirm", args=[batch.pk]), follow=True
    )
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.error
    assert not Worker.objects.exists()


def test_a_database_failure_while_writing_marks_the_batch_failed(
    secretary_client, shops, monkeypatch
):
    from django.db import IntegrityError

    from workers.importing.roster import RosterImporter

    upload(secretary_client)
    batch = ImportBatch.objects.get()

    def explode(self, plan, *, user):
        Worker.objects.create(employee_no="X", name="x", workshop=shops[0])
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(RosterImporter, "write", explode)
    response = secretary_client.post(
        reverse("workers:import_confirm", args=[batch.pk]), follow=True
    )
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert not Worker.objects.exists()  # the partial write was rolled back


def test_reuploading_an_imported_file_warns_and_changes_nothing(
    secretary_client, shops
):
    upload(secretary_client)
    first = ImportBatch.objects.get()
    secretary_client.post(reverse("workers:import_confirm", args=[first.pk]))
    response = upload(secretary_client)
    assert response.context["counts"]["unchanged"] == 3
    assert response.context["earlier"] == first
    assert b'id="batch-earlier"' in response.content


# --- who sees a batch ---------------------------------------------------------------


def test_another_secretary_may_see_a_batch(secretary_client, shops, client):
    upload(secretary_client, ROSTER + "T004,赵六,锻工车间,,群众,\r\n")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED  # it has rows with errors
    client.force_login(UserFactory(username="grace", groups=[SECRETARY]))
    for url in batch_urls(batch):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_others_get_404_for_a_batch(request, secretary_client, shops, persona):
    upload(secretary_client)
    batch = ImportBatch.objects.get()
    client = request.getfixturevalue(persona)
    for url in batch_urls(batch):
        assert client.get(url).status_code == 404
    confirm = reverse("workers:import_confirm", args=[batch.pk])
    assert client.post(confirm).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert not Worker.objects.filter(employee_no="T001").exists()


def test_recent_batches_are_listed_on_the_upload_page(secretary_client, shops):
    upload(secretary_client)
    page = secretary_client.get(UPLOAD)
    assert [b.pk for b in page.context["batches"]] == [ImportBatch.objects.get().pk]


def test_a_previewed_batch_can_be_reopened(secretary_client, shops):
    upload(secretary_client)
    batch = ImportBatch.objects.get()
    response = secretary_client.get(reverse("workers:import_batch", args=[batch.pk]))
    assert response.status_code == 200
    assert b'id="confirm-form"' in response.content
    assert response.context["counts"]["created"] == 3
