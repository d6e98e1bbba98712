"""Planning processes are read only through selectors that show each actor what they may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from stakeholders.exceptions import NotFound
from tests.factories import UserFactory
from tests.stakeholders import conftest as stakeholders_fixtures
from tests.stakeholders.conftest import World
from workflow.selectors import process_get, process_list

pytestmark = pytest.mark.django_db

# the planning world of the stakeholders tests (two ORPs, one login per role)
world_keys = stakeholders_fixtures.world_keys
world = stakeholders_fixtures.world

# role → the World attributes of the processes it sees
VISIBLE: dict[str, set[str]] = {
    "coordinator": {"process"},
    "methodologist": {"process"},
    "sg_member": {"process"},
    "sg_chair": {"process"},
    "sg_secretary": {"process"},
    "wg_member": {"process"},
    "other_wg_member": {"process"},
    "auditor": {"process"},
    "board_secretary": {"process"},
    "assembly_secretary": {"process"},
    "other_coordinator": {"other_process"},
    "superuser": {"process", "other_process"},
    "anonymous": set(),
    "no_actor": set(),
    "staff_without_membership": set(),
    "inactive_coordinator": set(),
}


def actor_for(world: World, role: str):
    if role == "superuser":
        return world.superuser
    if role == "anonymous":
        return AnonymousUser()
    if role == "no_actor":
        return None
    if role == "staff_without_membership":
        return UserFactory(username="bez-clenstvi")
    if role == "inactive_coordinator":
        user = world.users["coordinator"]
        user.is_active = False
        user.save()
        return user
    return world.users[role]


@pytest.mark.parametrize(("role", "visible"), VISIBLE.items(), ids=list(VISIBLE))
def test_process_list_shows_each_actor_what_they_may_see(world, role, visible):
    actor = actor_for(world, role)
    expected = {getattr(world, name) for name in visible}
    assert set(process_list(actor=actor)) == expected
    for name in ("process", "other_process"):
        process = getattr(world, name)
        if name in visible:
            assert process_get(actor=actor, pk=process.pk) == process
        else:
            with pytest.raises(NotFound):
                process_get(actor=actor, pk=process.pk)


def test_process_list_has_no_duplicates_for_overlapping_grants(world):
    """A member of the steering group and a working group holds view twice over."""
    world.add_member("sg_member", world.wg_seniors)
    assert list(process_list(actor=world.users["sg_member"])) == [world.process]


@pytest.mark.parametrize("pk", [0, 10**9, "abc", None])
def test_process_get_of_nothing_is_not_found(world, pk):
    with pytest.raises(NotFound):
        process_get(actor=world.superuser, pk=pk)


def test_process_list_query_count_is_constant(world, django_assert_num_queries):
    actor = world.users["board_secretary"]
    with django_assert_num_queries(1):
        processes = list(process_list(actor=actor))
    with django_assert_num_queries(0):
        assert [p.territory.name for p in processes] == ["ORP Horažďovice"]
