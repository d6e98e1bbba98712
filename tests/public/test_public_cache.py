"""The cache of the anonymous public pages: hits without queries, invalidation on every kind of
change, the clock (a closed consultation never gets its form from the cache), per-visitor
tokens, and signed-in users outside the cache."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import DocumentVersion, Priority
from documents.services.versions import version_publish
from stakeholders import services as stakeholder_services
from stakeholders.models import Body, TargetGroup
from tests.public.builders import adopted_decision, published_version, schedule
from workflow import public_cache, services
from workflow.models import (
    Comment,
    ConsultationPeriod,
    Meeting,
    NewsItem,
    PlanningProcess,
    Stage,
    StageTransition,
    Transition,
)
from workflow.services import consultation as consultation_services
from workflow.services import meetings as meeting_services

pytestmark = pytest.mark.django_db

UTC = dt.UTC
FORM_FIELD = 'name="text"'


def process_url(process) -> str:
    return reverse("public:process", args=[process.pk])


def embed_url(process) -> str:
    return reverse("public:process_embed", args=[process.pk])


def consultation_url(consultation) -> str:
    return reverse("public:consultation", args=[consultation.process_id, consultation.pk])


def get(client: Client, path: str) -> tuple[str, int]:
    """The page's HTML and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode(), len(queries)


def csrf_and_token(html: str) -> tuple[str, str]:
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    token = re.search(r'name="token" value="([^"]+)"', html) or re.search(
        r'value="([^"]+)" name="token"', html
    )
    assert csrf and token, "the form has no tokens"
    return csrf.group(1), token.group(1)


# --- hits --------------------------------------------------------------------------------------


def test_a_second_anonymous_visit_reads_no_database(cycle, client):
    consultation = schedule(cycle)
    paths = (process_url(cycle.process), embed_url(cycle.process), consultation_url(consultation))
    for path in paths:
        first, first_queries = get(client, path)
        second, second_queries = get(Client(), path)
        assert first_queries > 0
        assert second_queries == 0, path
        # The same page, apart from the per-visitor tokens.
        strip = re.compile(r'value="[^"]{20,}"')
        assert strip.sub("", first) == strip.sub("", second)


def test_signed_in_users_get_pages_rendered_for_them(cycle, client):
    consultation = schedule(cycle)
    staff = Client()
    staff.force_login(cycle.coordinator)
    for path in (process_url(cycle.process), consultation_url(consultation)):
        get(client, path)  # cached for the public
        _html, queries = get(staff, path)
        assert queries > 0, path
        _html, queries = get(staff, path)
        assert queries > 0, path


def test_each_visitor_gets_their_own_csrf_and_submission_tokens(cycle):
    consultation = schedule(cycle)
    path = consultation_url(consultation)
    visitors = [Client(enforce_csrf_checks=True) for _ in range(3)]
    pages = [get(visitor, path)[0] for visitor in visitors]
    tokens = [csrf_and_token(page) for page in pages]
    assert len({csrf for csrf, _t in tokens}) == 3
    assert len({token for _c, token in tokens}) == 3
    assert not any("slot" in token or "slot" in csrf for csrf, token in tokens)
    for visitor, (csrf, token) in zip(visitors, tokens, strict=True):
        response = visitor.post(
            path,
            {
                "name": "Jana",
                "email": "jana@example.cz",
                "text": "Připomínka",
                "consents_to_processing": "on",
                "token": token,
                "csrfmiddlewaretoken": csrf,
                "website": "",
            },
        )
        assert response.status_code == 302
    # Three submissions with three tokens: three comments (one shared token would store one).
    assert Comment.objects.filter(consultation=consultation).count() == 3


def test_pages_are_cached_per_language(cycle, client):
    get(client, process_url(cycle.process))
    english = Client()
    english.cookies["django_language"] = "en"
    html, queries = get(english, process_url(cycle.process))
    assert queries > 0
    assert 'lang="en"' in html


# --- the middleware's fast path ----------------------------------------------------------------


def comparable_headers(response) -> dict[str, object]:
    """The headers, the per-visitor cookie aside and Vary as a set (its order means nothing)."""
    headers: dict[str, object] = {
        name: value for name, value in response.headers.items() if name != "Set-Cookie"
    }
    headers["Vary"] = {part.strip() for part in response.headers.get("Vary", "").split(",")}
    return headers


def test_an_anonymous_hit_is_answered_before_the_user_is_loaded(cycle, client, settings):
    """The first visit of a path renders through the whole stack; later ones are answered by
    PublicPageCacheMiddleware, with the same headers and the same page (tokens aside)."""
    settings.KOMPLAN_PUBLIC_EMBED_ORIGINS = ["https://www.horazdovice.cz"]
    consultation = schedule(cycle)
    strip = re.compile(r'value="[^"]{20,}"')
    for path in (
        process_url(cycle.process),
        embed_url(cycle.process),
        consultation_url(consultation),
    ):
        first = client.get(path)
        with CaptureQueriesContext(connection) as queries:
            second = client.get(path)
        assert first.status_code == second.status_code == 200
        assert hasattr(first.wsgi_request, "user")
        assert not hasattr(second.wsgi_request, "user"), path  # no session, user or view
        assert len(queries) == 0
        assert comparable_headers(first) == comparable_headers(second), path
        assert "Cookie" in comparable_headers(second)["Vary"]
        assert strip.sub("", first.content.decode()) == strip.sub("", second.content.decode())
    embed = client.get(embed_url(cycle.process))
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors https://www.horazdovice.cz" in embed.headers["Content-Security-Policy"]


def test_the_form_answered_by_the_middleware_passes_the_csrf_check(cycle):
    """The middleware runs after the CSRF middleware: a form it serves carries a token of the
    visitor's CSRF cookie, and a new visitor gets that cookie with it."""
    consultation = schedule(cycle)
    path = consultation_url(consultation)
    for keeps_cookie in (True, False):
        visitor = Client(enforce_csrf_checks=True)  # its own middleware, like a web process
        visitor.get(path)  # through the whole stack: the middleware learns the path
        if not keeps_cookie:
            visitor.cookies.clear()  # as a new visitor: the next response sets the cookie
        page = visitor.get(path)
        assert not hasattr(page.wsgi_request, "user")  # answered by the middleware
        assert page.cookies["csrftoken"].value
        csrf, token = csrf_and_token(page.content.decode())
        response = visitor.post(
            path,
            {
                "name": "Jana",
                "email": "jana@example.cz",
                "text": "Připomínka",
                "consents_to_processing": "on",
                "token": token,
                "csrfmiddlewaretoken": csrf,
                "website": "",
            },
        )
        assert response.status_code == 302
    assert Comment.objects.filter(consultation=consultation).count() == 2


def test_a_session_cookie_takes_the_request_down_the_whole_stack(cycle, client, settings):
    path = process_url(cycle.process)
    get(client, path)
    get(client, path)  # the middleware now knows the path
    client.force_login(cycle.coordinator)
    response = client.get(path)
    assert response.wsgi_request.user == cycle.coordinator
    # An anonymous visitor who still sends a session cookie is served the cached page by the
    # view, after the session is read.
    client.logout()
    client.cookies[settings.SESSION_COOKIE_NAME] = "stale-session-key"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200 and response.wsgi_request.user.is_anonymous
    assert all("django_session" in query["sql"] for query in queries.captured_queries)


def test_a_change_reaches_the_next_request_of_every_web_process(
    cycle, django_capture_on_commit_callbacks
):
    """Each test client has its own middleware, like each gunicorn worker: none of them serves
    a page older than a committed change, not even once."""
    path = process_url(cycle.process)
    workers = [Client(), Client()]
    for worker in workers:
        get(worker, path)
        assert get(worker, path)[1] == 0  # answered by that worker's middleware
    with django_capture_on_commit_callbacks(execute=True):
        services.news_item_publish(actor=cycle.coordinator, process=cycle.process, title="Beseda")
    rendered, queries = get(workers[0], path)
    assert "Beseda" in rendered and queries > 0
    html, queries = get(workers[1], path)  # the page the first one rendered, from the cache
    assert "Beseda" in html and queries == 0


@pytest.mark.services
def test_on_redis_through_one_shared_client(cycle, settings, django_capture_on_commit_callbacks):
    """As in production: Redis through config.cache.RedisCache (one client for every call)."""
    prefix = f"test-public-cache-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": settings.CELERY_BROKER_URL,
            "KEY_PREFIX": prefix,
        }
    }
    backend = caches["default"]
    client = backend._cache.get_client()
    try:
        assert backend._cache.get_client(write=True) is client
        path = process_url(cycle.process)
        visitor = Client()
        assert get(visitor, path)[1] > 0
        assert get(visitor, path)[1] == 0
        with django_capture_on_commit_callbacks(execute=True):
            services.news_item_publish(
                actor=cycle.coordinator, process=cycle.process, title="Beseda"
            )
        html, queries = get(visitor, path)
        assert "Beseda" in html and queries > 0
        assert "Beseda" in get(Client(), path)[0]
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


# --- invalidation ------------------------------------------------------------------------------


def _approved_version(published: DocumentVersion) -> DocumentVersion:
    return DocumentVersion.objects.create(
        document=published.document,
        number=published.number + 1,
        file=f"documents/{published.document_id}-2.pdf",
        original_filename="navrh-2.pdf",
        sha256="b" * 64,
        size=4321,
        content_type="application/pdf",
        status="approved",
        submitted_at=timezone.now(),
        approved_at=timezone.now(),
        approved_by_decision=published.approved_by_decision,
    )


def change_document_published(cycle, consultation):
    published_version(cycle.process, cycle.steering_group, title="Analýza potřeb seniorů")
    return "Analýza potřeb seniorů"


def change_version_superseded(cycle, consultation):
    current = consultation.document_version
    version_publish(actor=cycle.coordinator, version=_approved_version(current))
    return '<span class="version">v2</span>'


def change_news_published(cycle, consultation):
    services.news_item_publish(actor=cycle.coordinator, process=cycle.process, title="Beseda")
    return "Beseda"


def change_news_edited(cycle, consultation):
    item = consultation_services.news_item_create(
        actor=cycle.coordinator, process=cycle.process, title="Původní titulek", publish=True
    )
    consultation_services.news_item_update(
        actor=cycle.coordinator, item=item, title="Opravený titulek"
    )
    return "Opravený titulek"


def change_hearing_planned(cycle, consultation):
    meeting_services.meeting_create(
        actor=cycle.coordinator,
        kind=Meeting.Kind.PUBLIC_HEARING,
        title="Veřejné projednání návrhu",
        process=cycle.process,
        starts_at=timezone.now() + dt.timedelta(days=5),
        place="Sál kulturního domu",
    )
    return "Veřejné projednání návrhu"


def change_consultation_scheduled(cycle, consultation):
    schedule(cycle, title="Druhé kolo připomínek")
    return "Druhé kolo připomínek"


def change_consultation_close_moved(cycle, consultation):
    locked = ConsultationPeriod.objects.get(pk=consultation.pk)
    locked.closes_at = dt.datetime(2099, 12, 31, 12, 0, tzinfo=UTC)
    locked.save()
    return "31. 12. 2099"


def change_stage(cycle, consultation):
    decision = cycle.adopted_decision(Transition.CANCEL)
    services.process_transition(
        actor=cycle.coordinator,
        process_id=cycle.process.pk,
        transition=Transition.CANCEL,
        reason="Projekt nezískal podporu",
        decision_id=decision.pk,
    )
    return None  # a cancelled process has no public page any more


CHANGES = [
    change_document_published,
    change_version_superseded,
    change_news_published,
    change_news_edited,
    change_hearing_planned,
    change_consultation_scheduled,
    change_consultation_close_moved,
    change_stage,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.removeprefix("change_"))
def test_every_change_shown_on_the_process_page_invalidates_it(
    change, cycle, client, django_capture_on_commit_callbacks
):
    consultation = schedule(cycle)
    before, _q = get(client, process_url(cycle.process))
    get(client, embed_url(cycle.process))
    with django_capture_on_commit_callbacks(execute=True):
        expected = change(cycle, consultation)
    if expected is None:
        assert client.get(process_url(cycle.process)).status_code == 404
        assert client.get(embed_url(cycle.process)).status_code == 404
        return
    assert expected not in before
    after, queries = get(client, process_url(cycle.process))
    assert queries > 0
    assert expected in after


def test_the_stage_timeline_follows_a_transition_record(
    cycle, client, django_capture_on_commit_callbacks
):
    """The timeline shows the date each stage was reached, from the transition records."""
    get(client, process_url(cycle.process))
    reached = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        # The stage moves without a signal here (an update); the transition record's signal
        # is what invalidates the page.
        PlanningProcess.objects.filter(pk=cycle.process.pk).update(stage=Stage.MAPPING)
        StageTransition.objects.create(
            process=cycle.process,
            transition=Transition.START_MAPPING,
            from_stage=Stage.PREPARATION,
            to_stage=Stage.MAPPING,
            performed_at=reached,
            actor=cycle.coordinator,
            actor_id_snapshot=cycle.coordinator.pk,
            reason="Zakládací listina schválena",
        )
    html, queries = get(client, process_url(cycle.process))
    assert queries > 0
    assert "2. 3. 2026" in html


def test_settlement_publication_invalidates_the_consultation_page(
    cycle, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 5))
        comment, _ = services.comment_submit_public(
            consultation_id=consultation.pk,
            name="Jana",
            email="jana@example.cz",
            text="Doplnit odlehčovací službu",
            consents_to_processing=True,
            idempotency_token=uuid.uuid4(),
        )
    with time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=UTC), tick=False):
        path = consultation_url(consultation)
        get(client, path)
        with django_capture_on_commit_callbacks(execute=True):
            services.comment_settle(
                actor=cycle.coordinator,
                comment=comment,
                comment_type=Comment.Type.SUBSTANTIVE,
                decision=Comment.Decision.ACCEPTED,
                steering_decision=adopted_decision(cycle.process, cycle.steering_group),
            )
        settled_html, queries = get(client, path)
        assert queries > 0  # a settled comment bumps the generation
        assert "Doplnit odlehčovací službu" not in settled_html  # but is not public yet
        with django_capture_on_commit_callbacks(execute=True):
            services.consultation_mark_settled(actor=cycle.coordinator, consultation=consultation)
            services.consultation_publish_settlement(
                actor=cycle.coordinator, consultation=consultation
            )
        published, queries = get(client, path)
        assert queries > 0
        assert "Doplnit odlehčovací službu" in published and 'id="vyporadani"' in published


def test_a_plan_node_change_reaches_the_comment_form(
    cycle, client, django_capture_on_commit_callbacks
):
    consultation = schedule(cycle)
    get(client, consultation_url(consultation))
    with django_capture_on_commit_callbacks(execute=True):
        Priority.objects.create(process=cycle.process, number="1", title="Senioři doma", order=1)
    html, queries = get(client, consultation_url(consultation))
    assert queries > 0 and "Senioři doma" in html


def test_a_new_public_comment_does_not_invalidate_the_pages(
    cycle, client, django_capture_on_commit_callbacks
):
    """Unsettled comments are shown nowhere in public, so the pages stay cached."""
    consultation = schedule(cycle)
    get(client, consultation_url(consultation))
    generation = public_cache.generation(cycle.process.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_submit_public(
            consultation_id=consultation.pk,
            name="Jana",
            email="jana@example.cz",
            text="Připomínka",
            consents_to_processing=True,
            idempotency_token=uuid.uuid4(),
        )
    assert public_cache.generation(cycle.process.pk) == generation
    assert get(client, consultation_url(consultation))[1] == 0


def test_a_change_of_another_process_keeps_this_one_cached(
    cycle, other_cycle, client, django_capture_on_commit_callbacks
):
    get(client, process_url(cycle.process))
    with django_capture_on_commit_callbacks(execute=True):
        services.news_item_publish(
            actor=other_cycle.coordinator, process=other_cycle.process, title="Jinde"
        )
    assert get(client, process_url(cycle.process))[1] == 0


def test_the_bump_waits_for_the_commit(cycle, client, django_capture_on_commit_callbacks):
    """Before the commit no reader may see a new generation (it could cache old data under it)."""
    generation = public_cache.generation(cycle.process.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.news_item_publish(actor=cycle.coordinator, process=cycle.process, title="N")
        assert public_cache.generation(cycle.process.pk) == generation
    for callback in callbacks:
        callback()
    assert public_cache.generation(cycle.process.pk) > generation


def test_a_lost_generation_never_returns_to_an_old_value(cycle):
    first = public_cache.generation(cycle.process.pk)
    cache.delete(f"{public_cache.KEY_PREFIX}:gen:{cycle.process.pk}")
    public_cache.bump([cycle.process.pk])
    assert public_cache.generation(cycle.process.pk) > first


# --- the clock ---------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/Prague", "UTC", "America/New_York"])
def test_a_closed_consultation_never_gets_its_form_from_the_cache(cycle, zone, settings):
    settings.KOMPLAN_PUBLIC_CACHE_SECONDS = 7 * 24 * 3600  # only the clock may end the entry
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        # 25 October 2026: the night the clocks go back in Europe.
        consultation = schedule(
            cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 25), time_zone=zone
        )
    path = consultation_url(consultation)
    portal = process_url(cycle.process)
    form_link = f"{path}#formular"
    with time_machine.travel(consultation.closes_at - dt.timedelta(seconds=1), tick=False):
        assert FORM_FIELD in get(Client(), path)[0]
        assert form_link in get(Client(), portal)[0]
        assert get(Client(), path)[1] == 0  # cached
    with time_machine.travel(consultation.closes_at, tick=False):
        html, queries = get(Client(), path)  # the last instant of the period: still open
        assert FORM_FIELD in html and queries == 0
    with time_machine.travel(consultation.closes_at + dt.timedelta(microseconds=1), tick=False):
        html, queries = get(Client(), path)
        assert FORM_FIELD not in html and queries > 0
        assert form_link not in get(Client(), portal)[0]
    with time_machine.travel(consultation.closes_at + dt.timedelta(seconds=1), tick=False):
        html, queries = get(Client(), path)
        assert FORM_FIELD not in html and queries == 0  # the closed page is cached in its turn


def test_a_scheduled_consultation_gets_its_form_when_it_opens(cycle, settings):
    settings.KOMPLAN_PUBLIC_CACHE_SECONDS = 7 * 24 * 3600
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 10), closes=dt.date(2026, 10, 25))
    path = consultation_url(consultation)
    with time_machine.travel(consultation.opens_at - dt.timedelta(microseconds=1), tick=False):
        assert FORM_FIELD not in get(Client(), path)[0]
    with time_machine.travel(consultation.opens_at, tick=False):
        assert FORM_FIELD in get(Client(), path)[0]


def test_news_dated_later_and_meetings_that_end_follow_the_clock(cycle, settings):
    settings.KOMPLAN_PUBLIC_CACHE_SECONDS = 7 * 24 * 3600
    start = dt.datetime(2026, 9, 1, 12, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        NewsItem.objects.create(
            process=cycle.process, title="Pozvánka", published_at=start + dt.timedelta(hours=2)
        )
        meeting_services.meeting_create(
            actor=cycle.coordinator,
            kind=Meeting.Kind.PUBLIC_HEARING,
            title="Veřejné projednání",
            process=cycle.process,
            starts_at=start + dt.timedelta(hours=1),
            ends_at=start + dt.timedelta(hours=3),
        )
        html = get(Client(), process_url(cycle.process))[0]
        assert "Pozvánka" not in html and "Veřejné projednání" in html
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        html = get(Client(), process_url(cycle.process))[0]
        assert "Pozvánka" in html and "Veřejné projednání" in html
    with time_machine.travel(start + dt.timedelta(hours=3, seconds=1), tick=False):
        html = get(Client(), process_url(cycle.process))[0]
        assert "Pozvánka" in html and "Veřejné projednání" not in html


# --- the portal's meetings ---------------------------------------------------------------------


def test_the_portal_lists_upcoming_public_meetings_only(cycle, client, superuser):
    soon = timezone.now() + dt.timedelta(days=7)
    working_group = stakeholder_services.body_create(
        actor=superuser,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=cycle.process,
        target_group=TargetGroup.objects.create(code="seniori", name="Senioři"),
    )

    def plan(title, **kwargs):
        kwargs.setdefault("kind", Meeting.Kind.BODY_MEETING)
        kwargs.setdefault("starts_at", soon)
        return meeting_services.meeting_create(
            actor=cycle.coordinator, title=title, process=cycle.process, **kwargs
        )

    plan("Veřejné projednání návrhu", kind=Meeting.Kind.PUBLIC_HEARING, place="Radnice")
    plan("Setkání pracovní skupiny", body=working_group)
    plan("Jednání řídící skupiny", body=cycle.steering_group)
    cancelled = plan("Zrušené projednání", kind=Meeting.Kind.PUBLIC_HEARING)
    meeting_services.meeting_cancel(actor=cycle.coordinator, meeting=cancelled, reason="Nemoc")
    html = get(client, process_url(cycle.process))[0]
    assert "Veřejné projednání návrhu" in html and "Radnice" in html
    assert "Setkání pracovní skupiny" in html and "PS Senioři" in html
    assert "Jednání řídící skupiny" not in html
    assert "Zrušené projednání" not in html
