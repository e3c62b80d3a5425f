"""Fixtures shared by the factory tests: the demo factory, seeded once per
module, and the small factory of the report tests."""

from io import StringIO

import pytest
from django.core.management import call_command

from factory.demo.build import wipe_demo
from tests.conftest import built_once_per_module, shared_copy
from tests.factory.test_report_data import build_small_factory


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes seconds), and take it away after.

    Each test still runs in its own rolled-back transaction (the db fixture),
    so the tests that seed again or reset see the module's demo and leave it.
    """
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        wipe_demo()


@pytest.fixture
def demo(demo_output, db):
    return demo_output


@pytest.fixture(scope="module")
def shared_small(shared_people):
    return build_small_factory(shared_people.workshop, shared_people.other_workshop)


@pytest.fixture(scope="module", autouse=True)
def _small_built_once(request):
    if request.node.get_closest_marker("world_per_module") is not None:
        request.getfixturevalue("shared_small")


@pytest.fixture
def small(request, db, workshop, other_workshop):
    """The small factory of the report tests (test_report_data.py)."""
    if built_once_per_module(request):
        return shared_copy(request, "shared_small")
    return build_small_factory(workshop, other_workshop)
