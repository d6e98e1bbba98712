"""The structured plan over HTTP: the tree, and a working-group member editing their part."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, World, problem_of

pytestmark = pytest.mark.django_db


def test_a_working_group_member_builds_their_part_of_the_plan(api: Api, world: World) -> None:
    client = api.client("wg_member")
    plan = f"/api/v1/processes/{world['process']}/plan/"
    tree = client.get(plan).json()
    assert tree["can_edit_all"] is False
    assert tree["editable_priorities"] == [world["own_priority"]]
    assert [p["number"] for p in tree["priorities"]] == ["1", "2"]
    assert tree["priorities"][0]["measures"][0]["activities"][0]["number"] == "1.1.1"

    measure = client.post(
        f"{plan}measures/",
        {"priority": world["own_priority"], "title": "Terénní služby", "reason": "PS 3/2026"},
        format="json",
    )
    assert measure.status_code == 201, measure.content
    assert measure.json()["number"] == "1.2"
    activity = client.post(
        f"{plan}activities/",
        {"measure": measure.json()["id"], "title": "Nábor", "starts_year": 2026, "starts_month": 3},
        format="json",
    )
    assert activity.status_code == 201, activity.content
    assert activity.json()["number"] == "1.2.1"
    moved = client.post(
        f"{plan}activities/{activity.json()['id']}/move/",
        {"position": 1, "parent": world["own_measure"]},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["number"] == "1.1.1"  # first under the other measure of the same part
    reordered = client.get(plan).json()["priorities"][0]["measures"][0]["activities"]
    assert [a["title"] for a in reordered] == ["Nábor", "Rozšíření kapacity"]
    assert [a["number"] for a in reordered] == ["1.1.1", "1.1.2"]

    renumbered = client.patch(
        f"{plan}measures/{measure.json()['id']}/", {"number": "1.5"}, format="json"
    )
    assert renumbered.status_code == 200, renumbered.content
    bad = client.patch(f"{plan}measures/{measure.json()['id']}/", {"number": "x"}, format="json")
    assert bad.status_code == 400
    assert problem_of(bad)["code"] == "validation_error"

    intention = client.post(
        f"{plan}pipeline-items/",
        {"title": "Sdílené auto", "measure": world["own_measure"], "budget": "90000.50"},
        format="json",
    )
    assert intention.status_code == 201, intention.content
    assert intention.json()["budget"] == "90000.50"
    # an intention of the group cannot be moved out of its part
    loose = client.patch(
        f"{plan}pipeline-items/{intention.json()['id']}/", {"measure": None}, format="json"
    )
    assert loose.status_code == 403
    assert problem_of(loose)["code"] == "forbidden"
    # the cross-cutting part is the coordinator's
    common = client.patch(
        f"{plan}priorities/{world['common_priority']}/", {"title": "Jiná"}, format="json"
    )
    assert common.status_code == 403
    regroup = client.patch(
        f"{plan}priorities/{world['own_priority']}/", {"working_group": None}, format="json"
    )
    assert regroup.status_code == 403
    deleted = client.delete(f"{plan}measures/{world['own_measure']}/?reason=Sloučeno")
    assert deleted.status_code == 204
    numbers = [m["number"] for m in client.get(plan).json()["priorities"][0]["measures"]]
    assert numbers == ["1.1"]  # the numbers close up behind it


def test_the_coordinator_sets_the_vision_and_reorders_priorities(api: Api, world: World) -> None:
    client = api.client("coordinator")
    plan = f"/api/v1/processes/{world['process']}/plan/"
    vision = client.put(f"{plan}vision/", {"text": "Dostupné služby v ORP"}, format="json")
    assert vision.status_code == 200, vision.content
    moved = client.post(
        f"{plan}priorities/{world['common_priority']}/move/", {"position": 1}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["number"] == "1"
    tree = client.get(plan).json()
    assert tree["vision"] == "Dostupné služby v ORP"
    assert tree["can_edit_all"] is True
    assert [(p["number"], p["title"]) for p in tree["priorities"]] == [
        ("1", "Informovanost"),
        ("2", "Péče o seniory"),
    ]
    assert tree["priorities"][1]["measures"][0]["number"] == "2.1"
    assert tree["pipeline"][0]["title"] == "Denní stacionář"
    empty = client.post(f"{plan}priorities/", {}, format="json")
    assert empty.status_code == 400
    foreign = client.post(
        f"{plan}priorities/",
        {"title": "x", "working_group": world["other_steering_group"]},
        format="json",
    )
    assert foreign.status_code == 404
