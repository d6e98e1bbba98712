"""The page that pseudonymises one person on request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_superuser_pseudonymises_a_person_with_a_reason(client, cycle):
    admin = cycle.admin
    person = cycle.memberships["chair"].person
    url = reverse("esf:person_pseudonymise", args=[person.pk])
    client.force_login(admin)
    assert client.get(url).status_code == 200

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    person.refresh_from_db()
    assert not person.last_name.startswith("Osoba")

    done = client.post(url, {"reason": "Žádost o výmaz ze dne 20. 11. 2026"})
    assert done.status_code == 200 and done.context["result"].person_id == person.pk
    person.refresh_from_db()
    assert "@" not in person.email
    event = AuditEvent.objects.get(kind="person_pseudonymised")
    assert event.process_id is None and event.payload["person_id"] == person.pk


def test_a_member_who_does_not_coordinate_does_not_find_the_page(client, cycle):
    person = cycle.memberships["provider"].person
    client.force_login(cycle.users["observer"])
    response = client.get(reverse("esf:person_pseudonymise", args=[person.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(kind="person_pseudonymised").exists()
