"""The security tests' small factory full of private matter
(tests/security/world.py): built for each test, or once for a module marked
``world_per_module`` (tests/conftest.py)."""

import pytest
from django.db import transaction

from tests.conftest import built_once_per_module, shared_copy
from tests.people import People
from tests.security.world import (  # noqa: F401 (the tests import them from here)
    FORBIDDEN,
    PERSONAS,
    SENTINEL,
    SENTINEL_OTHER,
    build_world,
    make_demoted,
    make_left_helper,
)


@pytest.fixture(scope="module")
def shared_private_world(shared_people) -> dict:
    with transaction.atomic():  # one transaction: the summaries kept once
        left_helper = make_left_helper(shared_people.workshop)
        demoted = make_demoted()
        objects = build_world(shared_people, left_helper=left_helper, demoted=demoted)
    return {"left_helper": left_helper, "demoted": demoted, "objects": objects}


@pytest.fixture(scope="module", autouse=True)
def _private_world_built_once(request):
    if request.node.get_closest_marker("world_per_module") is not None:
        request.getfixturevalue("shared_private_world")


@pytest.fixture
def left_helper(request, db, workshop):
    if built_once_per_module(request):
        return shared_copy(request, "shared_private_world")["left_helper"]
    return make_left_helper(workshop)


@pytest.fixture
def demoted(request, db):
    if built_once_per_module(request):
        return shared_copy(request, "shared_private_world")["demoted"]
    return make_demoted()


@pytest.fixture
def world(
    request,
    secretary,
    helper,
    other_helper,
    manager,
    other_manager,
    inactive_user,
    left_helper,
    demoted,
    workshop,
    other_workshop,
):
    if built_once_per_module(request):
        return shared_copy(request, "shared_private_world")["objects"]
    people = People(
        workshop=workshop,
        other_workshop=other_workshop,
        secretary=secretary,
        manager=manager,
        other_manager=other_manager,
        helper=helper,
        other_helper=other_helper,
        inactive_user=inactive_user,
    )
    return build_world(people, left_helper=left_helper, demoted=demoted)
