"""Who may do what: the role table as granted by the services, checked through the permission
functions, the selectors and the guardian tables themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from stakeholders import permissions as body_perms
from stakeholders import services
from stakeholders.exceptions import NotFound
from stakeholders.models import Body, BodyUserObjectPermission, Membership
from stakeholders.selectors import body_list, membership_list, person_list
from stakeholders.services import (
    membership_create,
    membership_delete,
    membership_end,
    permissions_sync_all,
    permissions_sync_user,
)
from tests.stakeholders.conftest import World
from workflow import permissions as process_perms
from workflow.models import PlanningProcess, PlanningProcessUserObjectPermission
from workflow.selectors import process_get, process_list

pytestmark = pytest.mark.django_db

PRAGUE = ZoneInfo("Europe/Prague")


def _admin_can_change_process(user: Any, process: PlanningProcess) -> bool:
    request = RequestFactory().get("/admin/")
    request.user = user
    return admin.site.get_model_admin(PlanningProcess).has_change_permission(request, process)


# Each action: (what it is checked on, the check). "own" is the body the role sits in,
# "other council" the council body it does not sit in.
OWN_BODY = {
    "coordinator": "steering_group",
    "methodologist": "steering_group",
    "sg_member": "steering_group",
    "sg_chair": "steering_group",
    "sg_secretary": "steering_group",
    "wg_member": "wg_seniors",
    "board_secretary": "board",
    "assembly_secretary": "assembly",
    "auditor": "audit_body",
    "public": "steering_group",
    "superuser": "steering_group",
}
OTHER_COUNCIL_BODY = {"board_secretary": "assembly", "assembly_secretary": "board"}

ACTIONS: dict[str, Callable[[World, str, Any], bool]] = {
    "view process": lambda w, r, u: process_perms.can_view_process(u, w.process),
    "manage process": lambda w, r, u: process_perms.can_manage_process(u, w.process),
    "view history": lambda w, r, u: process_perms.can_view_process_history(u, w.process),
    "edit drafts": lambda w, r, u: process_perms.can_edit_drafts(u, w.process),
    "transition stage": lambda w, r, u: process_perms.can_transition_stage(u, w.process),
    "vote": lambda w, r, u: process_perms.can_vote(u, w.process),
    "approve stage": lambda w, r, u: process_perms.can_approve_stage(u, w.process),
    "approve document": lambda w, r, u: process_perms.can_approve_document(u, w.process),
    # the seniors working group is the working-group member's own
    "edit own target group part": lambda w, r, u: body_perms.can_edit_target_group_part(
        u, w.wg_seniors
    ),
    "edit other working group part": lambda w, r, u: body_perms.can_edit_target_group_part(
        u, w.wg_disabled
    ),
    "record resolution of own body": lambda w, r, u: body_perms.can_record_resolution(
        u, w.body(OWN_BODY[r])
    ),
    "record resolution of other council body": lambda w, r, u: body_perms.can_record_resolution(
        u, w.body(OTHER_COUNCIL_BODY.get(r, "board"))
    ),
    "manage memberships": lambda w, r, u: body_perms.can_manage_membership(u, w.steering_group),
    "change process": lambda w, r, u: _admin_can_change_process(u, w.process),
}

ALL = frozenset(ACTIONS)
ALLOWED: dict[str, frozenset[str]] = {
    "coordinator": frozenset(
        {
            "view process",
            "manage process",
            "view history",
            "edit drafts",
            "transition stage",
            "manage memberships",
            "change process",
        }
    ),
    "methodologist": frozenset({"view process", "view history", "edit drafts"}),
    "sg_member": frozenset({"view process", "vote", "approve stage", "approve document"}),
    "sg_chair": frozenset({"view process", "vote", "approve stage", "approve document"}),
    "sg_secretary": frozenset({"view process", "record resolution of own body"}),
    "wg_member": frozenset({"view process", "edit own target group part"}),
    "board_secretary": frozenset({"view process", "record resolution of own body"}),
    "assembly_secretary": frozenset({"view process", "record resolution of own body"}),
    "auditor": frozenset({"view process", "view history"}),
    "public": frozenset(),
    "superuser": ALL,
}

TABLE = [
    pytest.param(role, action, action in ALLOWED[role], id=f"{role}-{action}")
    for role in ALLOWED
    for action in ACTIONS
]


def user_for(world: World, role: str) -> Any:
    if role == "public":
        return AnonymousUser()
    if role == "superuser":
        return world.superuser
    return world.users[role]


@pytest.mark.parametrize(("role", "action", "allowed"), TABLE)
def test_role_action_table(world, role, action, allowed):
    user = user_for(world, role)
    assert ACTIONS[action](world, role, user) is allowed


def test_table_covers_every_role_and_action():
    assert set(ALLOWED) >= {
        "coordinator",
        "methodologist",
        "sg_member",
        "wg_member",
        "board_secretary",
        "assembly_secretary",
        "auditor",
        "public",
    }
    assert all(actions <= ALL for actions in ALLOWED.values())


# --- helpers on the guardian tables ------------------------------------------------------------


def process_rows(user: Any) -> set[tuple[int, str]]:
    return set(
        PlanningProcessUserObjectPermission.objects.filter(user=user).values_list(
            "content_object_id", "permission__codename"
        )
    )


def body_rows(user: Any) -> set[tuple[int, str]]:
    return set(
        BodyUserObjectPermission.objects.filter(user=user).values_list(
            "content_object_id", "permission__codename"
        )
    )


def fresh(user: Any) -> Any:
    """The user reloaded, so that no permission cache survives a sync."""
    return get_user_model().objects.get(pk=user.pk)


# --- isolation ---------------------------------------------------------------------------------


def test_coordinator_of_one_territory_gets_nothing_in_another(world):
    coordinator = world.users["coordinator"]
    other = world.other_process
    checks = [
        process_perms.can_view_process,
        process_perms.can_manage_process,
        process_perms.can_view_process_history,
        process_perms.can_edit_drafts,
        process_perms.can_transition_stage,
        process_perms.can_vote,
        process_perms.can_approve_stage,
        process_perms.can_approve_document,
    ]
    assert all(check(coordinator, world.process) for check in checks[:5])
    assert not any(check(coordinator, other) for check in checks)
    assert not body_perms.can_view_body(coordinator, world.other_steering_group)
    assert not body_perms.can_manage_membership(coordinator, world.other_steering_group)
    assert not _admin_can_change_process(coordinator, other)

    assert list(process_list(actor=coordinator)) == [world.process]
    with pytest.raises(NotFound):
        process_get(actor=coordinator, pk=other.pk)
    assert world.other_steering_group not in body_list(actor=coordinator)
    assert not membership_list(actor=coordinator).filter(body__process=other).exists()
    assert world.people["other_coordinator"] not in person_list(actor=coordinator)


def test_councils_of_one_territory_see_none_of_another(world):
    for role in ("board_secretary", "assembly_secretary"):
        user = world.users[role]
        assert list(process_list(actor=user)) == [world.process]
        assert not process_perms.can_view_process(user, world.other_process)


def test_working_group_member_sees_only_their_own_group(world):
    member = world.users["wg_member"]
    assert set(body_list(actor=member)) == {world.wg_seniors}
    bodies_of_listed = set(membership_list(actor=member).values_list("body", flat=True))
    assert bodies_of_listed == {world.wg_seniors.pk}
    assert world.people["other_wg_member"] not in person_list(actor=member)


def test_a_person_record_is_visible_to_whoever_entered_it(world):
    coordinator = world.users["coordinator"]
    person = services.person_create(actor=coordinator, first_name="Eva", last_name="Malá")
    assert person in person_list(actor=coordinator)
    assert person not in person_list(actor=world.users["other_coordinator"])
    assert person not in person_list(actor=world.users["methodologist"])


# --- revocation --------------------------------------------------------------------------------


def test_ending_a_membership_removes_its_guardian_rows(world):
    user = world.users["wg_member"]
    assert process_rows(user) == {(world.process.pk, "view_planningprocess")}
    assert body_rows(user) == {
        (world.wg_seniors.pk, "view_body"),
        (world.wg_seniors.pk, "vote_in_body"),
        (world.wg_seniors.pk, "edit_target_group_part"),
    }

    membership_end(
        actor=world.users["coordinator"],
        membership=world.memberships["wg_member"],
        reason="Odstoupila z pracovní skupiny",
    )

    assert process_rows(user) == set()
    assert body_rows(user) == set()
    user = fresh(user)
    assert not process_perms.can_view_process(user, world.process)
    assert not body_perms.can_edit_target_group_part(user, world.wg_seniors)


def test_deleting_a_membership_removes_its_guardian_rows(world):
    user = world.users["auditor"]
    assert process_rows(user) == {
        (world.process.pk, "view_planningprocess"),
        (world.process.pk, "view_process_history"),
    }
    assert len(body_rows(user)) == 4  # view_body on each body of the process

    membership_delete(
        actor=world.superuser, membership=world.memberships["auditor"], reason="Zadáno omylem"
    )

    assert process_rows(user) == set()
    assert body_rows(user) == set()


def test_overlapping_memberships_keep_what_the_remaining_one_grants(world):
    steering = world.add_member("both", world.steering_group, Membership.Role.MEMBER)
    working = world.add_member("both", world.wg_seniors, Membership.Role.MEMBER)
    user = world.users["both"]
    process_bodies = {world.steering_group, world.wg_seniors, world.wg_disabled, world.audit_body}
    steering_process_rows = {
        (world.process.pk, codename)
        for codename in ("view_planningprocess", "vote", "approve_stage", "approve_document")
    }
    steering_body_rows = {(b.pk, "view_body") for b in process_bodies} | {
        (world.steering_group.pk, "vote_in_body")
    }
    working_only_rows = {
        (world.wg_seniors.pk, "vote_in_body"),
        (world.wg_seniors.pk, "edit_target_group_part"),
    }
    assert process_rows(user) == steering_process_rows
    assert body_rows(user) == steering_body_rows | working_only_rows

    membership_end(actor=world.superuser, membership=working, reason="Přechod do ŘS")
    assert process_rows(user) == steering_process_rows
    assert body_rows(user) == steering_body_rows
    user = fresh(user)
    assert body_perms.can_view_body(user, world.wg_seniors)
    assert not body_perms.can_edit_target_group_part(user, world.wg_seniors)
    assert process_perms.can_vote(user, world.process)

    # and the other way round: a new working-group seat, then the steering seat ends
    world.add_member("both", world.wg_seniors, Membership.Role.CHAIR)
    membership_end(actor=world.superuser, membership=steering, reason="Konec mandátu")
    assert process_rows(user) == {(world.process.pk, "view_planningprocess")}
    assert body_rows(user) == {(world.wg_seniors.pk, "view_body")} | working_only_rows
    user = fresh(user)
    assert not process_perms.can_vote(user, world.process)
    assert not body_perms.can_view_body(user, world.steering_group)


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=PRAGUE)


def test_future_membership_grants_nothing_until_its_first_day(world):
    today = timezone.localdate()
    starts = today + dt.timedelta(days=7)
    world.add_member("newcomer", world.steering_group, Membership.Role.MEMBER, valid_from=starts)
    user = world.users["newcomer"]
    assert process_rows(user) == set()
    assert body_rows(user) == set()

    with time_machine.travel(_noon(starts - dt.timedelta(days=1)), tick=False):
        permissions_sync_all()
        assert process_rows(user) == set()
    with time_machine.travel(_noon(starts), tick=False):
        result = permissions_sync_all()
        assert result.granted == len(process_rows(user)) + len(body_rows(user)) > 0
        assert process_perms.can_vote(fresh(user), world.process)


def test_membership_with_an_end_date_expires_after_its_last_day(world):
    today = timezone.localdate()
    world.add_member("temporary", world.wg_seniors, Membership.Role.MEMBER, valid_to=today)
    user = world.users["temporary"]
    assert process_perms.can_view_process(user, world.process)

    with time_machine.travel(_noon(today + dt.timedelta(days=1)), tick=False):
        permissions_sync_all()
    assert process_rows(user) == set()
    assert body_rows(user) == set()


# --- cascade and idempotence -------------------------------------------------------------------


def test_a_process_with_an_audit_trail_is_protected_from_deletion(world):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        world.process.delete()
    assert PlanningProcess.objects.filter(pk=world.process.pk).exists()


def test_deleting_a_process_leaves_no_guardian_rows(world):
    """The guardian tables cascade: a process with no audit trail yet (rows made directly,
    outside the services) takes its object permissions with it."""
    from guardian.shortcuts import assign_perm

    process = PlanningProcess.objects.create(
        territory=world.process.territory,
        title="Bez auditní stopy",
        period_start_year=2030,
        period_end_year=2032,
    )
    body = Body.objects.create(process=process, kind=Body.Kind.STEERING_GROUP, name="ŘS 2030")
    user = world.users["coordinator"]
    assign_perm("workflow.view_planningprocess", user, process)
    assign_perm("stakeholders.view_body", user, body)
    assert PlanningProcessUserObjectPermission.objects.filter(content_object_id=process.pk)
    assert BodyUserObjectPermission.objects.filter(content_object_id=body.pk)

    process.delete()

    assert not PlanningProcessUserObjectPermission.objects.filter(
        content_object_id=process.pk
    ).exists()
    assert not BodyUserObjectPermission.objects.filter(content_object_id=body.pk).exists()
    # what others hold elsewhere is untouched
    assert process_rows(world.users["other_coordinator"])


def test_deleting_a_body_leaves_no_guardian_rows(world):
    body_id = world.wg_disabled.pk
    assert BodyUserObjectPermission.objects.filter(content_object_id=body_id).count() > 0

    world.wg_disabled.delete()

    assert not BodyUserObjectPermission.objects.filter(content_object_id=body_id).exists()


def test_sync_is_idempotent(world):
    for user in world.users.values():
        result = permissions_sync_user(user=user)
        assert (result.granted, result.revoked) == (0, 0)
    result = permissions_sync_all()
    assert (result.granted, result.revoked) == (0, 0)


def test_sync_repairs_rows_removed_or_added_by_hand(world):
    user = world.users["sg_member"]
    expected = process_rows(user)
    PlanningProcessUserObjectPermission.objects.filter(user=user).delete()
    stray = PlanningProcessUserObjectPermission.objects.filter(
        user=world.users["coordinator"], permission__codename="manage_process"
    ).first()
    PlanningProcessUserObjectPermission.objects.create(
        user=user, content_object=world.process, permission=stray.permission
    )

    result = permissions_sync_user(user=user)

    assert result.revoked == 1
    assert result.granted == len(expected)
    assert process_rows(user) == expected
    again = permissions_sync_user(user=user)
    assert (again.granted, again.revoked) == (0, 0)


def test_inactive_body_grants_nothing(world):
    user = world.users["wg_member"]
    world.wg_seniors.is_active = False
    world.wg_seniors.save()
    permissions_sync_user(user=user)
    assert process_rows(user) == set()
    assert body_rows(user) == set()


def test_membership_create_through_service_grants_at_once(world):
    membership_create(
        actor=world.users["coordinator"],
        person=world.people["wg_member"],
        body=world.steering_group,
        role=Membership.Role.MEMBER,
        reason="Zástupce PS Senioři v ŘS",
    )
    assert process_perms.can_vote(fresh(world.users["wg_member"]), world.process)
