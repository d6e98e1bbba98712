"""A small planning world: two ORPs, a process in each, one login per role.

Territory "ORP Horažďovice" runs the process under test with its steering group, two working
groups (seniors; people with disabilities), an ESF audit body, and the town's board (Rada) and
assembly (Zastupitelstvo). "ORP Sušice" runs another process with its own coordinator, to prove
that nothing leaks across territories. Every membership goes through ``membership_create`` so that
the object permissions are the ones the services grant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import models, transaction

from stakeholders import services
from stakeholders.models import Body, Membership, Person, TargetGroup, Territory
from tests.factories import SuperUserFactory, UserFactory
from workflow.models import PlanningProcess
from workflow.services import process_create

# role key → (body attribute of World, membership role)
SEATS: dict[str, tuple[str, str]] = {
    "coordinator": ("steering_group", Membership.Role.COORDINATOR),
    "methodologist": ("steering_group", Membership.Role.METHODOLOGIST),
    "sg_member": ("steering_group", Membership.Role.MEMBER),
    "sg_chair": ("steering_group", Membership.Role.CHAIR),
    "sg_secretary": ("steering_group", Membership.Role.SECRETARY),
    "wg_member": ("wg_seniors", Membership.Role.MEMBER),
    "other_wg_member": ("wg_disabled", Membership.Role.MEMBER),
    "auditor": ("audit_body", Membership.Role.AUDITOR),
    "board_secretary": ("board", Membership.Role.SECRETARY),
    "assembly_secretary": ("assembly", Membership.Role.SECRETARY),
    "other_coordinator": ("other_steering_group", Membership.Role.COORDINATOR),
}


# World attribute → model, for the objects reloaded before each test
OBJECTS: dict[str, type[models.Model]] = {
    "superuser": get_user_model(),
    "territory": Territory,
    "other_territory": Territory,
    "process": PlanningProcess,
    "other_process": PlanningProcess,
    "seniors": TargetGroup,
    "disabled": TargetGroup,
    "steering_group": Body,
    "wg_seniors": Body,
    "wg_disabled": Body,
    "audit_body": Body,
    "board": Body,
    "assembly": Body,
    "other_steering_group": Body,
}


@dataclass
class World:
    superuser: Any
    territory: Territory
    other_territory: Territory
    process: PlanningProcess
    other_process: PlanningProcess
    seniors: TargetGroup
    disabled: TargetGroup
    steering_group: Body
    wg_seniors: Body
    wg_disabled: Body
    audit_body: Body
    board: Body
    assembly: Body
    other_steering_group: Body
    users: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)

    def keys(self) -> dict[str, Any]:
        """Primary keys of everything in the world, to load fresh instances from."""
        return {
            **{name: getattr(self, name).pk for name in OBJECTS},
            "users": {key: user.pk for key, user in self.users.items()},
            "people": {key: person.pk for key, person in self.people.items()},
            "memberships": {key: m.pk for key, m in self.memberships.items()},
        }

    @classmethod
    def load(cls, keys: dict[str, Any]) -> World:
        users = get_user_model().objects.in_bulk(keys["users"].values())
        people = Person.objects.in_bulk(keys["people"].values())
        memberships = Membership.objects.in_bulk(keys["memberships"].values())
        return cls(
            **{name: model.objects.get(pk=keys[name]) for name, model in OBJECTS.items()},
            users={key: users[pk] for key, pk in keys["users"].items()},
            people={key: people[pk] for key, pk in keys["people"].items()},
            memberships={key: memberships[pk] for key, pk in keys["memberships"].items()},
        )

    def body(self, name: str) -> Body:
        return getattr(self, name)

    def add_member(
        self, key: str, body: Body, role: str = Membership.Role.MEMBER, **kwargs: Any
    ) -> Membership:
        """A new login with a person record and one membership (appointed by the superuser)."""
        user = self.users.get(key) or UserFactory(username=key)
        person = self.people.get(key) or services.person_create(
            actor=self.superuser,
            first_name=key.replace("_", " ").title(),
            last_name="Testová",
            user=user,
        )
        membership = services.membership_create(
            actor=self.superuser, person=person, body=body, role=role, **kwargs
        )
        self.users[key], self.people[key] = user, person
        self.memberships.setdefault(key, membership)
        return membership


def build_world(superuser: Any) -> World:
    actor = superuser
    territory = services.territory_create(
        actor=actor, kind=Territory.Kind.ORP, code="3203", name="ORP Horažďovice"
    )
    other_territory = services.territory_create(
        actor=actor, kind=Territory.Kind.ORP, code="3214", name="ORP Sušice"
    )
    process = process_create(
        actor=actor,
        territory=territory,
        title="Komunitní plán sociálních služeb ORP Horažďovice",
        period_start_year=2025,
        period_end_year=2027,
    )
    other_process = process_create(
        actor=actor,
        territory=other_territory,
        title="Střednědobý plán rozvoje sociálních služeb ORP Sušice",
        period_start_year=2025,
        period_end_year=2028,
    )
    seniors = services.target_group_create(actor=actor, code="seniori", name="Senioři")
    disabled = services.target_group_create(
        actor=actor, code="osoby-se-zdravotnim-postizenim", name="Osoby se zdravotním postižením"
    )

    def body(kind: str, name: str, **kwargs: Any) -> Body:
        return services.body_create(actor=actor, kind=kind, name=name, **kwargs)

    world = World(
        superuser=superuser,
        territory=territory,
        other_territory=other_territory,
        process=process,
        other_process=other_process,
        seniors=seniors,
        disabled=disabled,
        steering_group=body(Body.Kind.STEERING_GROUP, "Řídící skupina", process=process),
        wg_seniors=body(
            Body.Kind.WORKING_GROUP, "PS Senioři", process=process, target_group=seniors
        ),
        wg_disabled=body(
            Body.Kind.WORKING_GROUP,
            "PS Osoby se zdravotním postižením",
            process=process,
            target_group=disabled,
        ),
        audit_body=body(Body.Kind.AUDIT, "Kontrola projektu ESF", process=process),
        board=body(Body.Kind.BOARD, "Rada města Horažďovice", territory=territory),
        assembly=body(Body.Kind.ASSEMBLY, "Zastupitelstvo města Horažďovice", territory=territory),
        other_steering_group=body(
            Body.Kind.STEERING_GROUP, "Řídící skupina Sušicko", process=other_process
        ),
    )
    for key, (body_name, role) in SEATS.items():
        world.add_member(key, world.body(body_name), role)
    return world


@pytest.fixture(scope="module")
def world_keys(django_db_setup, django_db_blocker) -> Any:
    """The world is built once per test module, in a transaction rolled back after the module.

    Each test runs in its own nested transaction (the ``db`` fixture) and gets fresh instances
    (``world``), so what one test writes never reaches the next. Tests that need real commits
    (``transaction=True``) cannot use the world.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        # the same login as the ``superuser`` fixture (the factory gets or creates by username)
        yield build_world(SuperUserFactory(username="spravce")).keys()
        transaction.set_rollback(True)


@pytest.fixture
def world(world_keys, db) -> World:
    return World.load(world_keys)
