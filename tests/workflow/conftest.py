"""A planning process with a complete steering group whose members can log in and vote."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.models import Body, Membership, Person, Territory
from tests.factories import UserFactory
from workflow import services
from workflow.models import Decision, PlanningProcess

# key → (role, triad side); the coordinator and methodologist do not vote
STEERING_SEATS: dict[str, tuple[str, str]] = {
    "coordinator": (Membership.Role.COORDINATOR, ""),
    "methodologist": (Membership.Role.METHODOLOGIST, ""),
    "chair": (Membership.Role.CHAIR, Membership.TriadSide.COMMISSIONER),
    "provider": (Membership.Role.MEMBER, Membership.TriadSide.PROVIDER),
    "user": (Membership.Role.MEMBER, Membership.TriadSide.USER),
    "public": (Membership.Role.MEMBER, Membership.TriadSide.PUBLIC),
    "observer": (Membership.Role.OBSERVER, Membership.TriadSide.PUBLIC),
}


@dataclass
class Cycle:
    admin: Any
    process: PlanningProcess
    steering_group: Body
    users: dict[str, Any] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)

    @property
    def coordinator(self) -> Any:
        return self.users["coordinator"]

    @property
    def voters(self) -> list[Membership]:
        return [self.memberships[k] for k in ("chair", "provider", "user", "public")]

    def reload(self) -> PlanningProcess:
        self.process = PlanningProcess.objects.get(pk=self.process.pk)
        return self.process

    def adopted_decision(self, transition: str, **kwargs: Any) -> Decision:
        """A steering-group decision on a transition, adopted at a meeting by all four voters."""
        decision = services.decision_create(
            actor=self.coordinator,
            process=self.process,
            body=self.steering_group,
            subject=Decision.Subject.STAGE_TRANSITION,
            transition=transition,
            title=f"Schválení kroku {transition}",
            mode=Decision.Mode.MEETING,
            **kwargs,
        )
        services.decision_set_present(
            actor=self.coordinator, decision=decision, memberships=self.voters
        )
        for membership in self.voters:
            services.vote_cast(
                actor=self.coordinator, decision=decision, membership=membership, choice="for"
            )
        return services.decision_close(actor=self.coordinator, decision=decision)


def build_cycle(admin: Any, *, code: str = "3203", name: str = "ORP Horažďovice") -> Cycle:
    territory = Territory.objects.filter(kind=Territory.Kind.ORP, code=code).first()
    territory = territory or stakeholder_services.territory_create(
        actor=admin, kind=Territory.Kind.ORP, code=code, name=name
    )
    process = services.process_create(
        actor=admin,
        territory=territory,
        title=f"Komunitní plán {name}",
        period_start_year=2023,
        period_end_year=2025,
    )
    steering = stakeholder_services.body_create(
        actor=admin, kind=Body.Kind.STEERING_GROUP, name=f"Řídící skupina {name}", process=process
    )
    cycle = Cycle(admin=admin, process=process, steering_group=steering)
    for key, (role, side) in STEERING_SEATS.items():
        user = UserFactory(username=f"{key}-{code}")
        person = stakeholder_services.person_create(
            actor=admin,
            first_name=key.title(),
            last_name=name,
            user=user,
            email=f"{key}-{code}@example.cz",
        )
        cycle.users[key] = user
        cycle.memberships[key] = stakeholder_services.membership_create(
            actor=admin,
            person=person,
            body=steering,
            role=role,
            triad_side=side,
            valid_from=timezone.localdate() - dt.timedelta(days=30),
        )
    return cycle


@pytest.fixture
def cycle(superuser) -> Cycle:
    return build_cycle(superuser)


@pytest.fixture
def other_cycle(superuser) -> Cycle:
    return build_cycle(superuser, code="3214", name="ORP Sušice")


def person_of(membership: Membership) -> Person:
    return membership.person
