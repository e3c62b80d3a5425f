"""Fixtures for the help-case tests: a worker below quota and their case."""

import datetime as dt
from decimal import Decimal

import pytest

from assistance.models import Measure
from assistance.services import open_case
from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import Cause

FEB = dt.date(1956, 2, 1)
MAR = dt.date(1956, 3, 1)
APR = dt.date(1956, 4, 1)
MAY = dt.date(1956, 5, 1)
# Found in a response means a note leaked to someone who may not read it.
SENTINEL = "SENTINEL-夫妻吵架-7f3a"


def record(worker, month, output, quota=100):
    return ProductionRecordFactory(
        worker=worker, month=month, quota=Decimal(quota), output=Decimal(output)
    )


@pytest.fixture
def helper_worker(helper):
    return helper.worker


@pytest.fixture
def other_helper_worker(other_helper):
    return other_helper.worker


@pytest.fixture
def failing_worker(workshop):
    """Hu Weiliang: below quota in March."""
    worker = WorkerFactory(name="胡维亮", workshop=workshop)
    record(worker, MAR, 80)
    return worker


@pytest.fixture
def case(failing_worker, helper_worker, secretary):
    return open_case(
        worker=failing_worker,
        month=MAR,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        helpers=[helper_worker],
        opened_by=secretary,
    )
