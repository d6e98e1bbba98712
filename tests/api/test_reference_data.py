"""Territories and organisations: reference data that every signed-in user reads, found with
filters (a territory by kind, code or name, or those the caller takes part in; an organisation
by kind, IČO, territory or name). Nothing for the anonymous."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from stakeholders import services as stakeholder_services
from stakeholders.models import Organization, Territory
from tests.api.conftest import Api, World, problem_of

pytestmark = pytest.mark.django_db


def _ids(response: object) -> list[int]:
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return [row["id"] for row in response.json()["results"]]  # type: ignore[attr-defined]


def test_territories_are_found_by_kind_code_and_name(api: Api, world: World) -> None:
    admin = get_user_model().objects.get(pk=world.users["superuser"])
    town = stakeholder_services.territory_create(
        actor=admin, kind=Territory.Kind.MUNICIPALITY, code="556297", name="Horažďovice"
    )
    client = api.client("wg_member")
    assert _ids(client.get("/api/v1/territories/?kind=obec")) == [town.pk]
    assert _ids(client.get("/api/v1/territories/?code=3214")) == [world["other_territory"]]
    assert set(_ids(client.get("/api/v1/territories/?search=hora%C5%BE%C4%8Fovice"))) == {
        world["territory"],
        town.pk,
    }
    assert _ids(client.get("/api/v1/territories/?search=556297")) == [town.pk]
    wrong = client.get("/api/v1/territories/?kind=kontinent")
    assert wrong.status_code == 400
    assert "kind" in problem_of(wrong)["errors"]
    assert api.client().get("/api/v1/territories/").status_code == 401


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", ["territory"]),
        ("wg_member", ["territory"]),
        ("secretariat", ["territory"]),  # through the council bodies it serves
        ("auditor", ["territory"]),
        ("other_territory", ["other_territory"]),
    ],
)
def test_mine_lists_the_territories_the_caller_takes_part_in(
    role: str, expected: list[str], api: Api, world: World
) -> None:
    listed = _ids(api.client(role).get("/api/v1/territories/?mine=true"))
    assert listed == [world[key] for key in expected]
    everything = _ids(api.client(role).get("/api/v1/territories/"))
    assert {world["territory"], world["other_territory"]} <= set(everything)


def test_organisations_are_found_by_kind_ico_territory_and_name(api: Api, world: World) -> None:
    admin = get_user_model().objects.get(pk=world.users["superuser"])
    charita = stakeholder_services.organization_create(
        actor=admin,
        kind=Organization.Kind.PROVIDER,
        name="Oblastní charita Horažďovice",
        ico="00000175",
        provider_registry_id="1234567",
        territory=Territory.objects.get(pk=world["territory"]),
    )
    town_hall = stakeholder_services.organization_create(
        actor=admin, kind=Organization.Kind.COMMISSIONER, name="Město Horažďovice"
    )
    other = stakeholder_services.organization_create(
        actor=admin,
        kind=Organization.Kind.PROVIDER,
        name="Charita Sušice",
        territory=Territory.objects.get(pk=world["other_territory"]),
    )
    client = api.client("other_territory")  # reference data: every signed-in user
    assert _ids(client.get("/api/v1/organisations/?kind=provider")) == [other.pk, charita.pk]
    assert _ids(client.get("/api/v1/organisations/?ico=00000175")) == [charita.pk]
    assert _ids(client.get(f"/api/v1/organisations/?territory={world['territory']}")) == [
        charita.pk
    ]
    assert _ids(client.get("/api/v1/organisations/?search=charita")) == [other.pk, charita.pk]
    assert _ids(client.get("/api/v1/organisations/?search=1234567")) == [charita.pk]
    assert _ids(client.get("/api/v1/organisations/?search=m%C4%9Bsto")) == [town_hall.pk]
    assert client.get(f"/api/v1/organisations/{charita.pk}/").json()["ico"] == "00000175"
    assert api.client().get("/api/v1/organisations/").status_code == 401
