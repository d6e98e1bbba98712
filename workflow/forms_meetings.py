"""Forms of meetings, resolutions and calendar feeds: parse input only; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflow.models import ResolutionPoint


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
