"""A working-group member edits their part of the plan in a real browser: adds an activity, sees
a Czech validation error with everything they typed still there, fixes it and saves; another
group's measure offers no edit link and its edit page is refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from documents.models.plan import Activity
from tests.documents.test_plan import build_plan
from tests.e2e.conftest import login
from tests.factories import SuperUserFactory
from tests.stakeholders.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "heslo-pro-testy"  # tests.factories.UserFactory
TITLE = "Terénní odlehčovací služba pro seniory"
DESCRIPTION = "Pečující rodiny získají dvakrát týdně čtyři hodiny volna."


def test_a_member_adds_an_activity_to_their_part_and_cannot_touch_another(page, live_server):
    world = build_world(SuperUserFactory(username="spravce"))
    plan = build_plan(world)
    member = world.users["wg_member"]
    process = world.process
    tree_url = reverse("plan:tree", args=[process.pk])
    add_url = reverse("plan:activity_create", args=[process.pk, plan["m11"].pk])
    foreign_edit = reverse("plan:measure_edit", args=[process.pk, plan["m21"].pk])

    login(page, live_server, member, PASSWORD)
    page.goto(f"{live_server.url}{tree_url}")
    assert page.locator("html").get_attribute("lang") == "cs"
    assert page.locator(f'a[href="{foreign_edit}"]').count() == 0
    page.locator(f'#m-{plan["m11"].pk} a[href="{add_url}"]').click()
    page.wait_for_url(re.compile(re.escape(add_url) + "$"))

    # Bad input: the end precedes the start and a cost is negative.
    page.fill("#id_title", TITLE)
    page.fill("#id_description", DESCRIPTION)
    page.fill("#id_starts_year", "2026")
    page.fill("#id_ends_year", "2025")
    page.select_option("#id_costs-0-source", "municipality")
    page.fill("#id_costs-0-amount", "-100")
    page.fill("#id_reason", "Návrh ze schůzky PS")
    page.click("#plan-form button[type=submit]")
    page.wait_for_load_state()

    errors = page.locator(".errorlist").all_inner_texts()
    assert any("Konec aktivity nesmí předcházet jejímu začátku" in e for e in errors), errors
    assert any("větší nebo rovna 0" in e for e in errors), errors
    assert page.input_value("#id_title") == TITLE
    assert page.input_value("#id_description") == DESCRIPTION
    assert page.input_value("#id_starts_year") == "2026"
    assert page.input_value("#id_costs-0-source") == "municipality"
    assert page.input_value("#id_reason") == "Návrh ze schůzky PS"
    assert not Activity.objects.filter(title=TITLE).exists()

    # Fixed and saved: back on the tree, the activity is the second of measure 1.1.
    page.fill("#id_ends_year", "2027")
    page.fill("#id_costs-0-amount", "180000")
    page.click("#plan-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(tree_url)))
    row = page.locator('tr[data-number="1.1.2"]')
    assert TITLE in row.inner_text()
    assert "180" in row.inner_text()
    activity = Activity.objects.get(title=TITLE)
    assert (activity.number, activity.ends_year) == ("1.1.2", 2027)
    assert Activity.history.get(id=activity.pk, history_type="+").history_user_id == member.pk

    # Another group's measure: no link on the page, and its edit page is refused.
    assert page.locator(f'a[href="{foreign_edit}"]').count() == 0
    response = page.goto(f"{live_server.url}{foreign_edit}")
    assert response is not None and response.status == 403
    assert page.locator("input[name=title]").count() == 0
