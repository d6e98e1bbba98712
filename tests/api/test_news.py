"""News items of a process over HTTP: drafted, corrected, published and withdrawn."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, World, problem_of

pytestmark = pytest.mark.django_db


def test_the_coordinator_drafts_publishes_and_withdraws_news(api: Api, world: World) -> None:
    client = api.client("coordinator")
    news = f"/api/v1/processes/{world['process']}/news/"
    draft = client.post(
        news, {"title": "  Setkání s veřejností ", "text": "Ve čtvrtek"}, format="json"
    )
    assert draft.status_code == 201, draft.content
    item = draft.json()
    assert (item["title"], item["published_at"]) == ("Setkání s veřejností", None)
    corrected = client.patch(
        f"{news}{item['id']}/", {"title": "Setkání s veřejností 12. 3."}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["text"] == "Ve čtvrtek"  # what is left out stays
    published = client.post(f"{news}{item['id']}/publish/", {}, format="json").json()
    assert published["published_at"] is not None
    again = client.post(f"{news}{item['id']}/publish/", {}, format="json").json()
    assert again["published_at"] == published["published_at"]  # keeps its date
    withdrawn = client.post(
        f"{news}{item['id']}/publish/", {"published": False, "reason": "Omyl"}, format="json"
    )
    assert withdrawn.json()["published_at"] is None
    at_once = client.post(news, {"title": "Plán schválen", "publish": True}, format="json")
    assert at_once.json()["published_at"] is not None
    listed = client.get(news).json()["results"]
    assert {row["id"] for row in listed} >= {item["id"], at_once.json()["id"], world["news"]}
    empty = client.post(news, {"title": "   "}, format="json")
    assert empty.status_code == 400
    member = api.client("steering_member").post(news, {"title": "Moje"}, format="json")
    assert member.status_code == 403
    assert problem_of(member)["code"] == "forbidden"
