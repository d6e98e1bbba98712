"""200 concurrent comment submissions against a running gunicorn on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import _test_database_url
from tests.public.builders import schedule
from tests.public.server import Browser, gunicorn_server, hidden
from workflow.models import Comment

SUBMISSIONS = 200


@pytest.mark.services
def test_200_concurrent_submissions_and_a_rate_limited_client(cycle, transactional_db):
    consultation = schedule(cycle)
    path = reverse("public:consultation", args=[cycle.process.pk, consultation.pk])
    database_url = _test_database_url(settings.DATABASES["default"]["NAME"])
    extra = {"KOMPLAN_PROXY_COUNT": "1", "KOMPLAN_COMMENT_RATE_LIMIT": "3"}
    with gunicorn_server(database_url, threads=48, extra_env=extra) as base:
        browsers = [Browser(forwarded_for=f"10.1.{i // 250}.{i % 250}") for i in range(SUBMISSIONS)]
        forms = []
        for browser in browsers:
            page = browser.request(base + path)
            assert page.status == 200
            forms.append(
                {
                    "csrfmiddlewaretoken": hidden(page.body, "csrfmiddlewaretoken"),
                    "token": hidden(page.body, "token"),
                }
            )
        barrier = threading.Barrier(SUBMISSIONS)

        def submit(i: int) -> tuple[int, str]:
            data = {
                **forms[i],
                "name": f"Občan {i}",
                "email": f"obcan{i}@example.cz",
                "text": f"Připomínka číslo {i}",
                "consents_to_processing": "on",
                "website": "",
            }
            barrier.wait(timeout=60)
            response = browsers[i].request(base + path, data)
            return response.status, response.location

        with ThreadPoolExecutor(max_workers=SUBMISSIONS) as pool:
            results = list(pool.map(submit, range(SUBMISSIONS)))

        assert [status for status, _ in results] == [302] * SUBMISSIONS
        comments = list(Comment.objects.filter(consultation=consultation))
        assert len(comments) == SUBMISSIONS
        assert len({c.receipt_number for c in comments}) == SUBMISSIONS
        assert sorted(c.number for c in comments) == list(range(1, SUBMISSIONS + 1))
        assert {c.text for c in comments} == {f"Připomínka číslo {i}" for i in range(SUBMISSIONS)}

        # One client address over the limit (3 per window) gets the clear 429 page.
        flooder = Browser(forwarded_for="10.9.9.9")
        page = flooder.request(base + path)
        token = hidden(page.body, "csrfmiddlewaretoken")
        statuses = []
        for i in range(4):
            response = flooder.request(
                base + path,
                {
                    "csrfmiddlewaretoken": token,
                    "token": str(uuid.uuid4()),
                    "name": "Bot",
                    "email": "bot@example.cz",
                    "text": f"Zase {i}",
                    "consents_to_processing": "on",
                },
            )
            statuses.append(response.status)
            last = response
        assert statuses == [302, 302, 302, 429]
        assert 'role="alert"' in last.body
        assert Comment.objects.filter(consultation=consultation).count() == SUBMISSIONS + 3
