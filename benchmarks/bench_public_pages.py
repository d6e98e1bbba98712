"""Throughput of the anonymous public pages next to a bare Django view, on one gunicorn server.

A process with 30 published documents, 10 news items, 5 upcoming public meetings and an open
consultation with 300 comments (and a published settlement of another consultation with 100
rows) on PostgreSQL. gunicorn (2 workers x 4 threads, persistent database connections) serves
the real URLs plus ``/bare/`` (an ``HttpResponse("ok")`` behind the same middleware). A load
client of several processes with keep-alive connections hits each URL for a few seconds,
repeated, each page's run right after a run of the bare view; the median requests per second
of each page is printed beside the bare view's, with the median of the paired ratios (target:
at least 40 %; pairing keeps the ratio from following the load that other processes put on the
machine) and the queries each page runs when it is rendered and when it is served from the
cache.

The public pages are cached as in production (``workflow.public_cache``; once a worker has
served a path, an anonymous visitor's hit is answered by ``config.middleware.
PublicPageCacheMiddleware``, which still reads the generation and the page from the cache on
every request): with ``BENCH_CACHE_URL`` (``make bench`` sets ``redis://127.0.0.1:6379/7``) the
server uses that shared cache through ``config.cache.RedisCache``, as production does with
``CACHE_URL``, under a key prefix of its own that is deleted afterwards; without it each worker
keeps its own local-memory cache. Before the load, each page is checked: the open
consultation's form carries per-visitor tokens, different on every response.

Run: ``python -m benchmarks.bench_public_pages`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as dt
import http.client
import multiprocessing
import os
import re
import statistics
import sys
import time
import uuid
from urllib.parse import quote, urlparse

from benchmarks.harness import setup_django, throwaway_database

SECONDS = 2.5
REPEATS = 4
BARE = "bare Django view"
CLIENT_PROCESSES = 4
CLIENT_THREADS = 4
TARGET = 0.40


def _hammer(args: tuple[str, int, str, float, int]) -> int:
    """One client process: ``threads`` keep-alive connections requesting ``path`` for a while."""
    import threading

    host, port, path, seconds, threads = args
    counts = [0] * threads
    stop_at = time.monotonic() + seconds

    def loop(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while time.monotonic() < stop_at:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            counts[index] += 1
        conn.close()

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts)


def throughput(pool: multiprocessing.pool.Pool, host: str, port: int, path: str) -> float:
    started = time.monotonic()
    done = pool.map(
        _hammer, [(host, port, path, SECONDS, CLIENT_THREADS)] * CLIENT_PROCESSES, chunksize=1
    )
    return sum(done) / (time.monotonic() - started)


def build_scenario() -> tuple[int, int, int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tests.public.builders import published_version, schedule
    from tests.workflow.conftest import build_cycle
    from workflow import services
    from workflow.models import Comment, ConsultationPeriod

    admin = get_user_model().objects.create_superuser("bench-admin", "a@example.cz", "x")
    cycle = build_cycle(admin, code="3203", name="ORP Benchmarkov")
    for i in range(30):
        published_version(cycle.process, cycle.steering_group, title=f"Dokument {i}")
    for i in range(10):
        services.news_item_publish(
            actor=cycle.coordinator, process=cycle.process, title=f"Aktualita {i}", text="Text"
        )
    from workflow.models import Meeting
    from workflow.services import meetings as meeting_services

    for i in range(5):
        meeting_services.meeting_create(
            actor=cycle.coordinator,
            kind=Meeting.Kind.PUBLIC_HEARING,
            title=f"Veřejné projednání {i}",
            process=cycle.process,
            starts_at=timezone.now() + dt.timedelta(days=7 * (i + 1)),
            place="Sál kulturního domu",
        )
    consultation = schedule(cycle)
    for i in range(300):
        services.comment_submit_public(
            consultation_id=consultation.pk,
            name=f"Občan {i}",
            email=f"o{i}@example.cz",
            text=f"Připomínka {i}",
            consents_to_processing=True,
            idempotency_token=uuid.uuid4(),
        )
    # A second consultation with a published settlement of 100 rows (built directly: the
    # settlement services are not what is measured here).
    today = timezone.localdate()
    settled = schedule(
        cycle, opens=today - dt.timedelta(days=60), closes=today - dt.timedelta(days=20)
    )
    now = timezone.now()
    for i in range(100):
        Comment.objects.create(
            consultation=settled,
            number=i + 1,
            receipt_number=f"{now.year}-{i + 1:04d}",
            channel=Comment.Channel.PAPER,
            received_at=now - dt.timedelta(days=30),
            text=f"Připomínka {i}",
            comment_type=Comment.Type.FORMAL,
            decision=Comment.Decision.NOTED,
            justification="Vzato na vědomí",
            decided_at=now,
            pseudonym=f"Občan {i + 1}",
        )
    ConsultationPeriod.objects.filter(pk=settled.pk).update(
        status=ConsultationPeriod.Status.SETTLEMENT_PUBLISHED,
        settled_at=now,
        settlement_published_at=now,
    )
    return cycle.process.pk, consultation.pk, settled.pk


def _queries(path: str) -> tuple[int, int]:
    """Queries of one rendering of ``path`` and of one visit served from the cache."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(2):  # the first renders (the cache is empty), the second is a cache hit
        client = Client(HTTP_HOST="127.0.0.1")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(captured))
    cache.clear()  # the local cache of this process only
    return counts[0], counts[1]


def _check_pages(host: str, port: int, paths: dict[str, str]) -> None:
    """Each page answers 200 from the server; the form's tokens differ on every response."""
    tokens: list[tuple[str, str]] = []
    for label, path in paths.items():
        for _ in range(2):
            conn = http.client.HTTPConnection(host, port, timeout=30)
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode()
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"{label}: HTTP {response.status}")
            if "form" in label:
                csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
                token = re.search(r'name="token" value="([^"]+)"', body)
                if csrf is None or token is None or "slot" in csrf[1] + token[1]:
                    raise RuntimeError(f"{label}: the comment form lacks its tokens")
                tokens.append((csrf[1], token[1]))
    if len({t for pair in tokens for t in pair}) != 2 * len(tokens):
        raise RuntimeError("two responses carried the same form token")


def _delete_cache_prefix(url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def main() -> int:
    setup_django()
    from django.apps import apps
    from django.conf import settings
    from django.db import connection

    # Build the schema from the models: the scratch database needs no migration history.
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    from tests.public.server import gunicorn_server

    with throwaway_database() as vendor:
        process_id, consultation_id, settled_id = build_scenario()
        paths = {
            BARE: "/bare/",
            "public process page": f"/verejnost/{process_id}/",
            "consultation page (open, form)": (
                f"/verejnost/{process_id}/pripominkovani/{consultation_id}/"
            ),
            "consultation page (settlement, 100 rows)": (
                f"/verejnost/{process_id}/pripominkovani/{settled_id}/"
            ),
        }
        queries = {
            label: (_queries(path) if path != "/bare/" else (0, 0)) for label, path in paths.items()
        }
        raw = os.environ.get("DATABASE_URL", "")
        name = connection.settings_dict["NAME"]
        if raw:
            database_url = urlparse(raw)._replace(path="/" + quote(name)).geturl()
        else:
            database_url = f"sqlite:///{name}"
        connection.close()
        env = {"DJANGO_SETTINGS_MODULE": "benchmarks.public_pages_settings"}
        cache_url = os.environ.get("BENCH_CACHE_URL", "")
        prefix = f"komplan-bench-{os.getpid()}"
        if cache_url:
            env.update({"CACHE_URL": cache_url, "BENCH_CACHE_KEY_PREFIX": prefix})
            cache_label = f"shared cache {cache_url}"
        else:
            cache_label = "a local-memory cache in each worker (set BENCH_CACHE_URL for Redis)"
        try:
            with gunicorn_server(database_url, workers=2, threads=4, extra_env=env) as base:
                parsed = urlparse(base)
                _check_pages(parsed.hostname, parsed.port, paths)
                results: dict[str, list[float]] = {label: [] for label in paths}
                ratios: dict[str, list[float]] = {label: [] for label in paths if label != BARE}
                ctx = multiprocessing.get_context("fork")
                with ctx.Pool(CLIENT_PROCESSES) as pool:
                    for path in paths.values():  # warm-up
                        _hammer((parsed.hostname, parsed.port, path, 0.5, 2))
                    for _ in range(REPEATS):
                        for label in ratios:
                            # Each page right after a run of the bare view: the pair shares the
                            # machine's load of the moment, and their ratio is what is judged.
                            bare = throughput(pool, parsed.hostname, parsed.port, paths[BARE])
                            page = throughput(pool, parsed.hostname, parsed.port, paths[label])
                            results[BARE].append(bare)
                            results[label].append(page)
                            ratios[label].append(page / bare)
        finally:
            if cache_url:
                _delete_cache_prefix(cache_url, prefix)
    print(
        f"bench_public_pages: anonymous pages on gunicorn (2 workers x 4 threads, persistent "
        f"database connections), {vendor}, {cache_label}; "
        f"load: {CLIENT_PROCESSES} processes x {CLIENT_THREADS} keep-alive connections, "
        f"{SECONDS:g} s per run, each page run paired with a run of the bare view just before it"
    )
    width = max(len(label) for label in paths)
    print(
        f"  {'':{width}}  {'req/s median':>12}  {'min':>8}  {'max':>8}  "
        f"{'queries rendered/cached':>23}  {'vs bare':>8}"
    )
    ok = True
    for label, runs in results.items():
        if label == BARE:
            ratio = "baseline"
        else:
            paired = statistics.median(ratios[label])
            ok = ok and paired >= TARGET
            ratio = f"{paired:.0%}"
        rendered, cached = queries[label]
        print(
            f"  {label:{width}}  {statistics.median(runs):>12,.0f}  {min(runs):>8,.0f}  "
            f"{max(runs):>8,.0f}  {f'{rendered} / {cached}':>23}  {ratio:>8}"
        )
    print(
        f"  target: each public page at least {TARGET:.0%} of the bare view: "
        f"{'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
