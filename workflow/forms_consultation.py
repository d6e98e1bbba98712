"""Forms of the public consultation: parse input only; the services decide."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflow.models import Comment

TARGET_KINDS = {
    "priority": "target_priority",
    "measure": "target_measure",
    "activity": "target_activity",
}


def target_choices(nodes: dict[str, list[Any]]) -> list[tuple[str, str]]:
    """Choices "kind:id" for the plan nodes a comment may refer to."""
    choices: list[tuple[str, str]] = [("", _("— the whole document or a page / section below —"))]
    labels = {"priority": _("Priority"), "measure": _("Measure"), "activity": _("Activity")}
    for kind in ("priority", "measure", "activity"):
        for node in nodes.get(kind, []):
            choices.append((f"{kind}:{node.pk}", f"{labels[kind]} {node.number} {node.title}"))
    return choices


def resolve_target(value: str, nodes: dict[str, list[Any]]) -> dict[str, Any]:
    """The service keyword (target_priority=...) for a chosen "kind:id", or nothing."""
    if not value:
        return {}
    kind, _sep, pk = value.partition(":")
    for node in nodes.get(kind, []):
        if str(node.pk) == pk:
            return {TARGET_KINDS[kind]: node}
    return {}


class _CommentFields(forms.Form):
    organization = forms.CharField(
        label=_("Organisation (optional)"), max_length=300, required=False
    )
    target = forms.ChoiceField(label=_("The comment refers to"), required=False, choices=())
    target_text = forms.CharField(
        label=_("Chapter, page or section"), max_length=300, required=False
    )
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000
    )
    proposed_change = forms.CharField(
        label=_("Proposed change (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        required=False,
    )
    consents_to_public_name = forms.BooleanField(
        label=_("I agree to my name being shown in the published settlement of comments."),
        required=False,
    )

    def __init__(self, *args: Any, nodes: dict[str, list[Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.nodes = nodes or {}
        self.fields["target"].choices = target_choices(self.nodes)

    def target_kwargs(self) -> dict[str, Any]:
        return resolve_target(self.cleaned_data.get("target", ""), self.nodes)


class PublicCommentForm(_CommentFields):
    """The public comment form. ``website`` is a honeypot: people never see or fill it."""

    field_order = [
        "name",
        "email",
        "organization",
        "target",
        "target_text",
        "text",
        "proposed_change",
        "consents_to_processing",
        "consents_to_public_name",
    ]

    name = forms.CharField(label=_("Name and surname"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("We send the receipt of your comment here.")
    )
    consents_to_processing = forms.BooleanField(
        label=_(
            "I agree to the processing of my personal data for the settlement of this comment. "
            "My name and e-mail will not be published."
        ),
        required=True,
    )
    token = forms.UUIDField(widget=forms.HiddenInput)
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())


class CommentEntryForm(_CommentFields):
    """The coordinator enters a comment received by e-mail, on paper or at the hearing."""

    field_order = ["channel", "received_on", "received_time", "name", "email"]

    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[c for c in Comment.Channel.choices if c[0] != Comment.Channel.WEB],
    )
    received_on = forms.DateField(
        label=_("Date received"),
        help_text=_("For post, the postmark date counts."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_time = forms.TimeField(
        label=_("Time received (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    name = forms.CharField(label=_("Name and surname"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    consents_to_processing = forms.BooleanField(
        label=_("The submitter agreed to the processing of personal data."), required=False
    )


class SettleForm(forms.Form):
    comment_type = forms.ChoiceField(label=_("Type"), choices=Comment.Type.choices)
    decision = forms.ChoiceField(label=_("Decision"), choices=Comment.Decision.choices)
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required unless the comment is accepted."),
    )
    change_reference = forms.CharField(
        label=_("How the change was made"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    steering_decision = forms.TypedChoiceField(
        label=_("Steering-group decision"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args: Any, decisions: list[Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.decisions = {d.pk: d for d in decisions or []}
        self.fields["steering_decision"].choices = [("", "—")] + [
            (d.pk, d.title) for d in decisions or []
        ]


class RegisterFilterForm(forms.Form):
    STATES = [("", _("all")), ("unsettled", _("unsettled")), ("settled", _("settled"))]
    LATE = [("", _("all")), ("late", _("late only")), ("on_time", _("on time only"))]

    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("all")), *Comment.Decision.choices], required=False
    )
    late = forms.ChoiceField(label=_("Deadline"), choices=LATE, required=False)
    target = forms.CharField(label=_("Part of the document"), max_length=100, required=False)


class ConsultationScheduleForm(forms.Form):
    """Schedule a consultation: dates are days in the consultation's time zone; an opening date
    means the start of that day and a closing date the end of it, unless a time is given."""

    field_order = [
        "document_version",
        "title",
        "opens_on",
        "opens_time",
        "closes_on",
        "closes_time",
        "time_zone",
        "min_length_days",
    ]

    document_version = forms.TypedChoiceField(
        label=_("Document version under consultation"), coerce=int, choices=()
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    opens_time = forms.TimeField(
        label=_("Opening time (optional)"),
        required=False,
        help_text=_("Without a time the consultation opens at the start of the day."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    closes_on = forms.DateField(
        label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    closes_time = forms.TimeField(
        label=_("Closing time (optional)"),
        required=False,
        help_text=_("Without a time comments are accepted until the end of the day."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64)
    min_length_days = forms.IntegerField(
        label=_("Minimum length (days)"),
        min_value=14,
        max_value=365,
    )
    accepts_web = forms.BooleanField(label=_("web form"), required=False, initial=True)
    accepts_email = forms.BooleanField(label=_("e-mail"), required=False, initial=True)
    accepts_paper = forms.BooleanField(
        label=_("paper (post or in person)"), required=False, initial=True
    )
    accepts_hearing = forms.BooleanField(label=_("public hearing"), required=False, initial=True)
    contact_email = forms.EmailField(label=_("E-mail for comments"), required=False)
    contact_points = forms.CharField(
        label=_("Contact and consultation points"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Where the draft can be read and comments handed in, with office hours."),
    )
    hearing_meeting = forms.TypedChoiceField(
        label=_("Public hearing (meeting)"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
    )
    hearing_on = forms.DateField(
        label=_("Public hearing on (if not a recorded meeting)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    hearing_time = forms.TimeField(
        label=_("Public hearing at (time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    substantive_by_steering_group = forms.BooleanField(
        label=_("Substantive comments are settled by the steering group"),
        required=False,
        initial=True,
        help_text=_(
            "Substantive comments are then settled only after the period closes and each needs "
            "an adopted steering-group decision."
        ),
    )

    def __init__(
        self,
        *args: Any,
        versions: list[Any] | None = None,
        hearings: list[Any] | None = None,
        **kwargs: Any,
    ):
        kwargs.setdefault(
            "initial",
            {
                "time_zone": settings.TIME_ZONE,
                "min_length_days": settings.KOMPLAN_CONSULTATION_MIN_DAYS,
            },
        )
        super().__init__(*args, **kwargs)
        self.versions = {v.pk: v for v in versions or []}
        self.hearings = {m.pk: m for m in hearings or []}
        self.fields["min_length_days"].help_text = gettext(
            "The recommended length is %(days)s days; never less than two weeks. CpKP also "
            "recommends at least two weeks for comments after the public hearing."
        ) % {"days": settings.KOMPLAN_CONSULTATION_MIN_DAYS}
        self.fields["document_version"].choices = [
            (v.pk, f"{v.document.title} (v{v.number})") for v in versions or []
        ]
        self.fields["hearing_meeting"].choices = [("", "—")] + [
            (m.pk, str(m)) for m in hearings or []
        ]

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("Unknown time zone.")) from None
        return value

    def _moment(self, day: dt.date | None, time: dt.time | None) -> dt.date | dt.datetime | None:
        if day is None or time is None:
            return day
        return dt.datetime.combine(
            day, time, tzinfo=zoneinfo.ZoneInfo(self.cleaned_data["time_zone"])
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "time_zone" not in data:
            return data
        data["opens"] = self._moment(data.get("opens_on"), data.get("opens_time"))
        data["closes"] = self._moment(data.get("closes_on"), data.get("closes_time"))
        hearing_at = None
        if data.get("hearing_on"):
            hearing_at = dt.datetime.combine(
                data["hearing_on"],
                data.get("hearing_time") or dt.time(0),
                tzinfo=zoneinfo.ZoneInfo(data["time_zone"]),
            )
        elif data.get("hearing_meeting") in self.hearings:
            hearing_at = self.hearings[data["hearing_meeting"]].starts_at
        data["hearing_at"] = hearing_at
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``consultation_schedule`` (besides actor and process)."""
        data = self.cleaned_data
        return {
            "document_version": self.versions[data["document_version"]],
            "title": data["title"],
            "opens": data["opens"],
            "closes": data["closes"],
            "time_zone": data["time_zone"],
            "min_length_days": data["min_length_days"],
            "hearing_at": data["hearing_at"],
            "hearing_meeting_id": data.get("hearing_meeting"),
            "accepts_web": data["accepts_web"],
            "accepts_email": data["accepts_email"],
            "accepts_paper": data["accepts_paper"],
            "accepts_hearing": data["accepts_hearing"],
            "contact_email": data["contact_email"],
            "contact_points": data["contact_points"],
            "substantive_by_steering_group": data["substantive_by_steering_group"],
        }


# The service's error keys → the form's fields.
SCHEDULE_ERROR_FIELDS = {
    "opens_at": "opens_on",
    "closes_at": "closes_on",
    "document_version": "document_version",
    "min_length_days": "min_length_days",
    "time_zone": "time_zone",
    "title": "title",
    "contact_email": "contact_email",
}


class NewsItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False)
