"""Forms of the public consultation: parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
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
