"""The personas (STYLE.md): secretary, helper, other_helper, manager,
other_manager and an inactive user, and the two workshops they work in.

Plain functions, so that a persona is made the same way for one test
(tests/conftest.py) and once for a whole module (tests/worlds.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from factory.roles import HELPER, MANAGER, SECRETARY
from tests.factories import UserFactory, WorkerFactory, WorkshopFactory
from workers.models import PoliticalStatus, Workshop


def make_workshop() -> Workshop:
    return WorkshopFactory(code="jg2", name="第二机工车间")


def make_other_workshop() -> Workshop:
    return WorkshopFactory(code="zz", name="铸造车间")


def make_secretary() -> AbstractBaseUser:
    return UserFactory(username="alice", groups=[SECRETARY])


def make_manager(workshop: Workshop) -> AbstractBaseUser:
    user = UserFactory(username="bob", groups=[MANAGER])
    workshop.managers.add(user)
    return user


def make_other_manager(other_workshop: Workshop) -> AbstractBaseUser:
    user = UserFactory(username="charlie", groups=[MANAGER])
    other_workshop.managers.add(user)
    return user


def make_helper(workshop: Workshop) -> AbstractBaseUser:
    user = UserFactory(username="dora", groups=[HELPER])
    WorkerFactory(
        name="团支书",
        workshop=workshop,
        political_status=PoliticalStatus.LEAGUE_MEMBER,
        user=user,
    )
    return user


def make_other_helper(workshop: Workshop) -> AbstractBaseUser:
    user = UserFactory(username="erin", groups=[HELPER])
    WorkerFactory(
        name="韩文联",
        workshop=workshop,
        political_status=PoliticalStatus.PARTY_MEMBER,
        user=user,
    )
    return user


def make_inactive_user() -> AbstractBaseUser:
    return UserFactory(username="frank", groups=[SECRETARY], is_active=False)


@dataclass
class People:
    workshop: Workshop
    other_workshop: Workshop
    secretary: AbstractBaseUser
    manager: AbstractBaseUser
    other_manager: AbstractBaseUser
    helper: AbstractBaseUser
    other_helper: AbstractBaseUser
    inactive_user: AbstractBaseUser


def make_people() -> People:
    workshop, other_workshop = make_workshop(), make_other_workshop()
    return People(
        workshop=workshop,
        other_workshop=other_workshop,
        secretary=make_secretary(),
        manager=make_manager(workshop),
        other_manager=make_other_manager(other_workshop),
        helper=make_helper(workshop),
        other_helper=make_other_helper(workshop),
        inactive_user=make_inactive_user(),
    )
