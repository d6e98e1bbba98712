"""The coordinator's pages: scheduling a consultation, the consultation list, news items."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.public.builders import published_version, schedule
from workflow.models import ConsultationPeriod, Meeting, NewsItem
from workflow.services import meetings as meeting_services

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
NOW = dt.datetime(2026, 8, 20, 10, 0, tzinfo=UTC)


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def schedule_data(version, **overrides) -> dict[str, str]:
    data = {
        "document_version": str(version.pk),
        "title": "Připomínkování návrhu plánu 2026–2028",
        "opens_on": "2026-09-01",
        "opens_time": "",
        "closes_on": "2026-10-25",
        "closes_time": "",
        "time_zone": "Europe/Prague",
        "min_length_days": "30",
        "accepts_web": "on",
        "accepts_email": "on",
        "accepts_paper": "on",
        "contact_email": "kpss@horazdovice.cz",
        "contact_points": "Městský úřad, kancelář 12, po a st 8–17",
        "hearing_meeting": "",
        "hearing_on": "",
        "hearing_time": "",
        "substantive_by_steering_group": "on",
    }
    data.update(overrides)
    return data


def schedule_url(cycle) -> str:
    return reverse("consultation:schedule", args=[cycle.process.pk])


def warnings_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


@time_machine.travel(NOW, tick=False)
def test_the_coordinator_schedules_a_consultation_with_dates_in_prague(cycle):
    version = published_version(cycle.process, cycle.steering_group)
    coordinator = staff(cycle.coordinator)
    page = coordinator.get(schedule_url(cycle))
    assert page.status_code == 200
    assert f'value="{version.pk}"' in page.content.decode()
    response = coordinator.post(schedule_url(cycle), schedule_data(version))
    consultation = ConsultationPeriod.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consultation:register", args=[consultation.pk])
    # A date means the whole day in Prague; 25 October 2026 ends at 23:00 UTC (CET again).
    assert consultation.opens_at == dt.datetime(2026, 8, 31, 22, 0, tzinfo=UTC)
    assert consultation.closes_at == dt.datetime(2026, 10, 25, 22, 59, 59, 999999, tzinfo=UTC)
    assert consultation.channels == ["web", "email", "paper"]
    assert consultation.contact_email == "kpss@horazdovice.cz"
    assert consultation.document_version == version
    assert consultation.created_by == cycle.coordinator
    # No hearing planned: the CpKP advice comes as a warning; the consultation is scheduled.
    assert len(warnings_of(response)) == 1


@time_machine.travel(NOW, tick=False)
def test_times_are_read_in_the_chosen_time_zone(cycle):
    version = published_version(cycle.process, cycle.steering_group)
    data = schedule_data(
        version, opens_time="09:00", closes_time="12:00", time_zone="America/New_York"
    )
    assert staff(cycle.coordinator).post(schedule_url(cycle), data).status_code == 302
    consultation = ConsultationPeriod.objects.get()
    assert consultation.time_zone == "America/New_York"
    assert consultation.opens_at == dt.datetime(2026, 9, 1, 13, 0, tzinfo=UTC)
    assert consultation.closes_at == dt.datetime(2026, 10, 25, 16, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_the_hearing_and_length_warnings(cycle):
    version = published_version(cycle.process, cycle.steering_group)
    hearing = meeting_services.meeting_create(
        actor=cycle.coordinator,
        kind=Meeting.Kind.PUBLIC_HEARING,
        title="Veřejné projednání",
        process=cycle.process,
        starts_at=dt.datetime(2026, 10, 20, 17, 0, tzinfo=PRAGUE),
    )
    coordinator = staff(cycle.coordinator)
    # The hearing five days before the close: CpKP wants two weeks for comments after it.
    late_hearing = coordinator.post(
        schedule_url(cycle), schedule_data(version, hearing_meeting=str(hearing.pk))
    )
    assert late_hearing.status_code == 302
    consultation = ConsultationPeriod.objects.get()
    assert consultation.hearing_meeting_id == hearing.pk
    assert consultation.hearing_at == hearing.starts_at
    assert len(warnings_of(late_hearing)) == 1
    # 22 days with the minimum lowered to 21: allowed, with a warning about the length.
    short = staff(cycle.coordinator).post(
        schedule_url(cycle),
        schedule_data(
            version,
            closes_on="2026-09-22",
            min_length_days="21",
            hearing_on="2026-09-05",
            hearing_time="17:00",
        ),
    )
    assert short.status_code == 302
    second = ConsultationPeriod.objects.latest("pk")
    assert second.hearing_at == dt.datetime(2026, 9, 5, 17, 0, tzinfo=PRAGUE)
    assert len(warnings_of(short)) == 1
    assert "30" in warnings_of(short)[0]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_on": "2026-09-20"}, "closes_on"),  # shorter than the 30 days asked
        ({"min_length_days": "7"}, "min_length_days"),  # never under two weeks
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"document_version": "999999"}, "document_version"),
        ({"closes_on": ""}, "closes_on"),
    ],
)
def test_what_the_schedule_form_refuses(cycle, overrides, field):
    version = published_version(cycle.process, cycle.steering_group)
    response = staff(cycle.coordinator).post(
        schedule_url(cycle), schedule_data(version, **overrides)
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not ConsultationPeriod.objects.exists()


def test_only_the_coordinator_schedules_and_outsiders_see_nothing(cycle, other_cycle):
    version = published_version(cycle.process, cycle.steering_group)
    member = staff(cycle.users["provider"])
    assert member.get(schedule_url(cycle)).status_code == 403
    assert member.post(schedule_url(cycle), schedule_data(version)).status_code == 403
    outsider = staff(other_cycle.coordinator)
    assert outsider.get(schedule_url(cycle)).status_code == 404
    assert outsider.get(reverse("consultation:list", args=[cycle.process.pk])).status_code == 404
    assert Client().get(schedule_url(cycle)).status_code == 302  # to the login
    assert not ConsultationPeriod.objects.exists()


def test_the_consultation_list_links_registers_and_public_pages(cycle):
    consultation = schedule(cycle)
    page = staff(cycle.users["provider"]).get(reverse("consultation:list", args=[cycle.process.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert reverse("consultation:register", args=[consultation.pk]) in body
    assert reverse("public:consultation", args=[cycle.process.pk, consultation.pk]) in body
    assert schedule_url(cycle) not in body  # a member who does not manage the process
    coordinator_page = staff(cycle.coordinator).get(
        reverse("consultation:list", args=[cycle.process.pk])
    )
    assert schedule_url(cycle) in coordinator_page.content.decode()


# --- news ----------------------------------------------------------------------------------------


def test_news_from_draft_to_published_to_withdrawn(
    cycle, client, django_capture_on_commit_callbacks
):
    coordinator = staff(cycle.coordinator)
    news_url = reverse("consultation:news_list", args=[cycle.process.pk])
    public_url = reverse("public:process", args=[cycle.process.pk])
    with django_capture_on_commit_callbacks(execute=True):
        created = coordinator.post(news_url, {"title": "Pozvánka na projednání", "text": "Sál"})
    assert created.status_code == 302
    item = NewsItem.objects.get()
    assert item.published_at is None and item.created_by == cycle.coordinator
    assert "Pozvánka na projednání" not in client.get(public_url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        published = coordinator.post(
            reverse("consultation:news_publish", args=[item.pk]), {"publish": "1"}
        )
    assert published.status_code == 302
    assert "Pozvánka na projednání" in client.get(public_url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        edited = coordinator.post(
            reverse("consultation:news_edit", args=[item.pk]),
            {"title": "Pozvánka na veřejné projednání", "text": "Velký sál"},
        )
    assert edited.status_code == 302
    assert "Pozvánka na veřejné projednání" in client.get(public_url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(reverse("consultation:news_publish", args=[item.pk]), {"publish": "0"})
    assert "Pozvánka" not in client.get(public_url).content.decode()
    item.refresh_from_db()
    assert item.published_at is None
    assert item.history.count() == 4  # created, published, edited, withdrawn


def test_news_published_at_once_and_refused_to_members(cycle, client):
    coordinator = staff(cycle.coordinator)
    news_url = reverse("consultation:news_list", args=[cycle.process.pk])
    response = coordinator.post(news_url, {"title": "Plán schválen", "publish": "on"})
    assert response.status_code == 302
    assert NewsItem.objects.get().published_at is not None
    assert coordinator.post(news_url, {"title": ""}).status_code == 400
    member = staff(cycle.users["provider"])
    item = NewsItem.objects.get()
    assert member.get(news_url).status_code == 403
    assert member.post(news_url, {"title": "Cizí"}).status_code == 403
    assert (
        member.post(reverse("consultation:news_edit", args=[item.pk]), {"title": "x"}).status_code
        == 403
    )
    assert (
        member.post(
            reverse("consultation:news_publish", args=[item.pk]), {"publish": "0"}
        ).status_code
        == 403
    )
    assert NewsItem.objects.count() == 1 and NewsItem.objects.get().published_at is not None
