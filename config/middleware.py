"""Project middleware: domain errors as HTTP responses in one place, Czech first, and the
anonymous public pages served from their cache before the rest of the stack."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

from stakeholders.exceptions import ApplicationError
from workflow import public_cache


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        return render(
            request,
            "error.html",
            {"error": exception, "conditions": exception.extra.get("conditions", [])},
            status=exception.http_status,
        )


class CzechFirstLocaleMiddleware(LocaleMiddleware):
    """Czech unless the user chose another language (the language cookie set by the switcher).

    Django's LocaleMiddleware would follow the browser's Accept-Language header, so most
    visitors of a Czech municipality's site with an English-language browser would get English.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PublicPageCacheMiddleware:
    """Answer an anonymous visitor's request for a cached public page before the user, the
    messages, the URL resolver, the view and the middleware after this one run.

    Placed right after ``CsrfViewMiddleware``: the middleware before it (security headers, the
    session, the language, the CSRF cookie, Content-Length) still handles every response, so
    the language is chosen and the visitor's CSRF token exists as on any other request.

    Which page a path shows is learnt, per web process, from the responses of
    ``workflow.public_cache.cached_page`` (marked with a ``PageRef``) that went through the
    whole stack: with the page this remembers the headers the middleware after this one added
    to it (Content-Security-Policy, X-Frame-Options), which depend on the view and the
    settings, never on the visitor. Nothing else is remembered: the generation and the page
    are read from the shared cache on every request, exactly as the view does, so a change
    committed by any process is seen by the next request to any process. A request with a
    session cookie, a page not cached, stale or of another generation, and every other request
    go down the stack as usual.
    """

    MAX_PATHS = 4096  # paths remembered per process; the oldest is forgotten first

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.pages: dict[str, tuple[public_cache.PageRef, tuple[tuple[str, str], ...]]] = {}
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        anonymous = public_cache.anonymous_read(request)
        known = self.pages.get(request.path_info) if anonymous else None
        if known is not None:
            page, headers = known
            response = public_cache.cached_response(
                request, process_id=page.process_id, page=page.page
            )
            if response is not None:
                for name, value in headers:
                    response.headers[name] = value
                # As SessionMiddleware does for the views that ask who the visitor is.
                patch_vary_headers(response, ("Cookie",))
                return response
        response = self.get_response(request)
        page = getattr(response, "public_page", None)
        if (
            anonymous
            and isinstance(page, public_cache.PageRef)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            self._remember(request.path_info, page, tuple(response.items()))
        return response

    def _remember(
        self, path: str, page: public_cache.PageRef, headers: tuple[tuple[str, str], ...]
    ) -> None:
        with self.lock:
            if path not in self.pages and len(self.pages) >= self.MAX_PATHS:
                del self.pages[next(iter(self.pages))]
            self.pages[path] = (page, headers)
