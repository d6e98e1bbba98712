"""A gunicorn server on the test database, and a small HTTP client with cookies."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn_server(
    database_url: str,
    *,
    workers: int = 1,
    threads: int = 32,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve config.wsgi with the test settings (DEBUG off) on a free loopback port."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    env.pop("CELERY_BROKER_URL", None)  # receipts are sent in-process (locmem mail)
    env.pop("CELERY_RESULT_BACKEND", None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--backlog",
        "1024",
        "--log-level",
        "warning",
    ]
    log_path = BASE_DIR / "var" / f"gunicorn-test-{port}.log"
    log_path.parent.mkdir(exist_ok=True)  # var/ is not in a fresh checkout
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 (fixed argument list)
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/static/css/public.css", timeout=1):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@dataclass
class Response:
    status: int
    body: str
    location: str


class Browser:
    """One visitor: its own cookies; optionally a forwarded client address."""

    def __init__(self, forwarded_for: str = ""):
        self.jar = http.cookiejar.CookieJar()
        self.forwarded_for = forwarded_for

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, url: str, data: dict[str, str] | None = None) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body)  # noqa: S310
        if self.forwarded_for:
            req.add_header("X-Forwarded-For", self.forwarded_for)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return Response(resp.status, resp.read().decode(), resp.headers.get("Location", ""))
        except urllib.error.HTTPError as err:
            return Response(err.code, err.read().decode(), err.headers.get("Location", ""))


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html) or re.search(
        rf'value="([^"]+)" name="{name}"', html
    )
    if match is None:
        raise AssertionError(f"no hidden field {name}")
    return match.group(1)
