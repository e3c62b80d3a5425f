"""Fixtures shared by the factory tests: the demo factory, seeded once."""

from io import StringIO

import pytest
from django.core.management import call_command

from factory.demo.build import wipe_demo


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
