"""In the browser: the coordinator plans a meeting with two agenda items, records the attendance,
marks the meeting held and downloads the attendance list."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.urls import reverse
from django.utils import timezone

from tests.e2e.conftest import login
from tests.workflow.conftest import build_cycle
from workflow.models import Attendance, Meeting

PASSWORD = "heslo-pro-testy"  # tests.factories.UserFactory
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")


def test_the_coordinator_runs_a_meeting_in_the_browser(page, live_server, superuser):
    cycle = build_cycle(superuser)
    chair, provider, user = (cycle.memberships[k].person for k in ("chair", "provider", "user"))
    login(page, live_server, cycle.coordinator, PASSWORD)

    page.goto(f"{live_server.url}{reverse('meetings:meeting_list')}")
    page.click("#plan-meeting")
    page.select_option("select[name=kind]", Meeting.Kind.BODY_MEETING)
    page.select_option("select[name=body]", str(cycle.steering_group.pk))
    page.fill("input[name=title]", "Jednání řídící skupiny – prezenčně")
    starts = (timezone.now() - dt.timedelta(hours=1)).astimezone(PRAGUE).replace(second=0)
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=place]", "Zasedací místnost MěÚ Horažďovice")
    page.fill("textarea[name=agenda]", "Zahájení a kontrola usnášeníschopnosti\nNávrh plánu")
    page.click("#meeting-form button[type=submit]")
    page.wait_for_selector("ol.agenda")

    meeting = Meeting.objects.get()
    assert page.url.endswith(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert meeting.starts_at == starts.replace(microsecond=0)
    items = page.locator("ol.agenda > li")
    assert items.count() == 2
    assert "Návrh plánu" in items.nth(1).inner_text()

    page.select_option(f"select[name=status_{chair.pk}]", Attendance.Status.PRESENT)
    page.check(f"input[name=signed_{chair.pk}]")
    page.select_option(f"select[name=status_{provider.pk}]", Attendance.Status.PRESENT)
    page.select_option(f"select[name=status_{user.pk}]", Attendance.Status.EXCUSED)
    page.click("button[name=save-attendance]")
    page.wait_for_load_state()
    recorded = {a.person_id: (a.status, a.is_signed) for a in meeting.attendances.all()}
    assert recorded == {
        chair.pk: ("present", True),
        provider.pk: ("present", False),
        user.pk: ("excused", False),
    }

    page.click("button[name=held]")
    page.wait_for_selector(f"[data-state={Meeting.State.HELD}]")
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD

    page.click("button[name=generate-attendance-list]")
    link = page.locator("a[data-kind=attendance-list]")
    link.wait_for()
    meeting.refresh_from_db()
    version = meeting.attendance_document.versions.get()
    assert link.get_attribute("href") == reverse("documents:version_download", args=[version.pk])
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as handle:
        assert handle.read(2) == b"PK"
