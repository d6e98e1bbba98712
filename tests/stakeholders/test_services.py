"""Services of stakeholders: bodies and memberships, their rules, permissions and history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from stakeholders import services
from stakeholders.exceptions import PermissionDenied, ValidationFailed
from stakeholders.models import Body, BodyUserObjectPermission, Membership, Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


# --- membership_create ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body_name", "role"),
    [
        ("wg_seniors", Membership.Role.AUDITOR),
        ("steering_group", Membership.Role.AUDITOR),
        ("audit_body", Membership.Role.MEMBER),
        ("board", Membership.Role.COORDINATOR),
    ],
)
def test_membership_create_refuses_a_role_the_body_kind_does_not_allow(world, body_name, role):
    with pytest.raises(ValidationFailed) as info:
        services.membership_create(
            actor=world.superuser,
            person=PersonFactory(),
            body=world.body(body_name),
            role=role,
        )
    assert "role" in info.value.errors
    assert not Membership.objects.filter(body=world.body(body_name), role=role).exists()


@pytest.mark.parametrize(
    ("actor_key", "body_name"),
    [
        ("wg_member", "wg_seniors"),  # a member does not appoint members
        ("sg_member", "steering_group"),
        ("methodologist", "wg_seniors"),
        ("auditor", "audit_body"),
        ("coordinator", "other_steering_group"),  # another territory's process
        ("coordinator", "board"),  # council bodies are not the coordinator's
        ("other_coordinator", "steering_group"),
        ("public", "steering_group"),
    ],
)
def test_membership_create_refuses_without_permission(world, actor_key, body_name):
    actor = AnonymousUser() if actor_key == "public" else world.users[actor_key]
    with pytest.raises(PermissionDenied):
        services.membership_create(actor=actor, person=PersonFactory(), body=world.body(body_name))


def test_coordinator_appoints_to_any_body_of_their_process(world):
    person = services.person_create(
        actor=world.users["coordinator"], first_name="Petr", last_name="Svoboda"
    )
    for body in (world.steering_group, world.wg_seniors, world.wg_disabled):
        services.membership_create(actor=world.users["coordinator"], person=person, body=body)
    assert person.memberships.count() == 3


def test_membership_create_records_actor_and_reason_in_history(world):
    coordinator = world.users["coordinator"]
    membership = services.membership_create(
        actor=coordinator,
        person=PersonFactory(),
        body=world.wg_seniors,
        triad_side=Membership.TriadSide.PROVIDER,
        appointing_resolution="717/24/RM/2025",
        reason="Jmenování na návrh poskytovatele",
    )
    record = membership.history.get()
    assert record.history_type == "+"
    assert record.history_user == coordinator
    assert record.history_change_reason == "Jmenování na návrh poskytovatele"


def test_membership_create_refuses_an_end_before_the_start(world):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as info:
        services.membership_create(
            actor=world.superuser,
            person=PersonFactory(),
            body=world.wg_seniors,
            valid_from=today,
            valid_to=today.replace(year=today.year - 1),
        )
    assert "valid_to" in info.value.errors


# --- membership_end / membership_delete --------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_membership_end_needs_a_reason(world, reason):
    membership = world.memberships["wg_member"]
    with pytest.raises(ValidationFailed) as info:
        services.membership_end(
            actor=world.users["coordinator"], membership=membership, reason=reason
        )
    assert "end_reason" in info.value.errors
    membership.refresh_from_db()
    assert membership.ended_at is None
    assert membership.is_current()


def test_membership_end_records_end_actor_and_reason(world):
    coordinator = world.users["coordinator"]
    ended = services.membership_end(
        actor=coordinator, membership=world.memberships["wg_member"], reason="Odstoupila"
    )
    assert ended.ended_at is not None
    assert ended.valid_to == timezone.localdate()
    assert ended.end_reason == "Odstoupila"
    assert not ended.is_current()
    latest = ended.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == coordinator
    assert latest.history_change_reason == "Odstoupila"


def test_membership_end_twice_is_refused(world):
    membership = world.memberships["wg_member"]
    services.membership_end(actor=world.superuser, membership=membership, reason="Odstoupila")
    with pytest.raises(ValidationFailed):
        services.membership_end(actor=world.superuser, membership=membership, reason="Znovu")


def test_membership_end_refuses_without_permission(world):
    with pytest.raises(PermissionDenied):
        services.membership_end(
            actor=world.users["wg_member"],
            membership=world.memberships["other_wg_member"],
            reason="Pokus",
        )
    with pytest.raises(PermissionDenied):
        services.membership_end(
            actor=world.users["other_coordinator"],
            membership=world.memberships["wg_member"],
            reason="Pokus",
        )


def test_membership_delete_records_the_deletion_with_actor_and_reason(world):
    membership = world.memberships["wg_member"]
    pk = membership.pk
    services.membership_delete(
        actor=world.users["coordinator"], membership=membership, reason="Zadáno omylem"
    )
    assert not Membership.objects.filter(pk=pk).exists()
    record = Membership.history.filter(id=pk).latest()
    assert record.history_type == "-"
    assert record.history_user == world.users["coordinator"]
    assert record.history_change_reason == "Zadáno omylem"


def test_membership_delete_refuses_without_permission(world):
    with pytest.raises(PermissionDenied):
        services.membership_delete(
            actor=world.users["auditor"],
            membership=world.memberships["wg_member"],
            reason="Pokus",
        )
    assert Membership.objects.filter(pk=world.memberships["wg_member"].pk).exists()


# --- body_create ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Body.Kind.BOARD, Body.Kind.ASSEMBLY, Body.Kind.DSO_ASSEMBLY])
def test_council_bodies_decide_by_a_majority_of_all_members(world, kind):
    body = services.body_create(
        actor=world.superuser, kind=kind, name="Orgán obce", territory=world.other_territory
    )
    assert body.majority_rule == Body.MajorityRule.MAJORITY_OF_ALL
    assert body.quorum_rule == Body.QuorumRule.MORE_THAN_HALF_OF_ALL


def test_council_rules_given_explicitly_are_kept(world):
    body = services.body_create(
        actor=world.superuser,
        kind=Body.Kind.BOARD,
        name="Rada",
        territory=world.other_territory,
        majority_rule=Body.MajorityRule.MAJORITY_OF_PRESENT,
    )
    assert body.majority_rule == Body.MajorityRule.MAJORITY_OF_PRESENT


def test_process_bodies_keep_the_default_majority(world):
    body = services.body_create(
        actor=world.superuser, kind=Body.Kind.STEERING_GROUP, name="ŘS", process=world.process
    )
    assert body.majority_rule == Body.MajorityRule.MAJORITY_OF_VOTING


def test_working_group_without_target_group_is_refused(world):
    with pytest.raises(ValidationFailed) as info:
        services.body_create(
            actor=world.superuser,
            kind=Body.Kind.WORKING_GROUP,
            name="PS bez cílové skupiny",
            process=world.process,
        )
    [message] = info.value.errors["target_group"]
    assert message in {
        "Pracovní skupina musí mít cílovou skupinu.",
        "A working group must have a target group.",
    }
    assert not Body.objects.filter(name="PS bez cílové skupiny").exists()


def test_only_a_working_group_has_a_target_group(world):
    with pytest.raises(ValidationFailed) as info:
        services.body_create(
            actor=world.superuser,
            kind=Body.Kind.STEERING_GROUP,
            name="ŘS s cílovou skupinou",
            process=world.process,
            target_group=world.seniors,
        )
    assert "target_group" in info.value.errors


def test_body_belongs_to_a_territory_or_a_process_not_both(world):
    with pytest.raises(ValidationFailed) as info:
        services.body_create(
            actor=world.superuser,
            kind=Body.Kind.STEERING_GROUP,
            name="ŘS",
            process=world.process,
            territory=world.territory,
        )
    assert "territory" in info.value.errors


def test_coordinator_creates_bodies_of_their_process_and_gets_their_grants(world):
    coordinator = world.users["coordinator"]
    body = services.body_create(
        actor=coordinator,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Rodiny s dětmi",
        process=world.process,
        target_group=services.target_group_create(
            actor=world.superuser, code="rodiny", name="Rodiny s dětmi"
        ),
        reason="Nová pracovní skupina",
    )
    codenames = set(
        BodyUserObjectPermission.objects.filter(user=coordinator, content_object=body).values_list(
            "permission__codename", flat=True
        )
    )
    assert codenames == {"view_body", "change_body", "manage_membership"}
    record = body.history.get()
    assert (record.history_user, record.history_change_reason) == (
        coordinator,
        "Nová pracovní skupina",
    )


@pytest.mark.parametrize(
    ("actor_key", "territorial"),
    [
        ("coordinator", True),  # council bodies: superusers only
        ("other_coordinator", False),  # not their process
        ("sg_member", False),
        ("methodologist", False),
        ("public", False),
    ],
)
def test_body_create_refuses_without_permission(world, actor_key, territorial):
    actor = AnonymousUser() if actor_key == "public" else world.users[actor_key]
    owner = {"territory": world.territory} if territorial else {"process": world.process}
    kind = Body.Kind.BOARD if territorial else Body.Kind.STEERING_GROUP
    with pytest.raises(PermissionDenied):
        services.body_create(actor=actor, kind=kind, name="Nový orgán", **owner)


# --- reference data and people -----------------------------------------------------------------


def test_reference_data_is_created_only_by_superusers(world):
    with pytest.raises(PermissionDenied):
        services.territory_create(
            actor=world.users["coordinator"], kind="obec", code="556891", name="Horažďovice"
        )
    with pytest.raises(PermissionDenied):
        services.target_group_create(actor=world.users["coordinator"], code="x", name="X")


def test_person_link_user_moves_the_permissions_with_the_login(world):
    person = world.people["wg_member"]
    user = world.users["wg_member"]
    services.person_link_user(actor=world.superuser, person=person, user=None, reason="Odpojení")
    assert not BodyUserObjectPermission.objects.filter(user=user).exists()
    services.person_link_user(actor=world.superuser, person=person, user=user, reason="Připojení")
    assert BodyUserObjectPermission.objects.filter(user=user).exists()
    assert Person.objects.get(pk=person.pk).user == user
