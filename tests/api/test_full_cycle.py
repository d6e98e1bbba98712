"""One planning cycle from preparation to implementation, driven by HTTP calls only.

What a municipality's systems would do: the installation's administrator signs in, sets up the
territory, the process, its bodies and people, appoints the members and issues API tokens; the
methodologist uploads and submits documents; the coordinator puts them to the steering group,
records the votes of those present and applies the decisions; the public comments through the
public endpoint; the coordinator enters a late paper comment, settles the comments and
publishes the settlement; the secretariat's system records the council resolutions and moves
the process to implementation on the strength of the assembly's resolution.

Only the user accounts exist beforehand (logins are provisioned by the administrator, outside
the API); everything else is an HTTP request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import problem_of
from tests.documents.samples import docx_bytes
from tests.factories import SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "heslo-pro-testy"
STEERING_SEATS = {
    # key: (role, triad side); the voters have no login: the coordinator records their votes
    "coordinator": ("coordinator", ""),
    "methodologist": ("methodologist", ""),
    "chair": ("chair", "commissioner"),
    "provider": ("member", "provider"),
    "user": ("member", "user"),
    "public": ("member", "public"),
}


class Http:
    """Token-authenticated clients of the people in the story, and the anonymous public."""

    def __init__(self) -> None:
        self.clients: dict[str, APIClient] = {"public": APIClient()}

    def sign_in(self, who: str, key: str) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        self.clients[who] = client

    def call(
        self, who: str, method: str, url: str, body: Any = None, *, status: int, **kwargs: Any
    ) -> Any:
        client = self.clients[who]
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, body or {}, format=kwargs.get("format", "json"))
        assert response.status_code == status, (who, method, url, response.content[:800])
        return response

    def get(self, who: str, url: str, status: int = 200) -> Any:
        return self.call(who, "get", url, status=status).json()

    def post(self, who: str, url: str, body: Any = None, status: int = 201, **kwargs: Any) -> Any:
        response = self.call(who, "post", url, body, status=status, **kwargs)
        return response.json() if response.content else None


class Story:
    def __init__(self, http: Http) -> None:
        self.http = http
        self.ids: dict[str, int] = {}
        self.voters: list[int] = []

    # --- the steering group decides -------------------------------------------------------

    def decide(self, **proposal: Any) -> int:
        """A proposal put to the steering group at a meeting, all four voters for."""
        process = self.ids["process"]
        base = f"/api/v1/processes/{process}/decisions/"
        decision = self.http.post(
            "coordinator",
            base,
            {"body": self.ids["steering_group"], "mode": "meeting", **proposal},
        )
        self.http.post(
            "coordinator",
            f"{base}{decision['id']}/presence/",
            {"memberships": self.voters},
            status=200,
        )
        for membership in self.voters:
            self.http.post(
                "coordinator",
                f"{base}{decision['id']}/votes/",
                {"membership": membership, "choice": "for"},
            )
        closed = self.http.post("coordinator", f"{base}{decision['id']}/close/", status=200)
        assert closed["status"] == "adopted", closed
        assert (closed["present_count"], closed["votes_for"]) == (4, 4)
        return decision["id"]

    def approved_document(self, kind: str, title: str) -> dict[str, Any]:
        """Registered by the coordinator, uploaded and submitted by the methodologist, approved
        on a steering-group decision."""
        document = self.http.post(
            "coordinator",
            f"/api/v1/processes/{self.ids['process']}/documents/",
            {"kind": kind, "title": title},
        )
        upload = SimpleUploadedFile(f"{kind}.docx", docx_bytes([title, "Text dokumentu."]))
        version = self.http.post(
            "methodologist",
            f"/api/v1/documents/{document['id']}/versions/",
            {"file": upload, "change_summary": "První verze"},
            format="multipart",
        )
        assert version["status"] == "draft"
        self.http.post("methodologist", f"/api/v1/versions/{version['id']}/submit/", status=200)
        decision = self.decide(
            subject="document_version",
            document_version=version["id"],
            title=f"Schválení: {title}",
        )
        approved = self.http.post(
            "coordinator",
            f"/api/v1/versions/{version['id']}/approve/",
            {"decision": decision},
            status=200,
        )
        assert approved["status"] == "approved"
        return approved

    def step(self, transition: str, reason: str, who: str = "coordinator", **extra: Any) -> Any:
        decision = self.decide(
            subject="stage_transition", transition=transition, title=f"Krok {transition}"
        )
        return self.http.post(
            who,
            f"/api/v1/processes/{self.ids['process']}/transitions/",
            {"transition": transition, "reason": reason, "decision": decision, **extra},
        )

    def resolution(self, who: str, body: str, members: int, **fields: Any) -> dict[str, Any]:
        return self.http.post(
            who,
            "/api/v1/resolutions/",
            {
                "body": self.ids[body],
                "adopted_on": timezone.localdate().isoformat(),
                "title": "Komunitní plán sociálních služeb",
                "process": self.ids["process"],
                "points": [{"verb": fields.pop("verb", "approves"), "text": "Komunitní plán"}],
                "present": members,
                "votes_for": members,
                "votes_against": 0,
                "votes_abstained": 0,
                **fields,
            },
        )


def _set_up(http: Http, story: Story) -> None:
    """The administrator signs in with the browser session, takes an API token and builds the
    process, its bodies and its people over the API."""
    admin = SuperUserFactory(username="spravce")
    logins = {key: UserFactory(username=key) for key in ("coordinator", "methodologist", "clerk")}

    browser = APIClient()
    response = browser.post(
        "/admin/login/?next=/admin/", {"username": "spravce", "password": PASSWORD}
    )
    assert response.status_code == 302
    key = browser.post("/api/v1/tokens/", {"reason": "Správa"}, format="json").json()["key"]
    http.sign_in("admin", key)
    assert http.get("admin", "/api/v1/me/")["id"] == admin.pk

    ids = story.ids
    ids["territory"] = http.post(
        "admin", "/api/v1/territories/", {"kind": "orp", "code": "3203", "name": "Horažďovice"}
    )["id"]
    process = http.post(
        "admin",
        "/api/v1/processes/",
        {
            "territory": ids["territory"],
            "title": "Komunitní plán sociálních služeb ORP Horažďovice",
            "period_start_year": 2023,
            "period_end_year": 2025,
            "reason": "Nový plánovací cyklus",
        },
    )
    assert process["stage"] == "preparation"
    ids["process"] = process["id"]
    ids["steering_group"] = http.post(
        "admin",
        f"/api/v1/processes/{ids['process']}/bodies/",
        {"kind": "steering_group", "name": "Řídící skupina KPSS"},
    )["id"]
    for kind, name, seats in (
        ("board", "Rada města", 5),
        ("assembly", "Zastupitelstvo města", 15),
        ("secretariat", "Odbor sociálních věcí", None),
    ):
        ids[kind] = http.post(
            "admin",
            "/api/v1/bodies/",
            {"kind": kind, "name": name, "territory": ids["territory"], "seat_count": seats},
        )["id"]

    valid_from = (timezone.localdate() - dt.timedelta(days=30)).isoformat()

    def appoint(key: str, body: str, role: str, side: str = "") -> int:
        person = http.post(
            "admin", "/api/v1/people/", {"first_name": key.title(), "last_name": "Nováková"}
        )
        if key in logins:
            http.post(
                "admin",
                f"/api/v1/people/{person['id']}/user/",
                {"user": logins[key].pk, "reason": "Přístup do KomPlanu"},
                status=200,
            )
        membership = http.post(
            "admin",
            "/api/v1/memberships/",
            {
                "person": person["id"],
                "body": ids[body],
                "role": role,
                "triad_side": side,
                "valid_from": valid_from,
                "appointing_resolution": "12/3/RM/2023",
            },
        )
        return membership["id"]

    for key, (role, side) in STEERING_SEATS.items():
        membership = appoint(key, "steering_group", role, side)
        if role in ("chair", "member"):
            story.voters.append(membership)
    appoint("clerk", "secretariat", "member")

    for key, user in logins.items():
        issued = http.post(
            "admin", "/api/v1/tokens/", {"user": user.pk, "reason": "Klíč pro systém úřadu"}
        )
        assert issued["user"] == user.pk
        http.sign_in(key, issued["key"])


def test_a_cycle_from_preparation_to_implementation_over_http() -> None:
    http = Http()
    story = Story(http)
    _set_up(http, story)
    ids = story.ids
    process_url = f"/api/v1/processes/{ids['process']}/"

    # What blocks the first step, every condition at once.
    blocked = http.post(
        "coordinator",
        f"{process_url}transitions/",
        {"transition": "start_mapping", "reason": "Zkusíme to"},
        status=422,
    )
    assert blocked["code"] == "unmet_conditions"
    codes = {c["code"] for c in blocked["conditions"]}
    assert {"founding_charter_not_approved", "decision_missing"} <= codes

    # preparation → mapping: the founding charter, approved by the steering group and the board
    charter = story.approved_document("founding_charter", "Základní listina KPSS")
    board_approval = story.resolution(
        "clerk",
        "board",
        5,
        document_version=charter["id"],
        document_action="approve",
        verb="approves",
    )
    assert board_approval["document_sha256"] == charter["sha256"]
    story.step("start_mapping", "Základní listina schválena radou")

    # mapping → working groups: the four analyses
    for kind, title in [
        ("socio_demographic_analysis", "Sociodemografická analýza"),
        ("provider_analysis", "Analýza poskytovatelů"),
        ("resources_analysis", "Analýza zdrojů a financování"),
        ("user_needs_survey", "Průzkum potřeb uživatelů"),
    ]:
        story.approved_document(kind, title)
    story.step("start_working_groups", "Analýzy schváleny")

    # working groups → public consultation: the approved draft, published, under consultation
    draft = story.approved_document("community_plan", "Návrh komunitního plánu")
    draft = http.post("coordinator", f"/api/v1/versions/{draft['id']}/publish/", status=200)
    assert draft["status"] == "published"
    today = timezone.localdate()
    consultation = http.post(
        "coordinator",
        f"{process_url}consultations/",
        {
            "document_version": draft["id"],
            "title": "Připomínkování návrhu plánu",
            "opens": today.isoformat(),
            "closes": (today + dt.timedelta(days=30)).isoformat(),
        },
    )
    story.step("open_consultation", "Návrh zveřejněn k připomínkám")

    # The public reads the page and comments; sending the same token twice stores one comment.
    page = http.get("public", f"/api/v1/public/processes/{ids['process']}/")
    assert page["stage"] == "public_consultation"
    assert [c["id"] for c in page["consultations"] if c["phase"] == "open"] == [consultation["id"]]
    assert draft["id"] in [d["version"] for d in page["documents"]]
    public_url = (
        f"/api/v1/public/processes/{ids['process']}/consultations/{consultation['id']}/comments/"
    )
    comment = {
        "name": "Jan Novák",
        "email": "jan@example.cz",
        "text": "Chybí odlehčovací služba.",
        "consents_to_processing": True,
        "token": str(uuid.uuid4()),
    }
    receipt = http.post("public", public_url, comment)
    again = http.post("public", public_url, comment, status=200)
    assert again["receipt_number"] == receipt["receipt_number"]

    with time_machine.travel(timezone.now() + dt.timedelta(days=33), tick=False):
        # Too late for the web; a paper comment is entered and flagged late.
        late = http.call(
            "public", "post", public_url, {**comment, "token": str(uuid.uuid4())}, status=422
        )
        assert problem_of(late)["code"] == "deadline_passed"
        register_url = f"/api/v1/consultations/{consultation['id']}/comments/"
        paper = http.post(
            "coordinator",
            register_url,
            {
                "channel": "paper",
                "received_on": timezone.localdate().isoformat(),
                "text": "Prosíme o rozšíření pečovatelské služby.",
                "name": "Marie Dvořáková",
            },
        )
        assert paper["is_late"]
        register = http.get("coordinator", register_url)
        assert register["count"] == 2
        for row in register["results"]:
            settled = http.post(
                "coordinator",
                f"{register_url}{row['id']}/settlement/",
                {
                    "comment_type": "formal",
                    "decision": "noted",
                    "justification": "Vzato na vědomí, řeší akční plán.",
                },
                status=200,
            )
            assert settled["decision"] == "noted"
        story.approved_document("settlement_of_comments", "Vypořádání připomínek")
        consultation_url = f"/api/v1/consultations/{consultation['id']}/"
        http.post("coordinator", f"{consultation_url}settle/", status=200)
        published = http.post("coordinator", f"{consultation_url}publish-settlement/", status=200)
        assert published["status"] == "settlement_published"
        settlement = http.get(
            "public",
            f"/api/v1/public/processes/{ids['process']}/consultations/{consultation['id']}/",
        )["settlement"]
        assert [row["submitter"] for row in settlement] == ["Občan 1", "Občan 2"]
        assert "Jan Novák" not in str(settlement)
        story.step("submit_to_council", "Připomínky vypořádány")

        # council approval: the chain adopts exactly the submitted version
        story.resolution(
            "admin",
            "steering_group",
            4,
            document_version=draft["id"],
            document_action="recommend",
            verb="recommends",
        )
        story.resolution(
            "clerk",
            "board",
            5,
            document_version=draft["id"],
            document_action="recommend",
            verb="recommends",
        )
        approving = story.resolution(
            "clerk",
            "assembly",
            15,
            session=24,
            document_version=draft["id"],
            document_action="approve",
        )
        assert approving["document_sha256"] == draft["sha256"]

        # The secretariat's system moves the process on the strength of the resolution.
        decision = story.decide(
            subject="stage_transition",
            transition="start_implementation",
            title="Doporučení k realizaci",
        )
        available = {t["transition"]: t for t in http.get("clerk", f"{process_url}transitions/")}
        assert available["start_implementation"]["decision"] == decision
        assert available["start_implementation"]["unmet"] == []
        http.post(
            "clerk",
            f"{process_url}transitions/",
            {
                "transition": "start_implementation",
                "reason": f"Schváleno usnesením ZM č. {approving['number']}",
                "decision": decision,
                "resolution": approving["id"],
            },
        )

    process = http.get("coordinator", process_url)
    assert process["stage"] == "implementation"
    history = http.get("coordinator", f"{process_url}history/")
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        ("preparation", "mapping"),
        ("mapping", "working_groups"),
        ("working_groups", "public_consultation"),
        ("public_consultation", "council_approval"),
        ("council_approval", "implementation"),
    ]
    assert history[-1]["resolution"] == approving["id"]

    # The approved plan downloads with the checksum the assembly's resolution is bound to.
    download = http.clients["public"].get(f"/api/v1/versions/{draft['id']}/download/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    digest = hashlib.sha256(content).digest()
    assert download["X-Content-SHA256"] == approving["document_sha256"] == digest.hex()
    assert download["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
