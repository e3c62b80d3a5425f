"""The importers pause Python's cyclic collector while they work, and leave
it as they found it (workers.importing.base.collector_paused)."""

import gc

import pytest

from workers.importing.base import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_a_pause_ends_with_the_last_of_nested_pauses():
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_ends_when_the_step_fails():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off():
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_reading_planning_and_applying_leave_it_on(db, secretary):
    from tests.factories import WorkerFactory
    from workers.importing import get_importer

    worker = WorkerFactory(employee_no="E1")
    importer = get_importer("records")
    table = importer.read(
        b"employee_no,month,quota,output\nE1,1956-03,100,90\n", "r.csv"
    )
    assert gc.isenabled()
    plan = importer.plan(table, options={})
    assert gc.isenabled() and plan.ok
    importer.apply(plan, user=secretary)
    assert gc.isenabled()
    assert worker.records.count() == 1
