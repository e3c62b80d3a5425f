"""Read replica: the report pages read from 'replica', writes go to 'default'
(factory/db_router.py). 'replica' is a test mirror of the primary
(factory/test_settings.py), so committed rows are visible on both."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from factory import db_router
from tests.factories import WorkerFactory
from workers.models import ProductionRecord, Worker
from workers.services import RecordInput, save_records

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
MARCH = dt.date(1956, 3, 1)


@pytest.fixture
def replica_on():
    with override_settings(READ_REPLICA="replica"):
        yield


@pytest.fixture
def data(workshop):
    worker = WorkerFactory(workshop=workshop)
    save_records(
        rows=[RecordInput(worker.pk, MARCH, Decimal(100), Decimal(120))],
        by=None,
        source="test",
    )
    return worker


def _queries(alias, captured):
    return " ".join(q["sql"] for q in captured.captured_queries)


def test_the_dashboard_reads_from_the_replica(replica_on, secretary, data):
    client = Client()
    client.force_login(secretary)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get("/dashboard/?month=1956-03")
    assert response.status_code == 200
    assert "workers_productionrecord" in _queries("replica", replica)
    assert "workers_productionrecord" not in _queries("default", primary)
    # Who is logged in comes from the primary (a report may still join a
    # user's name to its rows on the replica).
    assert 'FROM "auth_user"' not in _queries("replica", replica)
    assert 'FROM "auth_user"' in _queries("default", primary)


def test_other_pages_read_from_the_primary(replica_on, secretary, data):
    client = Client()
    client.force_login(secretary)
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get("/workers/").status_code == 200
    assert len(replica) == 0


def test_writes_go_to_the_primary_and_so_do_the_reads_after_them(replica_on, data):
    token = db_router._reads.set("replica")
    try:
        assert db_router.ReplicaRouter().db_for_read(Worker) == "replica"
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            save_records(
                rows=[RecordInput(data.pk, MARCH, Decimal(100), Decimal(90))],
                by=None,
                source="test",
            )
            assert ProductionRecord.objects.get(worker=data).output == Decimal(90)
        assert "workers_productionrecord" in _queries("default", primary)
        assert len(replica) == 0
        assert db_router.ReplicaRouter().db_for_read(Worker) == "default"
    finally:
        db_router._reads.reset(token)


def test_without_a_replica_everything_reads_the_primary(secretary, data):
    client = Client()
    client.force_login(secretary)
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get("/dashboard/?month=1956-03").status_code == 200
    assert len(replica) == 0
