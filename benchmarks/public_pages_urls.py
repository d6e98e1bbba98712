"""The real URLs plus /bare/, the baseline of bench_public_pages (same server, same middleware)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bare/", bare),
    path("", include("config.urls")),
]
