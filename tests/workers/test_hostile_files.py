"""No file can take a worker down: every file of the hostile corpus
(tests/hostile_files.py) is refused with a message that says which limit, by
a process that then serves the next request, whether the request, the task
worker or the command reads it.

The far-cell workbook whose rows and columns are each within their limits
(GR200000) passes every check made on the stream and makes the parser ask
for 1.3 GB: it is refused because the parse runs in a child process under a
memory limit. Read in this process, it would abort the test run itself.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from tests import hostile_files
from tests.conftest import in_english
from tests.tasks import run_queued_tasks
from workers.importing import get_importer, read_table
from workers.importing.contained import contained_rows
from workers.importing.limits import ImportFileError
from workers.models import ImportBatch, ImportStatus

pytestmark = pytest.mark.django_db

CORPUS = hostile_files.corpus()

# What each file is refused for: a words of its message.
REFUSED_FOR = {
    "far cell XFD1048576": "more than 200,000 rows",
    "far cell Z1048576": "more than 200,000 rows",
    "far cell GR200000 after 20,010 empty rows": "more than 512 MB of memory",
    "far cell .ods": "more than 200,000 rows",
    "wide .ods": "a workbook may span at most 8,000,000",
    "far cell .xls": "more than 512 MB of memory",
    "entries of spaces": "zip bomb",
    "1,500 entries": "zip bomb",
    "billion laughs": "XML entity declarations",
    "external entity": "XML entity declarations",
    "3,000,000-row CSV": "more than 200,000 rows",
    "300 columns": "a file may have at most 200",
    "100,000-character cell": "a cell may hold at most",
}


def test_every_file_of_the_corpus_says_what_it_is_refused_for():
    assert set(REFUSED_FOR) == set(CORPUS)


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_hostile_upload_is_refused_and_the_next_request_is_served(
    secretary_client, name
):
    in_english(secretary_client)
    filename, data = CORPUS[name]
    response = secretary_client.post(
        reverse("workers:import_upload", args=["records"]),
        {"file": SimpleUploadedFile(filename, data)},
    )
    batch = ImportBatch.objects.first()
    if batch is not None and batch.background:
        # Large enough for the task worker: it reads it, refuses it, lives.
        assert run_queued_tasks() == 1
        batch.refresh_from_db()
        assert batch.status == ImportStatus.FAILED
        assert REFUSED_FOR[name] in batch.error
        assert batch.retry == ""  # refused for good, not offered again
        shown = secretary_client.get(reverse("workers:import_batch", args=[batch.pk]))
        assert REFUSED_FOR[name] in shown.content.decode()
    else:
        assert response.status_code == 200
        assert REFUSED_FOR[name] in response.content.decode()
        assert not ImportBatch.objects.exists()
    assert secretary_client.get(reverse("workers:import_index")).status_code == 200


def test_the_far_cell_workbook_is_refused_by_the_command(tmp_path):
    filename, data = CORPUS["far cell XFD1048576"]
    path = tmp_path / filename
    path.write_bytes(data)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("import_records", str(path))
    assert "more than 200,000 rows" in str(refused.value)


def test_the_memory_hungry_workbook_is_refused_by_the_command(tmp_path):
    filename, data = CORPUS["far cell GR200000 after 20,010 empty rows"]
    path = tmp_path / filename
    path.write_bytes(data)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("import_records", str(path))
    assert "more than 512 MB of memory" in str(refused.value)


def spin():
    while True:
        pass
    yield  # a generator, like the workbook's rows


def test_a_parse_past_its_processor_time_is_stopped_and_named(settings):
    settings.IMPORT_PARSE_CPU_SECONDS = 1
    with translation.override("en"), pytest.raises(ImportFileError) as stopped:
        list(contained_rows(spin))
    assert "more than 1 seconds of processor time" in stopped.value.message


def test_a_refusal_raised_in_the_child_reaches_the_reader_with_its_message():
    def refuse():
        yield 1, ["E1"]
        raise ImportFileError("refused in the child")

    rows = contained_rows(refuse)
    assert next(rows) == (1, ["E1"])
    with pytest.raises(ImportFileError, match="refused in the child"):
        next(rows)


def test_the_row_estimate_inflates_nothing_of_a_container_past_its_limits(
    monkeypatch,
):
    import zipfile

    from workers.importing import batches

    workbook = hostile_files.rewritten_xlsx(lambda name, content: content)
    opened = []
    real_open = zipfile.ZipFile.open

    def open_and_note(archive, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(archive, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_and_note)
    for name in ("entries of spaces", "1,500 entries"):
        assert batches.estimate_rows(CORPUS[name][1]) == 0
    assert opened == []
    # Within its limits, a workbook is streamed to count its rows.
    assert batches.estimate_rows(workbook) == 1
    assert opened == ["xl/worksheets/sheet1.xml"]


def test_a_csv_of_far_more_lines_than_the_row_limit_is_refused_before_decoding(
    monkeypatch,
):
    from workers.importing import csv_files

    decoded = []
    real_decode = csv_files.decode
    monkeypatch.setattr(
        csv_files, "decode", lambda data: decoded.append(1) or real_decode(data)
    )
    filename, data = CORPUS["3,000,000-row CSV"]
    with translation.override("en"), pytest.raises(ImportFileError) as refused:
        read_table(data, filename, get_importer("records").columns)
    assert "more than 200,000 rows" in refused.value.message
    assert decoded == []
    # Within twice the limit, it is read, and refused at the row past it.
    within = hostile_files.csv_of_rows(250_000)
    with translation.override("en"), pytest.raises(ImportFileError):
        read_table(within, filename, get_importer("records").columns)
    assert decoded == [1]
