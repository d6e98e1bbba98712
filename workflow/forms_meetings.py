"""Forms of meetings, resolutions and calendar feeds: parse input only; the services decide."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import Attendance, Meeting, ResolutionPoint

PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d. %m. %Y %H:%M",
    "%d.%m.%Y %H:%M",
]


class PragueDateTimeField(forms.DateTimeField):
    """A date and time as people in Czechia read it: entered and shown in Europe/Prague,
    whatever time zone is active (a time that does not exist or is ambiguous at the change
    of summer time is refused by Django's conversion)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATETIME_INPUT_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        with timezone.override(PRAGUE):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(PRAGUE):
            return super().prepare_value(value)


class MeetingEditForm(forms.Form):
    """The time, place and link of a meeting (its kind and body are fixed once planned)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    session_number = forms.IntegerField(
        label=_("Session number"),
        required=False,
        min_value=1,
        help_text=_("The running number of the body's session, e.g. 24 for the 24th session."),
    )
    starts_at = PragueDateTimeField(label=_("Starts at"))
    ends_at = PragueDateTimeField(label=_("Ends at"), required=False)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_url = forms.URLField(
        label=_("Online link"), required=False, assume_scheme="https", max_length=200
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("A meeting cannot end before it starts."))
        if not data.get("place") and not data.get("online_url"):
            self.add_error("place", _("Give the place or the online link."))
        return data

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        return {
            "title": meeting.title,
            "session_number": meeting.session_number,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "place": meeting.place,
            "online_url": meeting.online_url,
        }


class MeetingForm(MeetingEditForm):
    """A new meeting: a body's meeting or a public hearing, with its agenda."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=Meeting.Kind.choices, initial=Meeting.Kind.BODY_MEETING
    )
    body = forms.ModelChoiceField(
        label=_("Body"),
        queryset=None,
        required=False,
        help_text=_("Which body meets (not for a public hearing)."),
    )
    process = forms.ModelChoiceField(
        label=_("Planning process"),
        queryset=None,
        required=False,
        help_text=_("A public hearing belongs to a planning process."),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One item per line; items can be added, moved and removed later."),
    )

    field_order = [
        "kind",
        "body",
        "process",
        "title",
        "session_number",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "agenda",
    ]

    def __init__(self, *args: Any, bodies: Any, processes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        self.fields["process"].queryset = processes

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind == Meeting.Kind.BODY_MEETING and not data.get("body"):
            self.add_error("body", _("Choose the body."))
        if kind == Meeting.Kind.PUBLIC_HEARING and not data.get("process"):
            self.add_error("process", _("Choose the planning process."))
        return data

    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=300)
    presenter = forms.CharField(label=_("Presented by"), max_length=200, required=False)


class AgendaItemEditForm(AgendaItemForm):
    discussion = forms.CharField(
        label=_("Discussion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was said and agreed; it goes into the minutes."),
    )


ATTENDANCE_CHOICES = [("", _("not recorded")), *Attendance.Status.choices]


class AttendanceSheetForm(forms.Form):
    """Attendance of each person on the sheet: status and signature, one pair of fields per
    person (``status_<person id>``, ``signed_<person id>``)."""

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            recorded = row.attendance
            name = row.person.full_name
            self.fields[f"status_{row.person.pk}"] = forms.ChoiceField(
                label=name,
                choices=ATTENDANCE_CHOICES,
                required=False,
                initial=recorded.status if recorded else "",
                widget=forms.Select(
                    attrs={"aria-label": _("Attendance of %(name)s") % {"name": name}}
                ),
            )
            self.fields[f"signed_{row.person.pk}"] = forms.BooleanField(
                label=_("Signed the list"),
                required=False,
                initial=recorded.is_signed if recorded else False,
                widget=forms.CheckboxInput(
                    attrs={"aria-label": _("%(name)s signed the list") % {"name": name}}
                ),
            )

    def lines(self) -> list[tuple[Any, Any, Any]]:
        """(sheet row, status field, signed field) for the template."""
        return [
            (row, self[f"status_{row.person.pk}"], self[f"signed_{row.person.pk}"])
            for row in self.rows
        ]

    def entries(self) -> list[tuple[Any, str, bool]]:
        """(person, status, signed) of every row given a status."""
        found = []
        for row in self.rows:
            status = self.cleaned_data.get(f"status_{row.person.pk}") or ""
            signed = bool(self.cleaned_data.get(f"signed_{row.person.pk}"))
            if status:
                found.append((row.person, status, signed))
            elif signed:
                self.add_error(
                    f"status_{row.person.pk}",
                    _("Record the attendance of a person who signed the list."),
                )
        return found


class VerifiersForm(forms.Form):
    verifiers = forms.ModelMultipleChoiceField(
        label=_("Minutes verifiers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Usually two members present at the meeting verify and sign the minutes."),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verifiers"].queryset = people
        self.fields["verifiers"].label_from_instance = lambda person: person.full_name


class ScanUploadForm(forms.Form):
    scan = forms.FileField(label=_("Signed attendance list (PDF, JPEG or PNG)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scan"].help_text = _("At most %(megabytes)s MB.") % {
            "megabytes": settings.KOMPLAN_UPLOAD_MAX_BYTES // (1024 * 1024)
        }


class MinutesApproveForm(forms.Form):
    MODE_MEETING = "meeting"
    MODE_PER_ROLLAM = "per_rollam"

    mode = forms.ChoiceField(
        label=_("Approved"),
        choices=[
            (MODE_MEETING, _("at a later meeting")),
            (MODE_PER_ROLLAM, _("per rollam")),
        ],
        widget=forms.RadioSelect,
        initial=MODE_MEETING,
    )
    approved_at_meeting = forms.ModelChoiceField(
        label=_("Meeting that approved the minutes"), queryset=None, required=False
    )

    def __init__(self, *args: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approved_at_meeting"].queryset = meetings

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mode") == self.MODE_MEETING and not data.get("approved_at_meeting"):
            self.add_error("approved_at_meeting", _("Choose the meeting."))
        if data.get("mode") == self.MODE_PER_ROLLAM:
            data["approved_at_meeting"] = None
        return data


class FeedRotateForm(forms.Form):
    process = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AttendanceForm(forms.Form):
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    guest_name = forms.CharField(label=_("Guest's name"), max_length=200, required=False)
    guest_organization = forms.CharField(
        label=_("Guest's organisation"), max_length=300, required=False
    )
    status = forms.ChoiceField(
        label=_("Attendance"),
        choices=[
            ("present", _("present")),
            ("excused", _("excused")),
            ("absent", _("absent")),
        ],
    )
    is_signed = forms.BooleanField(label=_("Signed the list"), required=False)


class PointStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Fulfilment"), choices=ResolutionPoint.Status.choices)


# Czech verbs as the secretary types them, and the stored values.
VERBS_CS = {
    "schvaluje": ResolutionPoint.Verb.APPROVES,
    "bere na vědomí": ResolutionPoint.Verb.TAKES_NOTE,
    "doporučuje": ResolutionPoint.Verb.RECOMMENDS,
    "ukládá": ResolutionPoint.Verb.INSTRUCTS,
    "revokuje": ResolutionPoint.Verb.REVOKES,
    "neschvaluje": ResolutionPoint.Verb.REJECTS,
    "pověřuje": ResolutionPoint.Verb.AUTHORISES,
    "jmenuje": ResolutionPoint.Verb.APPOINTS,
}


def _parse_day(text: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d. %m. %Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise forms.ValidationError(_("Unknown date: %(text)s") % {"text": text})


class ResolutionForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Body"), queryset=None)
    adopted_on = forms.DateField(label=_("Date"))
    session = forms.IntegerField(label=_("Session"), required=False, min_value=1)
    number = forms.CharField(
        label=_("Number"),
        max_length=60,
        required=False,
        help_text=_("Leave empty to number the resolution by the body's pattern."),
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    submitted_by = forms.CharField(label=_("Submitted by"), max_length=200, required=False)
    present = forms.IntegerField(label=_("Members present"), min_value=0)
    votes_for = forms.IntegerField(label=_("For"), min_value=0)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0)
    votes_abstained = forms.IntegerField(label=_("Abstained"), min_value=0)
    points = forms.CharField(
        label=_("Points"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One point per line: verb | text | deadline, e.g. "
            "“ukládá | předložit akční plán | 31. 10. 2025”."
        ),
    )

    def __init__(self, *args: Any, bodies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies

    def clean_points(self) -> list[dict[str, Any]]:
        points = []
        for line in self.cleaned_data["points"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            verb = VERBS_CS.get(parts[0].lower(), parts[0].lower())
            if verb not in ResolutionPoint.Verb.values:
                raise forms.ValidationError(_("Unknown verb: %(verb)s.") % {"verb": parts[0]})
            if len(parts) < 2 or not parts[1]:
                raise forms.ValidationError(_("Each point needs a text."))
            deadline = _parse_day(parts[2]) if len(parts) > 2 and parts[2] else None
            points.append({"verb": verb, "text": parts[1], "deadline": deadline})
        if not points:
            raise forms.ValidationError(_("Add a point."))
        return points
