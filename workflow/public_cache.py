"""The cache of the anonymous public pages (DESIGN.md, "Scale").

A public page changes only when something it shows changes, or when the clock crosses an
instant it depends on (a consultation opens or closes, a meeting starts, a news item's time
comes). So the rendered HTML is kept in Django's cache (Redis in production, shared by every
web process) together with the process's *generation* it was rendered under, a number bumped
after each committed change of anything the public pages of that process show; a page is
served only while its generation is the current one:

* the bump is wired to ``post_save`` / ``post_delete`` of those models (``connect_signals``,
  called from ``WorkflowConfig.ready``) and runs in ``transaction.on_commit``: a reader that
  sees the new generation reads committed data, so no page older than a change is cached
  under a generation newer than it. Services know nothing of this cache.
* each cached page carries ``valid_until``, the first instant at which the clock alone would
  make it differ; from then on it is rendered again, whatever the cache's own timeout says.
  A comment form is therefore never served from the cache after ``closes_at``.
* per-visitor values never enter the cache: a page is rendered with random placeholders
  (``Slots``) where the CSRF token and the submission token of the comment form go, and every
  response fills in the visitor's own CSRF token and a fresh submission token.
* signed-in users (staff) get their pages rendered for them, never from or into the cache.
* a visitor without a session cookie is anonymous for sure: ``config.middleware.
  PublicPageCacheMiddleware`` answers such a request from the cache (``cached_response``, the
  same read as the view's) before the user, the messages, the URL resolver and the view are
  reached; the first request for a path in each web process goes the whole way and teaches it
  which page the path is (``PageRef``).

A page is stored under one key per process, language and page, so that one round trip to the
cache reads both the current generation and the page. A missing generation starts from the
current time in nanoseconds, never from 0: a generation evicted from the cache cannot come back
with a value that older pages were stored under. No web process keeps a generation or a page
of its own between requests (only the map of paths to pages above): both are read from the
shared cache on every request, so a change committed by any process is seen by the next request
that any process serves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

KEY_PREFIX = "komplan:public:v2"
GENERATION_TIMEOUT = 7 * 24 * 3600  # seconds; a lost generation only costs a new rendering


def page_timeout() -> int:
    """Seconds a rendered page may stay cached at most; 0 turns the cache off."""
    return int(getattr(settings, "KOMPLAN_PUBLIC_CACHE_SECONDS", 600))


# --- generations -------------------------------------------------------------------------------


def _generation_key(process_id: int) -> str:
    return f"{KEY_PREFIX}:gen:{process_id}"


def _start_generation(key: str) -> int:
    cache.add(key, time.time_ns(), timeout=GENERATION_TIMEOUT)
    value = cache.get(key)  # another process may have started it first
    return int(value) if value is not None else time.time_ns()


def generation(process_id: int) -> int:
    """The process's current generation (started when missing)."""
    key = _generation_key(process_id)
    value = cache.get(key)
    return int(value) if value is not None else _start_generation(key)


def bump(process_ids: Iterable[int]) -> None:
    """Move the processes to a new generation: their cached public pages are no longer read."""
    for process_id in {pid for pid in process_ids if pid is not None}:
        key = _generation_key(process_id)
        try:
            cache.incr(key)
        except ValueError:  # missing: any fresh value is newer than every earlier one
            cache.add(key, time.time_ns(), timeout=GENERATION_TIMEOUT)


def bump_on_commit(process_ids: Iterable[int]) -> None:
    """Bump after the current transaction commits (at once outside a transaction)."""
    ids = frozenset(pid for pid in process_ids if pid is not None)
    if ids:
        transaction.on_commit(partial(bump, ids), robust=True)


# --- pages -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Slots:
    """Placeholders rendered in place of per-visitor values, filled in for each response."""

    csrf_token: str
    submission_token: str

    @classmethod
    def new(cls) -> Slots:
        nonce = secrets.token_hex(12)
        return cls(csrf_token=f"slot{nonce}csrf", submission_token=f"slot{nonce}token")


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A rendered page and the first instant at which the clock alone would change it."""

    html: str
    valid_until: dt.datetime | None = None


def _page_key(process_id: int, page: str) -> str:
    return f"{KEY_PREFIX}:page:{process_id}:{get_language() or ''}:{page}"


@dataclasses.dataclass(frozen=True)
class PageRef:
    """Which cached page a response is: set on the responses of ``cached_page`` to anonymous
    visitors, so that ``config.middleware.PublicPageCacheMiddleware`` learns the page of a path."""

    process_id: int
    page: str


def anonymous_read(request: HttpRequest) -> bool:
    """A GET or HEAD without a session cookie, with the page cache on.

    Without a session cookie nobody is signed in (sessions are the only way in), so such a
    request may be answered from the cache before the session, the user and the messages are
    ever loaded. A visitor with a session cookie may still be anonymous: ``cached_page`` asks.
    """
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and page_timeout() > 0
    )


def _fill(request: HttpRequest, body: bytes, csrf_slot: str, token_slot: str) -> HttpResponse:
    """The response with the visitor's CSRF token and a fresh submission token in the slots."""
    if csrf_slot.encode() in body:
        body = body.replace(csrf_slot.encode(), get_token(request).encode())
    if token_slot.encode() in body:
        body = body.replace(token_slot.encode(), str(uuid.uuid4()).encode())
    return HttpResponse(body)


def _lookup(process_id: int, page: str) -> tuple[int, str, Any]:
    """The current generation, the page's key and its cached entry if still valid (or None).

    One round trip reads the generation and the page; the generation is read before any data
    is (see the module's docstring). A page stored under another generation, or past the
    instant at which the clock changes it, is not returned.
    """
    gen_key = _generation_key(process_id)
    key = _page_key(process_id, page)
    found = cache.get_many([gen_key, key])
    stored_gen = found.get(gen_key)
    gen = int(stored_gen) if stored_gen is not None else _start_generation(gen_key)
    entry = found.get(key)
    if entry is not None:
        entry_gen, _body, valid_until, _csrf_slot, _token_slot = entry
        if entry_gen == gen and (valid_until is None or time.time() < valid_until):
            return gen, key, entry
    return gen, key, None


def cached_response(request: HttpRequest, *, process_id: int, page: str) -> HttpResponse | None:
    """The cached page filled in for this visitor, or None when it must be rendered again.

    Only for a request that may be served from the cache (an anonymous GET or HEAD).
    """
    _gen, _key, entry = _lookup(process_id, page)
    if entry is None:
        return None
    _entry_gen, body, _valid_until, csrf_slot, token_slot = entry
    return _fill(request, body, csrf_slot, token_slot)


def cached_page(
    request: HttpRequest,
    *,
    process_id: int,
    page: str,
    render: Callable[[Slots], Rendered],
) -> HttpResponse:
    """The response for a public page: from the cache when possible, else ``render(slots)``.

    ``page`` names the page within the process (e.g. ``"consultation:12"``). ``render`` must
    render without the request (nothing per visitor) and put ``slots`` where the CSRF token and
    the submission token go. Only anonymous GET and HEAD requests use the cache.
    """
    timeout = page_timeout()
    cacheable = (
        timeout > 0
        and request.method in {"GET", "HEAD"}
        and not (hasattr(request, "user") and request.user.is_authenticated)
    )
    key = ""
    gen = 0
    response: HttpResponse | None = None
    if cacheable:
        gen, key, entry = _lookup(process_id, page)
        if entry is not None:
            _entry_gen, body, _valid_until, csrf_slot, token_slot = entry
            response = _fill(request, body, csrf_slot, token_slot)
    if response is None:
        slots = Slots.new()
        rendered = render(slots)
        body = rendered.html.encode()  # stored as the bytes sent (settings.DEFAULT_CHARSET)
        if cacheable:
            valid_until = rendered.valid_until.timestamp() if rendered.valid_until else None
            lifetime = float(timeout)
            if valid_until is not None:
                lifetime = min(lifetime, valid_until - time.time())
            if lifetime > 0:
                entry = (gen, body, valid_until, slots.csrf_token, slots.submission_token)
                cache.set(key, entry, timeout=max(1, math.ceil(lifetime)))
        response = _fill(request, body, slots.csrf_token, slots.submission_token)
    if cacheable:
        response.public_page = PageRef(process_id, page)  # type: ignore[attr-defined]
    return response


# --- what changes the public pages -------------------------------------------------------------


def _values(model: str, column: str, **lookup: Any) -> set[int]:
    return set(apps.get_model(model).objects.filter(**lookup).values_list(column, flat=True))


def _own(instance: Any) -> set[int]:
    return {instance.process_id}


def _process(instance: Any) -> set[int]:
    return {instance.pk}


def _comment(instance: Any) -> set[int]:
    # An unsettled comment is shown nowhere in public (a new web comment changes no page);
    # settled ones appear once the settlement is published.
    if not instance.decision and not instance.pseudonym:
        return set()
    return _values("workflow.ConsultationPeriod", "process_id", pk=instance.consultation_id)


def _meeting(instance: Any) -> set[int]:
    ids = {instance.process_id}
    if instance.body_id:
        ids |= _values("stakeholders.Body", "process_id", pk=instance.body_id)
    return ids


def _document_version(instance: Any) -> set[int]:
    return _values("documents.Document", "process_id", pk=instance.document_id)


def _body(instance: Any) -> set[int]:
    return {instance.process_id} | _values("workflow.Meeting", "process_id", body=instance.pk)


def _territory(instance: Any) -> set[int]:
    return _values("workflow.PlanningProcess", "pk", territory=instance.pk)


# model label → the processes whose public pages show an instance of it
SHOWN_ON_PUBLIC_PAGES: dict[str, Callable[[Any], set[int]]] = {
    "workflow.PlanningProcess": _process,
    "workflow.StageTransition": _own,
    "workflow.ConsultationPeriod": _own,
    "workflow.Comment": _comment,
    "workflow.NewsItem": _own,
    "workflow.Meeting": _meeting,
    "documents.Document": _own,
    "documents.DocumentVersion": _document_version,
    "documents.Priority": _own,
    "documents.Measure": _own,
    "documents.Activity": _own,
    "stakeholders.Body": _body,
    "stakeholders.Territory": _territory,
}


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    processes = SHOWN_ON_PUBLIC_PAGES[sender._meta.label](instance)
    bump_on_commit(processes)


def connect_signals() -> None:
    """Bump the generation of the processes concerned after each change of a shown model."""
    for label in SHOWN_ON_PUBLIC_PAGES:
        model = apps.get_model(label)
        uid = f"komplan.public_cache.{label}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
