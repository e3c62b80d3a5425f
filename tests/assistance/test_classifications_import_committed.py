"""The classifications import as the command runs it in production,
outside any transaction the test itself would provide."""

import datetime as dt

import pytest
from django.core.management import call_command

from tests.factories import ProductionRecordFactory, WorkerFactory, WorkshopFactory
from workers.importing import get_importer
from workers.models import Cause, ShortfallClassification

MARCH = dt.date(1956, 3, 1)
ROWS = "employee_no,month,cause,note\r\nR001,1956-03,technique,\r\n"


@pytest.fixture
def below_quota(transactional_db):
    worker = WorkerFactory(employee_no="R001", workshop=WorkshopFactory())
    ProductionRecordFactory(worker=worker, month=MARCH, output=60)
    return worker


@pytest.mark.django_db(transaction=True)
def test_command_imports_in_autocommit_mode(below_quota, tmp_path):
    # The stored rows are locked with SELECT … FOR UPDATE, which PostgreSQL
    # only allows inside a transaction: apply() must open one itself.
    path = tmp_path / "causes.csv"
    path.write_text(ROWS, encoding="utf-8")
    call_command("import_classifications", str(path))
    call_command("import_classifications", str(path))
    assert ShortfallClassification.objects.get(worker=below_quota).cause == (
        Cause.TECHNIQUE
    )


@pytest.mark.django_db(transaction=True)
def test_apply_is_all_or_nothing(below_quota, monkeypatch):
    """A failure while writing the updates leaves the created rows unsaved."""
    import workers.classification as module

    other = WorkerFactory(employee_no="R002", workshop=below_quota.workshop)
    ProductionRecordFactory(worker=other, month=MARCH, output=70)
    ShortfallClassification.objects.create(
        worker=other, month=MARCH, cause=Cause.OTHER, note=""
    )
    rows = ROWS + "R002,1956-03,family,\r\n"
    importer = get_importer("classifications")
    plan = importer.plan(importer.read(rows.encode(), "causes.csv"), options={})
    assert plan.ok

    def broken(*args, **kwargs):
        raise RuntimeError("history table down")

    monkeypatch.setattr(module, "bulk_update_with_history", broken)
    with pytest.raises(RuntimeError):
        importer.apply(plan, user=None)
    assert not ShortfallClassification.objects.filter(worker=below_quota).exists()
