"""factory_boy factories for the tests (tests/conftest.py builds personas)."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tests.factory_boy import factory
from workers.models import PoliticalStatus, ProductionRecord, Worker, Workshop

MARCH_1956 = dt.date(1956, 3, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ws{n}")
    name = factory.Sequence(lambda n: f"第{n}车间")


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"工人{n}")
    workshop = factory.SubFactory(WorkshopFactory)
    trade = "车工"
    political_status = PoliticalStatus.MASSES


class ProductionRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductionRecord

    worker = factory.SubFactory(WorkerFactory)
    month = MARCH_1956
    quota = Decimal("100")
    output = Decimal("100")
    unit = "件"
