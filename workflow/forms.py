"""Forms of the planning cycle: parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflow.models import Transition


class TransitionForm(forms.Form):
    transition = forms.ChoiceField(choices=Transition.choices, widget=forms.HiddenInput)
    decision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    expected_stage = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Recorded with the step, e.g. the number of the steering-group resolution."),
    )
