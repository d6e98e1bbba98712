"""A citizen comments through the public portal in a real browser.

Payloads that would run script if they reached the page unescaped go into every field; the
tests check the DOM (the payload is text, no element was injected) and that no dialog ever
opens. The site's Content-Security-Policy would block inline script anyway, so the DOM checks
are what proves the escaping.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from documents.models import Priority
from tests.e2e.conftest import login
from tests.public.builders import schedule
from tests.workflow.conftest import cycle  # noqa: F401  (shared fixture)
from workflow import services
from workflow.models import Comment

XSS = '"><script>alert("xss")</script><img src=x onerror=alert(1)>'
# A valid address (a quoted local part) that is markup all the same.
XSS_EMAIL = '"<img/src=x/onerror=alert(2)>"@example.cz'
PASSWORD = "heslo-pro-testy"  # tests.factories.UserFactory
UTC = dt.UTC


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Public pages and rate limits live in the (process-wide) test cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dialogs(page) -> list[str]:
    """Every dialog the page opens (alert, confirm, prompt); the tests expect none."""
    opened: list[str] = []

    def on_dialog(dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


def assert_nothing_injected(page) -> None:
    """No element of a payload made it into the DOM, and no script ran."""
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script").count() == 0  # the public pages use no script at all


def fill_comment(page, *, priority: Priority, consent: bool) -> None:
    page.fill("input[name=name]", XSS)
    page.fill("input[name=email]", XSS_EMAIL)
    page.fill("input[name=organization]", XSS)
    page.select_option("select[name=target]", value=f"priority:{priority.pk}")
    page.fill("input[name=target_text]", XSS)
    page.fill("textarea[name=text]", XSS)
    page.fill("textarea[name=proposed_change]", XSS)
    page.set_checked("input[name=consents_to_processing]", consent)


def test_a_citizen_comments_with_payloads_in_every_field(page, live_server, cycle, dialogs):  # noqa: F811
    priority = Priority.objects.create(process=cycle.process, number="1", title=XSS, order=1)
    consultation = schedule(cycle, title="Připomínkování návrhu plánu")

    # The portal, then the consultation from its link.
    page.goto(f"/verejnost/{cycle.process.pk}/")
    assert page.locator("h1").inner_text() == cycle.process.title
    page.get_by_role("link", name="Připomínkování návrhu plánu").click()
    page.wait_for_url(f"**/pripominkovani/{consultation.pk}/")
    assert page.locator("form.comment-form").is_visible()

    # The honeypot is there for bots, never for people: off-screen, hidden from assistive
    # technology and out of the keyboard's way.
    honeypot = page.locator("input[name=website]")
    assert honeypot.count() == 1
    box = honeypot.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0
    assert page.locator(".hp").get_attribute("aria-hidden") == "true"
    assert honeypot.get_attribute("tabindex") == "-1"
    page.focus("input[name=name]")
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.name || ''"))
    assert "website" not in reached

    # The option naming the plan's priority shows its title as text.
    option = page.locator(f"select[name=target] option[value='priority:{priority.pk}']")
    assert XSS in option.inner_text()

    # Without consent the form comes back with every value kept, as text.
    fill_comment(page, priority=priority, consent=False)
    page.click("form.comment-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("input[name=name]").input_value() == XSS
    assert page.locator("input[name=email]").input_value() == XSS_EMAIL
    assert page.locator("textarea[name=text]").input_value() == XSS
    assert page.locator("textarea[name=proposed_change]").input_value() == XSS
    assert_nothing_injected(page)
    assert not Comment.objects.exists()

    # With consent: stored, and the receipt number shown.
    page.set_checked("input[name=consents_to_processing]", True)
    page.click("form.comment-form button[type=submit]")
    page.wait_for_url("**/prijato/**")
    comment = Comment.objects.get()
    assert page.locator(".receipt strong").inner_text() == comment.receipt_number
    assert (comment.submitter_name, comment.submitter_email) == (XSS, XSS_EMAIL)
    assert (comment.text, comment.proposed_change, comment.target_text) == (XSS, XSS, XSS)
    assert comment.target_priority == priority and comment.channel == Comment.Channel.WEB
    assert_nothing_injected(page)

    # The coordinator's register shows every field as text.
    login(page, live_server, cycle.coordinator, PASSWORD)
    page.goto(f"/pripominkovani/{consultation.pk}/")
    row = page.locator("table.list tbody tr").first
    assert row.locator("td").nth(0).inner_text() == comment.receipt_number
    assert XSS in row.inner_text() and XSS_EMAIL in row.inner_text()
    assert_nothing_injected(page)
    assert dialogs == []


def test_the_published_settlement_and_news_show_payloads_as_text(page, cycle, dialogs):  # noqa: F811
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 5))
        comment, _created = services.comment_submit_public(
            consultation_id=consultation.pk,
            name=XSS,
            email="obcan@example.cz",
            organization=XSS,
            text=XSS,
            proposed_change=XSS,
            target_text=XSS,
            consents_to_processing=True,
            idempotency_token=uuid.uuid4(),
        )
    with time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=UTC), tick=False):
        services.comment_settle(
            actor=cycle.coordinator,
            comment=comment,
            comment_type=Comment.Type.FORMAL,
            decision=Comment.Decision.NOT_ACCEPTED,
            justification=XSS,
            change_reference=XSS,
        )
        services.consultation_mark_settled(actor=cycle.coordinator, consultation=consultation)
        services.consultation_publish_settlement(actor=cycle.coordinator, consultation=consultation)
    services.news_item_publish(actor=cycle.coordinator, process=cycle.process, title=XSS, text=XSS)

    page.goto(f"/verejnost/{cycle.process.pk}/")
    assert XSS in page.locator("#aktuality").inner_text()
    assert_nothing_injected(page)
    page.goto(f"/verejnost/{cycle.process.pk}/vlozit/")
    assert XSS in page.locator("ul.news").inner_text()
    assert_nothing_injected(page)
    page.goto(f"/verejnost/{cycle.process.pk}/pripominkovani/{consultation.pk}/")
    settlement = page.locator("#vyporadani table tbody tr").first
    cells = [settlement.locator("td").nth(i).inner_text() for i in range(9)]
    assert cells[0] == comment.receipt_number
    assert cells[2] == XSS  # an organisation is named (here: by the payload)
    assert cells[4] == XSS and cells[5] == XSS
    assert cells[8].startswith(XSS)
    assert "obcan@example.cz" not in page.content()
    assert_nothing_injected(page)
    assert dialogs == []


def test_the_form_is_refused_after_the_close_in_czech(page, cycle, dialogs):  # noqa: F811
    now = timezone.now()
    consultation = schedule(
        cycle,
        opens=now - dt.timedelta(days=31),
        closes=now + dt.timedelta(seconds=6),
        title="Končící připomínkování",
    )
    path = f"/verejnost/{cycle.process.pk}/pripominkovani/{consultation.pk}/"
    page.goto(path)  # loaded in time: the form is there (and the page is cached)
    page.fill("input[name=name]", "Karel Pozdní")
    page.fill("input[name=email]", "karel@example.cz")
    page.fill("textarea[name=text]", "Odesláno až po termínu.")
    page.check("input[name=consents_to_processing]")
    while timezone.now() <= consultation.closes_at:
        time.sleep(0.2)

    # Sent a moment after closes_at: refused by the server's clock, in Czech.
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.click("form.comment-form button[type=submit]")
    assert sent.value.status == 422
    refusal = page.locator("p.refused[role=alert]").inner_text()
    assert refusal.startswith("Připomínkové řízení skončilo")
    assert "Připomínky již nelze podávat." in refusal
    assert page.locator("textarea[name=text]").count() == 0
    assert not Comment.objects.filter(consultation=consultation).exists()

    # Opened again: the form is gone (never served from the cache after the close).
    page.goto(path)
    assert page.locator("form.comment-form").count() == 0
    notice = page.locator("p.notice").inner_text()
    assert "Připomínkové řízení skončilo" in notice
    assert "Prostřednictvím tohoto formuláře již nelze podávat připomínky." in notice
    assert dialogs == []
