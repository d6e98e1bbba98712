"""The public portal and the comment form: protections, escaping, query counts, framing."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
import zipfile

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import DocumentVersion
from tests.public.builders import published_version, schedule
from tests.workflow.test_meetings import _held_meeting as held_meeting
from workflow import services
from workflow.models import Comment, Meeting, NewsItem
from workflow.services import meetings as meeting_services

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
UTC = dt.UTC


def form_data(**overrides):
    data = {
        "name": "Jana Nováková",
        "email": "jana@example.cz",
        "organization": "",
        "target": "",
        "target_text": "kapitola 3",
        "text": "Doplnit odlehčovací služby.",
        "proposed_change": "Nová aktivita 2.1.3",
        "consents_to_processing": "on",
        "token": str(uuid.uuid4()),
        "website": "",
    }
    data.update(overrides)
    return data


def url(consultation):
    return reverse("public:consultation", args=[consultation.process_id, consultation.pk])


def test_the_form_stores_a_comment_and_shows_the_receipt(
    cycle, client, django_capture_on_commit_callbacks
):
    consultation = schedule(cycle)
    page = client.get(url(consultation))
    assert page.status_code == 200
    assert 'name="website"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(consultation), form_data())
    assert response.status_code == 302
    comment = Comment.objects.get()
    receipt = client.get(response["Location"])
    assert comment.receipt_number in receipt.content.decode()
    assert "jana@example.cz" not in receipt.content.decode()
    assert len(mail.outbox) == 1 and comment.receipt_number in mail.outbox[0].body
    assert comment.ip_hash and "127.0.0.1" not in comment.ip_hash


def test_a_double_post_with_one_token_stores_one_comment(cycle, client):
    consultation = schedule(cycle)
    data = form_data()
    first = client.post(url(consultation), data)
    second = client.post(url(consultation), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.count() == 1


def test_the_honeypot_stops_a_bot(cycle, client):
    consultation = schedule(cycle)
    response = client.post(url(consultation), form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert Comment.objects.count() == 0


def test_the_form_needs_consent_and_csrf(cycle, client):
    consultation = schedule(cycle)
    data = form_data()
    del data["consents_to_processing"]
    assert client.post(url(consultation), data).status_code == 400
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(consultation), form_data()).status_code == 403
    assert Comment.objects.count() == 0


def test_a_rate_limited_client_gets_a_clear_429(cycle, client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.KOMPLAN_COMMENT_RATE_LIMIT = 2
    consultation = schedule(cycle)
    codes = [client.post(url(consultation), form_data()).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    refused = client.post(url(consultation), form_data())
    assert refused.status_code == 429
    assert "Příliš mnoho" in refused.content.decode() or "Too many" in refused.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url(consultation), form_data()).status_code == 302
    assert Comment.objects.count() == 3
    cache.clear()


def test_the_form_refuses_after_the_close_by_server_time(cycle, client):
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 25))
    with time_machine.travel(consultation.closes_at - dt.timedelta(seconds=1), tick=False):
        data = form_data()
        page = client.get(url(consultation))
        assert 'name="text"' in page.content.decode()
    with time_machine.travel(consultation.closes_at + dt.timedelta(seconds=1), tick=False):
        # The form was loaded in time, but is sent a second late.
        response = client.post(url(consultation), data)
        assert response.status_code == 422
        assert "25. 10. 2026" in response.content.decode()
        page = client.get(url(consultation))
        assert 'name="text"' not in page.content.decode()
    assert Comment.objects.count() == 0


def _settled_and_published(cycle, payload):
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 5))
        comment, _ = services.comment_submit_public(
            consultation_id=consultation.pk,
            name=payload,
            email="xss@example.cz",
            organization=payload,
            text=payload,
            proposed_change=payload,
            target_text=payload,
            consents_to_processing=True,
            idempotency_token=uuid.uuid4(),
        )
    with time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=UTC), tick=False):
        services.comment_settle(
            actor=cycle.coordinator,
            comment=comment,
            comment_type=Comment.Type.FORMAL,
            decision=Comment.Decision.NOT_ACCEPTED,
            justification=payload,
            change_reference=payload,
        )
        services.consultation_mark_settled(actor=cycle.coordinator, consultation=consultation)
        services.consultation_publish_settlement(actor=cycle.coordinator, consultation=consultation)
    return consultation, comment


def test_xss_payloads_render_escaped_everywhere(cycle, client):
    consultation, comment = _settled_and_published(cycle, XSS)
    services.news_item_publish(actor=cycle.coordinator, process=cycle.process, title=XSS, text=XSS)
    staff = Client()
    staff.force_login(cycle.coordinator)
    pages = {
        "public process": client.get(reverse("public:process", args=[cycle.process.pk])),
        "public embed": client.get(reverse("public:process_embed", args=[cycle.process.pk])),
        "public consultation": client.get(url(consultation)),
        "register": staff.get(reverse("consultation:register", args=[consultation.pk])),
        "settle": staff.get(
            reverse("consultation:comment_settle", args=[consultation.pk, comment.pk])
        ),
    }
    for name, response in pages.items():
        body = response.content.decode()
        assert response.status_code == 200, name
        assert "<script>alert" not in body, name
        assert "<img src=x" not in body, name
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        in pages["public consultation"].content.decode()
    )
    assert "&lt;script&gt;" in pages["register"].content.decode()
    assert "&lt;script&gt;" in pages["public process"].content.decode()


def test_the_published_settlement_shows_no_personal_data(cycle, client):
    consultation, comment = _settled_and_published(cycle, "Text připomínky")
    Comment.objects.filter(pk=comment.pk).update(submitter_organization="")
    body = client.get(url(consultation)).content.decode()
    assert "xss@example.cz" not in body
    assert comment.receipt_number in body


def test_query_counts_do_not_grow_with_documents_comments_news_or_meetings(cycle, client):
    from django.core.cache import cache

    from workflow.models import Meeting
    from workflow.services import meetings as meeting_services

    consultation = schedule(cycle)
    process_url = reverse("public:process", args=[cycle.process.pk])
    embed_url = reverse("public:process_embed", args=[cycle.process.pk])
    paths = (process_url, embed_url, url(consultation))

    def count(path, *, cached):
        if not cached:
            cache.clear()  # the rendering itself, as on the first visit after a change
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    def counts():
        return [(count(p, cached=False), count(p, cached=True)) for p in paths]

    small = counts()
    for i in range(5):
        published_version(cycle.process, cycle.steering_group, title=f"Analýza {i}")
        services.news_item_publish(actor=cycle.coordinator, process=cycle.process, title=f"N{i}")
        meeting_services.meeting_create(
            actor=cycle.coordinator,
            kind=Meeting.Kind.PUBLIC_HEARING,
            title=f"Projednání {i}",
            process=cycle.process,
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
        )
        services.comment_submit_public(
            consultation_id=consultation.pk,
            name="A",
            email="a@example.cz",
            text=f"Připomínka {i}",
            consents_to_processing=True,
            idempotency_token=uuid.uuid4(),
        )
    large = counts()
    assert small == large
    assert all(rendered <= 8 and cached == 0 for rendered, cached in large), large


def test_the_settlement_page_reads_a_fixed_number_of_queries(cycle, client):
    from django.core.cache import cache

    def rendered_queries(consultation):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(consultation))
        assert response.status_code == 200
        rows = response.content.decode().count("Vzato na vědomí")
        assert rows == consultation.comments.filter(justification="Vzato na vědomí").count()
        return len(queries)

    one, _comment = _settled_and_published(cycle, "Text")
    many, _comment = _settled_and_published(cycle, "Text")
    with time_machine.travel(dt.datetime(2026, 9, 2, 12, tzinfo=UTC), tick=False):
        more = [
            Comment(
                consultation=many,
                number=n,
                receipt_number=f"2026-{n:04d}",
                channel=Comment.Channel.PAPER,
                received_at=timezone.now(),
                text=f"Připomínka {n}",
                comment_type=Comment.Type.FORMAL,
                decision=Comment.Decision.NOTED,
                justification="Vzato na vědomí",
                decided_at=timezone.now(),
                pseudonym=f"Občan {n}",
            )
            for n in range(2, 12)
        ]
        for comment in more:
            comment.save()
    assert rendered_queries(one) == rendered_queries(many)


def test_only_the_embed_view_may_be_framed(cycle, client, settings):
    settings.KOMPLAN_PUBLIC_EMBED_ORIGINS = ["https://www.horazdovice.cz"]
    page = client.get(reverse("public:process", args=[cycle.process.pk]))
    assert page.headers.get("X-Frame-Options") in {"DENY", "SAMEORIGIN"}
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    embed = client.get(reverse("public:process_embed", args=[cycle.process.pk]))
    assert "X-Frame-Options" not in embed.headers
    assert re.search(
        r"frame-ancestors https://www\.horazdovice\.cz(;|$)",
        embed.headers["Content-Security-Policy"],
    )


def test_the_portal_lists_published_documents_news_and_stages(cycle, client):
    version = published_version(cycle.process, cycle.steering_group, title="Návrh plánu 2026")
    NewsItem.objects.create(
        process=cycle.process, title="Veřejné projednání", published_at=timezone.now()
    )
    NewsItem.objects.create(process=cycle.process, title="Nezveřejněno")
    schedule(cycle, document_version=version)
    body = client.get(reverse("public:process", args=[cycle.process.pk])).content.decode()
    assert "Návrh plánu 2026" in body
    assert reverse("documents:version_download", args=[version.pk]) in body
    assert "Veřejné projednání" in body and "Nezveřejněno" not in body
    assert "Připomínkování návrhu komunitního plánu" in body


def test_coordinator_enters_a_late_paper_comment_and_filters_the_register(cycle):
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 5))
    staff = Client()
    staff.force_login(cycle.coordinator)
    with time_machine.travel(dt.datetime(2026, 10, 9, 12, tzinfo=UTC), tick=True):
        response = staff.post(
            reverse("consultation:comment_enter", args=[consultation.pk]),
            {
                "channel": "paper",
                "received_on": "2026-10-07",
                "name": "Karel",
                "text": "Dopis po termínu",
                "target": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        staff.post(
            reverse("consultation:comment_enter", args=[consultation.pk]),
            {"channel": "email", "received_on": "2026-10-05", "text": "Včas e-mailem"},
        )
    late = Comment.objects.get(is_late=True)
    assert late.text == "Dopis po termínu"
    register = reverse("consultation:register", args=[consultation.pk])
    only_late = staff.get(register, {"late": "late"}).content.decode()
    assert "Dopis po termínu" in only_late and "Včas e-mailem" not in only_late
    on_time = staff.get(register, {"late": "on_time", "state": "unsettled"}).content.decode()
    assert "Včas e-mailem" in on_time and "Dopis po termínu" not in on_time
    outsider = Client()
    outsider.force_login(cycle.users["provider"])
    refused = outsider.post(
        reverse("consultation:comment_enter", args=[consultation.pk]),
        {"channel": "paper", "received_on": "2026-10-05", "text": "x"},
    )
    assert refused.status_code == 403


def _docx_text(content: bytes) -> str:
    """The text of a DOCX body (its runs joined)."""
    with zipfile.ZipFile(io.BytesIO(content)) as docx:
        return re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode())


def test_published_minutes_are_listed_and_downloadable_the_full_ones_never(
    cycle, client, django_capture_on_commit_callbacks
):
    meeting = held_meeting(cycle)  # a private guest, Karel Soukromý, was there
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator,
        meeting=meeting,
        persons=[cycle.memberships[key].person for key in ("chair", "provider")],
    )
    minutes = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    services.meeting_minutes_approve(actor=cycle.coordinator, meeting=meeting)  # per rollam
    portal = reverse("public:process", args=[cycle.process.pk])
    published_url = reverse("documents:version_download", args=[minutes.published.pk])
    full_url = reverse("documents:version_download", args=[minutes.full.pk])
    before = client.get(portal).content.decode()  # cached for the public
    assert published_url not in before and full_url not in before
    assert Client().get(published_url).status_code == 404  # approved, not published yet

    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_minutes_publish(actor=cycle.coordinator, meeting=meeting)
    assert meeting.state == Meeting.State.MINUTES_PUBLISHED
    published = DocumentVersion.objects.get(pk=minutes.published.pk)
    assert published.status == DocumentVersion.Status.PUBLISHED
    decision = published.approved_by_decision
    assert (decision.body, decision.document_version, decision.status) == (
        cycle.steering_group,
        published,
        "adopted",
    )
    assert DocumentVersion.objects.get(pk=minutes.full.pk).status == "submitted"

    after = client.get(portal).content.decode()  # the publication invalidated the cached page
    assert published_url in after and minutes.published.document.title in after
    assert full_url not in after and minutes.full.document.title not in after
    download = Client().get(published_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    text = _docx_text(
        b"".join(download.streaming_content) if download.streaming else download.content
    )
    assert "Zápis z jednání" in text and cycle.memberships["chair"].person.full_name in text
    assert "Karel Soukromý" not in text and "Eva Hostová" not in text
    assert Client().get(full_url).status_code == 404
