"""factory_boy factories. Memberships go through the service so that permissions follow."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from stakeholders.models import Body, EsfProject, Organization, Person, TargetGroup, Territory
from stakeholders.validators import ico_checksum_digit
from workflow.models import PlanningProcess


def valid_ico(n: int) -> str:
    head = f"{n % 10_000_000:07d}"
    return f"{head}{ico_checksum_digit(head)}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cz")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "heslo-pro-testy")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SuperUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory

    kind = Territory.Kind.ORP
    code = factory.Sequence(lambda n: f"{3000 + n}")
    name = factory.Sequence(lambda n: f"ORP Území {n}")


class MunicipalityFactory(TerritoryFactory):
    kind = Territory.Kind.MUNICIPALITY
    code = factory.Sequence(lambda n: f"{550000 + n}")
    name = factory.Sequence(lambda n: f"Obec {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.PROVIDER
    name = factory.Sequence(lambda n: f"Organizace {n}, z. s.")
    ico = factory.Sequence(lambda n: valid_ico(1_000_000 + n))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Jana{n}")
    last_name = factory.Sequence(lambda n: f"Nováková{n}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@example.cz")


class TargetGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"skupina-{n}")
    name = factory.Sequence(lambda n: f"Cílová skupina {n}")


class EsfProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EsfProject

    programme = EsfProject.Programme.OPZ
    call = "03_19_106"
    registration_number = factory.Sequence(lambda n: f"CZ.03.2.63/0.0/0.0/19_106/{15152 + n:07d}")
    name = factory.Sequence(lambda n: f"Plánování sociálních služeb {n}")
    starts_on = dt.date(2020, 7, 1)
    ends_on = dt.date(2022, 12, 31)
    beneficiary = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.COMMISSIONER)
    retention_until = dt.date(2033, 12, 31)


class PlanningProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanningProcess

    territory = factory.SubFactory(TerritoryFactory)
    title = factory.Sequence(lambda n: f"Komunitní plán sociálních služeb {n}")
    period_start_year = 2023
    period_end_year = 2025


class BodyFactory(factory.django.DjangoModelFactory):
    """A steering group of a process unless told otherwise."""

    class Meta:
        model = Body

    kind = Body.Kind.STEERING_GROUP
    name = factory.Sequence(lambda n: f"Řídící skupina {n}")
    process = factory.SubFactory(PlanningProcessFactory)
    territory = None
