"""The admin as each role sees it: what is listed, what may be changed, and that writes go through
the services (so the guardian rows follow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import ERROR, get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stakeholders import services
from stakeholders.models import (
    Body,
    BodyUserObjectPermission,
    EsfProject,
    Membership,
    Organization,
    Person,
    TargetGroup,
    Territory,
)
from tests.factories import EsfProjectFactory, PersonFactory, UserFactory
from workflow.models import PlanningProcess, PlanningProcessUserObjectPermission
from workflow.services import process_create

pytestmark = pytest.mark.django_db

STAFF_ROLES = [
    "coordinator",
    "methodologist",
    "sg_member",
    "sg_secretary",
    "wg_member",
    "auditor",
    "board_secretary",
    "assembly_secretary",
    "other_coordinator",
]


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:{name}", args=args)


def as_user(client, user):
    client.force_login(user)
    return client


def listed(response) -> list[Any]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def error_messages(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level == ERROR]


def guardian_rows(user) -> int:
    return (
        PlanningProcessUserObjectPermission.objects.filter(user=user).count()
        + BodyUserObjectPermission.objects.filter(user=user).count()
    )


def membership_form(person: Person, body: Body, **overrides: Any) -> dict[str, Any]:
    return {
        "person": person.pk,
        "body": body.pk,
        "role": Membership.Role.MEMBER,
        "triad_side": Membership.TriadSide.PROVIDER,
        "valid_from": timezone.localdate().isoformat(),
        "valid_to": "",
        "appointing_resolution": "",
        "change_reason": "Jmenování na jednání ŘS",
        **overrides,
    }


# --- the index -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_admin_index_works_for_every_staff_role(client, world, role):
    response = as_user(client, world.users[role]).get(url("index"))
    assert response.status_code == 200
    assert "KomPlan" in response.content.decode()
    models_shown = {
        model["object_name"] for app in response.context["app_list"] for model in app["models"]
    }
    assert {"PlanningProcess", "Territory", "TargetGroup"} <= models_shown


def test_admin_index_for_superuser_lists_every_model(client, world):
    response = as_user(client, world.superuser).get(url("index"))
    models_shown = {
        model["object_name"] for app in response.context["app_list"] for model in app["models"]
    }
    assert models_shown >= {
        "Territory",
        "Organization",
        "Person",
        "TargetGroup",
        "Body",
        "Membership",
        "EsfProject",
        "PlanningProcess",
    }


def test_anonymous_and_non_staff_are_sent_to_login(client, world):
    assert client.get(url("index")).status_code == 302
    outsider = UserFactory(username="verejnost", is_staff=False)
    response = as_user(client, outsider).get(url("workflow_planningprocess_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# --- processes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("coordinator", {"process"}),
        ("methodologist", {"process"}),
        ("wg_member", {"process"}),
        ("auditor", {"process"}),
        ("board_secretary", {"process"}),
        ("other_coordinator", {"other_process"}),
        ("superuser", {"process", "other_process"}),
    ],
)
def test_process_changelist_lists_only_visible_processes(client, world, role, visible):
    user = world.superuser if role == "superuser" else world.users[role]
    response = as_user(client, user).get(url("workflow_planningprocess_changelist"))
    assert set(listed(response)) == {getattr(world, name) for name in visible}


def test_invisible_process_change_page_is_not_shown(client, world):
    client = as_user(client, world.users["coordinator"])
    other = world.other_process
    for page in ("change", "history", "delete"):
        response = client.get(url(f"workflow_planningprocess_{page}", other.pk))
        assert response.status_code in (302, 403, 404), page
        assert other.title not in response.content.decode()


def test_auditor_views_the_process_but_cannot_change_it(client, world):
    client = as_user(client, world.users["auditor"])
    change_url = url("workflow_planningprocess_change", world.process.pk)
    response = client.get(change_url)
    assert response.status_code == 200
    assert world.process.title in response.content.decode()
    assert not response.context["has_change_permission"]

    response = client.post(change_url, {"title": "Přepsáno", "period_start_year": 2025})
    assert response.status_code == 403
    world.process.refresh_from_db()
    assert world.process.title != "Přepsáno"


def test_auditor_reads_history_but_cannot_revert(client, world):
    client = as_user(client, world.users["auditor"])
    response = client.get(url("workflow_planningprocess_history", world.process.pk))
    assert response.status_code == 200
    record = world.process.history.earliest()
    history_form = url(
        "workflow_planningprocess_simple_history", world.process.pk, record.history_id
    )
    assert client.get(history_form).status_code == 200
    assert client.post(history_form, {"title": "Vráceno"}).status_code == 403


@pytest.mark.parametrize("role", ["sg_member", "wg_member", "board_secretary"])
def test_roles_without_history_permission_cannot_read_history(client, world, role):
    response = as_user(client, world.users[role]).get(
        url("workflow_planningprocess_history", world.process.pk)
    )
    assert response.status_code == 403


def test_coordinator_changes_their_process_through_the_history(client, world):
    client = as_user(client, world.users["coordinator"])
    response = client.post(
        url("workflow_planningprocess_change", world.process.pk),
        {
            "title": "Komunitní plán sociálních služeb Horažďovicka",
            "period_start_year": 2025,
            "period_end_year": 2028,
            "esf_project": "",
            "coordinator_organization": "",
            "change_reason": "Prodloužení období plánu",
            "bodies-TOTAL_FORMS": 0,
            "bodies-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.process.refresh_from_db()
    assert world.process.period_end_year == 2028
    record = world.process.history.latest()
    assert record.history_user == world.users["coordinator"]
    assert record.history_change_reason == "Prodloužení období plánu"


def test_process_change_refused_by_validation_is_shown_not_crashed(client, world):
    client = as_user(client, world.users["coordinator"])
    response = client.post(
        url("workflow_planningprocess_change", world.process.pk),
        {
            "title": world.process.title,
            "period_start_year": 2025,
            "period_end_year": 2020,
            "bodies-TOTAL_FORMS": 0,
            "bodies-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    world.process.refresh_from_db()
    assert world.process.period_end_year == 2027


def test_only_superusers_add_processes_through_the_service(client, world):
    data = {
        "territory": world.other_territory.pk,
        "title": "Akční plán Sušicko 2026",
        "period_start_year": 2026,
        "period_end_year": 2026,
        "bodies-TOTAL_FORMS": 0,
        "bodies-INITIAL_FORMS": 0,
    }
    coordinator = as_user(client, world.users["coordinator"])
    assert coordinator.post(url("workflow_planningprocess_add"), data).status_code == 403

    response = as_user(client, world.superuser).post(url("workflow_planningprocess_add"), data)
    assert response.status_code == 302
    process = PlanningProcess.objects.get(title="Akční plán Sušicko 2026")
    assert process.created_by == world.superuser
    assert process.history.get().history_user == world.superuser


def test_a_process_with_an_audit_trail_cannot_be_deleted_even_by_a_superuser(client, world):
    """The audit trail of a process is kept for the ESF retention period: the admin names the
    protecting events instead of deleting (a process that will not go on is cancelled)."""
    from audit.models import AuditEvent

    process_id = world.process.pk
    assert AuditEvent.objects.filter(process_id=process_id).exists()
    response = as_user(client, world.superuser).post(
        url("workflow_planningprocess_delete", process_id), {"post": "yes"}
    )
    assert response.status_code == 200
    assert response.context["protected"]
    assert PlanningProcess.objects.filter(pk=process_id).exists()
    assert PlanningProcessUserObjectPermission.objects.filter(content_object_id=process_id).exists()


# --- memberships -------------------------------------------------------------------------------


def test_coordinator_adds_a_membership_and_the_new_member_gets_permissions(client, world):
    coordinator = world.users["coordinator"]
    newcomer = UserFactory(username="novacek")
    client = as_user(client, coordinator)
    response = client.post(
        url("stakeholders_person_add"),
        {
            "first_name": "Marie",
            "last_name": "Nová",
            "email": "marie.nova@example.cz",
            "phone": "",
            "change_reason": "Nová členka PS",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(last_name="Nová")
    # linking a login is the superuser's job
    services.person_link_user(actor=world.superuser, person=person, user=newcomer)
    assert guardian_rows(newcomer) == 0

    response = client.post(
        url("stakeholders_membership_add"), membership_form(person, world.wg_seniors)
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(person=person)
    assert membership.history.get().history_user == coordinator
    assert membership.history.get().history_change_reason == "Jmenování na jednání ŘS"
    assert set(
        BodyUserObjectPermission.objects.filter(user=newcomer).values_list(
            "content_object_id", "permission__codename"
        )
    ) == {
        (world.wg_seniors.pk, "view_body"),
        (world.wg_seniors.pk, "vote_in_body"),
        (world.wg_seniors.pk, "edit_target_group_part"),
    }
    assert PlanningProcessUserObjectPermission.objects.filter(
        user=newcomer, content_object=world.process
    ).exists()


def test_membership_refused_by_the_service_is_an_error_message(client, world):
    client = as_user(client, world.users["coordinator"])
    person = world.people["wg_member"]
    response = client.post(
        url("stakeholders_membership_add"),
        membership_form(person, world.wg_disabled, role=Membership.Role.AUDITOR),
    )
    assert response.status_code == 200
    assert error_messages(response)
    assert response.context["adminform"].form.errors
    assert not Membership.objects.filter(body=world.wg_disabled, role="auditor").exists()


def test_coordinator_cannot_add_a_membership_in_another_territory(client, world):
    client = as_user(client, world.users["coordinator"])
    response = client.post(
        url("stakeholders_membership_add"),
        membership_form(world.people["wg_member"], world.other_steering_group),
    )
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    assert (
        not Membership.objects.filter(body=world.other_steering_group)
        .exclude(pk=world.memberships["other_coordinator"].pk)
        .exists()
    )


@pytest.mark.parametrize("role", ["wg_member", "auditor", "methodologist", "board_secretary"])
def test_roles_without_membership_management_cannot_add(client, world, role):
    response = as_user(client, world.users[role]).post(
        url("stakeholders_membership_add"),
        membership_form(world.people[role], world.steering_group),
    )
    assert response.status_code == 403


def test_admin_delete_of_a_membership_revokes_rows(client, world):
    user = world.users["wg_member"]
    assert guardian_rows(user) > 0
    membership = world.memberships["wg_member"]
    client = as_user(client, world.users["coordinator"])

    response = client.post(url("stakeholders_membership_delete", membership.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert guardian_rows(user) == 0
    assert (
        Membership.history.filter(id=membership.pk).latest().history_user
        == (world.users["coordinator"])
    )


def test_delete_selected_goes_through_the_service(client, world):
    user = world.users["other_wg_member"]
    membership = world.memberships["other_wg_member"]
    response = as_user(client, world.users["coordinator"]).post(
        url("stakeholders_membership_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [membership.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert guardian_rows(user) == 0


def test_end_membership_action_ends_with_a_reason_and_revokes(client, world):
    user = world.users["wg_member"]
    membership = world.memberships["wg_member"]
    client = as_user(client, world.users["coordinator"])
    changelist = url("stakeholders_membership_changelist")

    response = client.post(
        changelist, {"action": "end_memberships", ACTION_CHECKBOX_NAME: [membership.pk]}
    )
    assert error_messages(response)
    membership.refresh_from_db()
    assert membership.ended_at is None

    response = client.post(
        changelist,
        {
            "action": "end_memberships",
            ACTION_CHECKBOX_NAME: [membership.pk],
            "reason": "Odstoupila z PS",
        },
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_at is not None
    assert membership.end_reason == "Odstoupila z PS"
    assert guardian_rows(user) == 0


def test_end_membership_action_is_not_offered_without_management(client, world):
    """A working-group member sees their own membership but may not end it."""
    membership = world.memberships["wg_member"]
    client = as_user(client, world.users["wg_member"])
    changelist = url("stakeholders_membership_changelist")
    assert client.get(changelist).context["action_form"] is None  # no action at all
    client.post(
        changelist,
        {"action": "end_memberships", ACTION_CHECKBOX_NAME: [membership.pk], "reason": "Konec"},
    )
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_end_membership_action_is_all_or_nothing_when_a_service_refuses(client, world):
    """The coordinator also takes the board's minutes: they see its members but do not manage
    them, so ending a mixed selection ends nothing and says why."""
    world.add_member("coordinator", world.board, Membership.Role.SECRETARY)
    managed = world.memberships["wg_member"]
    not_managed = world.memberships["board_secretary"]
    response = as_user(client, world.users["coordinator"]).post(
        url("stakeholders_membership_changelist"),
        {
            "action": "end_memberships",
            ACTION_CHECKBOX_NAME: [managed.pk, not_managed.pk],
            "reason": "Konec volebního období",
        },
    )
    assert response.status_code == 302
    assert error_messages(response)
    for membership in (managed, not_managed):
        membership.refresh_from_db()
        assert membership.ended_at is None


def test_working_group_member_sees_only_their_group(client, world):
    client = as_user(client, world.users["wg_member"])
    bodies = listed(client.get(url("stakeholders_body_changelist")))
    assert bodies == [world.wg_seniors]
    memberships = listed(client.get(url("stakeholders_membership_changelist")))
    assert {m.body for m in memberships} == {world.wg_seniors}
    response = client.get(url("stakeholders_body_change", world.wg_disabled.pk))
    assert response.status_code in (302, 404)
    response = client.get(url("stakeholders_membership_change", world.memberships["sg_member"].pk))
    assert response.status_code in (302, 404)


def test_auditor_views_bodies_and_their_history_but_changes_nothing(client, world):
    client = as_user(client, world.users["auditor"])
    bodies = listed(client.get(url("stakeholders_body_changelist")))
    assert set(bodies) == {
        world.steering_group,
        world.wg_seniors,
        world.wg_disabled,
        world.audit_body,
    }
    change_url = url("stakeholders_body_change", world.wg_seniors.pk)
    assert client.get(change_url).status_code == 200
    assert client.get(url("stakeholders_body_history", world.wg_seniors.pk)).status_code == 200
    response = client.post(change_url, {"name": "Přejmenováno"})
    assert response.status_code == 403
    membership = world.memberships["wg_member"]
    assert client.get(url("stakeholders_membership_change", membership.pk)).status_code == 200
    response = client.post(url("stakeholders_membership_delete", membership.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- bodies and people -------------------------------------------------------------------------


def body_form(**fields: Any) -> dict[str, Any]:
    return {
        "quorum_rule": Body.QuorumRule.MORE_THAN_HALF_OF_ALL,
        "majority_rule": Body.MajorityRule.MAJORITY_OF_VOTING,
        "invitation_lead_days": 7,
        "is_active": "on",
        "seat_count": "",
        "target_group": "",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        **fields,
    }


def test_coordinator_adds_a_working_group_through_the_service(client, world):
    coordinator = world.users["coordinator"]
    group = services.target_group_create(actor=world.superuser, code="rodiny", name="Rodiny")
    response = as_user(client, coordinator).post(
        url("stakeholders_body_add"),
        body_form(
            kind=Body.Kind.WORKING_GROUP,
            name="PS Rodiny s dětmi",
            process=world.process.pk,
            target_group=group.pk,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    body = Body.objects.get(name="PS Rodiny s dětmi")
    assert BodyUserObjectPermission.objects.filter(
        user=coordinator, content_object=body, permission__codename="manage_membership"
    ).exists()


def test_working_group_without_target_group_is_refused_in_the_admin(client, world):
    response = as_user(client, world.users["coordinator"]).post(
        url("stakeholders_body_add"),
        body_form(kind=Body.Kind.WORKING_GROUP, name="PS bez skupiny", process=world.process.pk),
    )
    assert response.status_code == 200
    assert not Body.objects.filter(name="PS bez skupiny").exists()


def test_superuser_adds_a_council_body_with_the_statutory_majority(client, world):
    response = as_user(client, world.superuser).post(
        url("stakeholders_body_add"),
        body_form(
            kind=Body.Kind.BOARD, name="Rada města Sušice", territory=world.other_territory.pk
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    body = Body.objects.get(name="Rada města Sušice")
    assert body.majority_rule == Body.MajorityRule.MAJORITY_OF_ALL


def test_coordinator_deactivates_a_working_group_and_its_members_lose_access(client, world):
    body = world.wg_seniors
    memberships = body.memberships.count()
    response = as_user(client, world.users["coordinator"]).post(
        url("stakeholders_body_change", body.pk),
        body_form(
            name="PS Senioři (ukončena)",
            target_group=world.seniors.pk,
            is_active="",
            change_reason="Sloučení pracovních skupin",
            **{"memberships-TOTAL_FORMS": memberships, "memberships-INITIAL_FORMS": memberships},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    body.refresh_from_db()
    assert (body.name, body.is_active) == ("PS Senioři (ukončena)", False)
    record = body.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        world.users["coordinator"],
        "Sloučení pracovních skupin",
    )
    assert guardian_rows(world.users["wg_member"]) == 0


def test_superuser_deletes_a_body_and_stale_grants_are_revoked(client, world):
    user = world.users["other_wg_member"]
    response = as_user(client, world.superuser).post(
        url("stakeholders_body_delete", world.wg_disabled.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    assert guardian_rows(user) == 0  # the view of the process came from that body only


def test_coordinator_edits_a_member_phone_with_history(client, world):
    person = world.people["wg_member"]
    client = as_user(client, world.users["coordinator"])
    response = client.post(
        url("stakeholders_person_change", person.pk),
        {
            "title_before": "",
            "first_name": person.first_name,
            "last_name": person.last_name,
            "title_after": "",
            "email": "",
            "phone": "+420 376 547 111",
            "organization": "",
            "change_reason": "Nové telefonní číslo",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.phone == "+420 376 547 111"
    record = person.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        world.users["coordinator"],
        "Nové telefonní číslo",
    )


def test_person_autocomplete_offers_only_visible_people(client, world):
    client = as_user(client, world.users["coordinator"])
    response = client.get(
        url("autocomplete"),
        {
            "app_label": "stakeholders",
            "model_name": "membership",
            "field_name": "person",
            "term": "Testová",
        },
    )
    assert response.status_code == 200
    offered = {int(result["id"]) for result in response.json()["results"]}
    assert world.people["wg_member"].pk in offered
    assert world.people["board_secretary"].pk not in offered
    assert world.people["other_coordinator"].pk not in offered


def test_people_of_other_bodies_are_not_listed(client, world):
    client = as_user(client, world.users["wg_member"])
    people = listed(client.get(url("stakeholders_person_changelist")))
    assert world.people["wg_member"] in people
    assert world.people["other_wg_member"] not in people
    assert world.people["coordinator"] not in people


# --- reference data ----------------------------------------------------------------------------


def test_reference_data_is_read_by_staff_and_edited_by_superusers(client, world):
    client = as_user(client, world.users["wg_member"])
    territories = listed(client.get(url("stakeholders_territory_changelist")))
    assert {world.territory, world.other_territory} <= set(territories)
    assert client.get(url("stakeholders_territory_change", world.territory.pk)).status_code == 200
    data = {
        "kind": Territory.Kind.MUNICIPALITY,
        "code": "556891",
        "name": "Horažďovice",
        "municipality_links-TOTAL_FORMS": 0,
        "municipality_links-INITIAL_FORMS": 0,
    }
    assert client.post(url("stakeholders_territory_add"), data).status_code == 403

    client = as_user(client, world.superuser)
    response = client.post(url("stakeholders_territory_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    town = Territory.objects.get(code="556891")
    assert town.history.get().history_user == world.superuser

    response = client.post(
        url("stakeholders_territory_change", world.territory.pk),
        {
            "kind": world.territory.kind,
            "code": world.territory.code,
            "name": world.territory.name,
            "municipality_links-TOTAL_FORMS": 1,
            "municipality_links-INITIAL_FORMS": 0,
            "municipality_links-0-municipality": town.pk,
            "municipality_links-0-plans_independently": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(world.territory.planning_municipalities()) == [town]


# --- every page renders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        Territory,
        TargetGroup,
        Organization,
        EsfProject,
        Person,
        Body,
        Membership,
        PlanningProcess,
    ],
    ids=lambda model: model.__name__,
)
def test_every_admin_page_renders_for_the_superuser(client, world, model):
    client = as_user(client, world.superuser)
    EsfProjectFactory()  # an organisation and an ESF project, so that every list has a row
    assert admin.site.is_registered(model)
    info = f"{model._meta.app_label}_{model._meta.model_name}"
    obj = model._default_manager.first()
    for page, args in [
        ("changelist", ()),
        ("add", ()),
        ("change", (obj.pk,)),
        ("history", (obj.pk,)),
    ]:
        assert client.get(url(f"{info}_{page}", *args)).status_code == 200, page


@pytest.mark.parametrize(
    "page",
    ["stakeholders_membership_add", "stakeholders_body_add", "stakeholders_person_add"],
)
def test_coordinator_add_pages_render(client, world, page):
    response = as_user(client, world.users["coordinator"]).get(url(page))
    assert response.status_code == 200
    if page == "stakeholders_membership_add":
        bodies = response.context["adminform"].form.fields["body"].queryset
        assert set(bodies) == {
            world.steering_group,
            world.wg_seniors,
            world.wg_disabled,
            world.audit_body,
        }


# --- query counts ------------------------------------------------------------------------------


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["superuser", "board_secretary"])
def test_process_changelist_queries_do_not_grow_with_rows(client, world, role):
    user = world.superuser if role == "superuser" else world.users[role]
    client = as_user(client, user)
    path = url("workflow_planningprocess_changelist")
    for year in (2028, 2031):
        process_create(
            actor=world.superuser,
            territory=world.territory,
            title=f"Akční plán {year}",
            period_start_year=year,
            period_end_year=year,
        )
    rows = len(listed(client.get(path)))
    assert rows >= 3
    few = count_queries(client, path)
    for year in range(2034, 2046):
        process_create(
            actor=world.superuser,
            territory=world.territory,
            title=f"Akční plán {year}",
            period_start_year=year,
            period_end_year=year,
        )
    assert len(listed(client.get(path))) == rows + 12
    assert count_queries(client, path) == few


def test_membership_changelist_queries_do_not_grow_with_rows(client, world):
    coordinator = world.users["coordinator"]
    client = as_user(client, coordinator)
    path = url("stakeholders_membership_changelist")
    rows = len(listed(client.get(path)))
    few = count_queries(client, path)
    for n in range(12):
        services.membership_create(
            actor=coordinator,
            person=PersonFactory(),
            body=world.wg_disabled if n % 2 else world.wg_seniors,
            valid_from=timezone.localdate() - dt.timedelta(days=n),
        )
    assert len(listed(client.get(path))) == rows + 12
    assert count_queries(client, path) == few


def test_body_change_page_queries_do_not_grow_with_members(client, world):
    coordinator = world.users["coordinator"]
    client = as_user(client, coordinator)
    change = url("stakeholders_body_change", world.wg_seniors.pk)
    few = count_queries(client, change)
    for _n in range(12):
        services.membership_create(actor=coordinator, person=PersonFactory(), body=world.wg_seniors)
    assert count_queries(client, change) == few
