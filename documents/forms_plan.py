"""Forms of the plan editing pages: parse input only; the services in
``documents.services.plan`` validate, check permissions and write.

Field labels, choices and validators come from the models, so that the forms speak the same
(Czech) words as the rest of the application. A refusal of a service is put back on the bound
form with :func:`add_service_errors`, so that nothing the user typed is lost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from documents.models.plan import (
    Activity,
    ActivityCost,
    Measure,
    PlanSection,
    Priority,
    ProjectPipelineItem,
    Vision,
)
from documents.services.plan import CostInput
from stakeholders.exceptions import ValidationFailed


def _field(model: type[models.Model], name: str, **overrides: Any) -> forms.Field:
    """The model field's own form field (label, choices, validators, max length)."""
    field = model._meta.get_field(name).formfield(**overrides)
    if field is None:  # pragma: no cover - every name used here has a form field
        raise LookupError(name)
    return field


def _label(model: type[models.Model], name: str) -> Any:
    return capfirst(model._meta.get_field(name).verbose_name)


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ReasonMixin(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=300,
        help_text=_("Recorded in the history of the plan."),
    )


class VisionForm(ReasonMixin):
    text = _field(Vision, "text", widget=_textarea(6))

    field_order = ["text", "reason"]


class SectionForm(ReasonMixin):
    text = _field(PlanSection, "text", widget=_textarea(14))

    field_order = ["text", "reason"]


class PriorityForm(ReasonMixin):
    title = _field(Priority, "title")
    description = _field(Priority, "description", widget=_textarea(4))
    working_group = forms.ModelChoiceField(
        queryset=Priority._meta.get_field("working_group").related_model.objects.none(),
        label=_label(Priority, "working_group"),
        help_text=Priority._meta.get_field("working_group").help_text,
        required=False,
    )
    target_groups = forms.ModelMultipleChoiceField(
        queryset=Priority._meta.get_field("target_groups").related_model.objects.none(),
        label=_label(Priority, "target_groups"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["title", "description", "working_group", "target_groups", "reason"]

    def __init__(
        self,
        *args: Any,
        working_groups: models.QuerySet,
        target_groups: models.QuerySet,
        whole_plan: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_group"].queryset = working_groups
        self.fields["target_groups"].queryset = target_groups
        # A working-group member's priority always belongs to their group.
        self.fields["working_group"].required = not whole_plan
        if not whole_plan:
            self.fields["working_group"].empty_label = None


class MeasureForm(ReasonMixin):
    priority = forms.ModelChoiceField(
        queryset=Priority.objects.none(), label=_("Under priority"), empty_label=None
    )
    title = _field(Measure, "title")
    goal = _field(Measure, "goal", widget=_textarea(3))
    indicators = _field(Measure, "indicators", widget=_textarea(3))

    field_order = ["priority", "title", "goal", "indicators", "reason"]

    def __init__(self, *args: Any, priorities: models.QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].queryset = priorities


class ActivityForm(ReasonMixin):
    measure = forms.ModelChoiceField(
        queryset=Measure.objects.none(), label=_("Under measure"), empty_label=None
    )
    title = _field(Activity, "title")
    description = _field(Activity, "description", widget=_textarea(4))
    target_groups = forms.ModelMultipleChoiceField(
        queryset=Activity._meta.get_field("target_groups").related_model.objects.none(),
        label=_label(Activity, "target_groups"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    responsible_organization = forms.ModelChoiceField(
        queryset=Activity._meta.get_field("responsible_organization").related_model.objects.none(),
        label=_label(Activity, "responsible_organization"),
        required=False,
    )
    partners = forms.ModelMultipleChoiceField(
        queryset=Activity._meta.get_field("partners").related_model.objects.none(),
        label=_label(Activity, "partners"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    starts_year = _field(Activity, "starts_year", min_value=1990, max_value=2100)
    starts_month = _field(Activity, "starts_month", min_value=1, max_value=12)
    ends_year = _field(Activity, "ends_year", min_value=1990, max_value=2100)
    ends_month = _field(Activity, "ends_month", min_value=1, max_value=12)
    indicators = _field(Activity, "indicators", widget=_textarea(3))
    status = _field(Activity, "status")

    field_order = [
        "measure",
        "title",
        "description",
        "target_groups",
        "responsible_organization",
        "partners",
        "starts_year",
        "starts_month",
        "ends_year",
        "ends_month",
        "indicators",
        "status",
        "reason",
    ]

    def __init__(
        self,
        *args: Any,
        measures: models.QuerySet,
        target_groups: models.QuerySet,
        organizations: models.QuerySet,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measures
        self.fields["measure"].label_from_instance = lambda m: f"{m.number} {m.title}"
        self.fields["target_groups"].queryset = target_groups
        self.fields["responsible_organization"].queryset = organizations
        self.fields["partners"].queryset = organizations

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for month, year in (("starts_month", "starts_year"), ("ends_month", "ends_year")):
            if cleaned.get(month) and not cleaned.get(year):
                self.add_error(year, _("A month needs its year."))
        start = (cleaned.get("starts_year"), cleaned.get("starts_month") or 1)
        end = (cleaned.get("ends_year"), cleaned.get("ends_month") or 12)
        if start[0] and end[0] and end < start:
            self.add_error("ends_year", _("The end of the activity must not precede its start."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The activity's own fields, as the services take them."""
        names = [
            "title",
            "description",
            "responsible_organization",
            "starts_year",
            "starts_month",
            "ends_year",
            "ends_month",
            "indicators",
            "status",
        ]
        return {name: self.cleaned_data[name] for name in names}


class CostForm(forms.Form):
    source = forms.ChoiceField(
        label=_label(ActivityCost, "source"),
        choices=[("", "---------"), *ActivityCost.Source.choices],
        required=False,
    )
    year = _field(ActivityCost, "year", min_value=1990, max_value=2100)
    amount = _field(ActivityCost, "amount", required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        source, amount = cleaned.get("source"), cleaned.get("amount")
        if source and amount is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount for this funding source."))
        if amount is not None and not source:
            self.add_error("source", _("Choose the funding source of this amount."))
        return cleaned

    def cost(self) -> CostInput | None:
        data = self.cleaned_data
        if not data.get("source") or data.get("amount") is None:
            return None
        return CostInput(data["source"], Decimal(data["amount"]), data.get("year"))


class BaseCostFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        keys = [(c.source, c.year) for c in self.costs()]
        if len(keys) != len(set(keys)):
            raise forms.ValidationError(_("Each funding source may appear once per year."))

    def costs(self) -> list[CostInput]:
        return [cost for form in self.forms if (cost := form.cost()) is not None]


CostFormSet = forms.formset_factory(
    CostForm, formset=BaseCostFormSet, extra=3, max_num=40, validate_max=True
)


def cost_initial(activity: Activity | None) -> list[dict[str, Any]]:
    if activity is None:
        return []
    return [
        {"source": cost.source, "year": cost.year, "amount": cost.amount}
        for cost in activity.costs.all()
    ]


class PipelineItemForm(ReasonMixin):
    title = _field(ProjectPipelineItem, "title")
    description = _field(ProjectPipelineItem, "description", widget=_textarea(3))
    measure = forms.ModelChoiceField(
        queryset=Measure.objects.none(),
        label=_label(ProjectPipelineItem, "measure"),
        required=False,
    )
    implementer_organization = forms.ModelChoiceField(
        queryset=ProjectPipelineItem._meta.get_field(
            "implementer_organization"
        ).related_model.objects.none(),
        label=_label(ProjectPipelineItem, "implementer_organization"),
        required=False,
    )
    implementer_name = _field(ProjectPipelineItem, "implementer_name")
    budget = _field(ProjectPipelineItem, "budget", min_value=0)
    support_promised = _field(ProjectPipelineItem, "support_promised")
    support_note = _field(ProjectPipelineItem, "support_note", widget=_textarea(2))
    status = _field(ProjectPipelineItem, "status")

    field_order = [
        "title",
        "description",
        "measure",
        "implementer_organization",
        "implementer_name",
        "budget",
        "support_promised",
        "support_note",
        "status",
        "reason",
    ]

    def __init__(
        self,
        *args: Any,
        measures: models.QuerySet,
        organizations: models.QuerySet,
        whole_plan: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measures
        self.fields["measure"].label_from_instance = lambda m: f"{m.number} {m.title}"
        # Intentions without a measure are the coordinator's; a working group links its own.
        self.fields["measure"].required = not whole_plan
        self.fields["implementer_organization"].queryset = organizations

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "reason"}


class DeleteForm(ReasonMixin):
    pass


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("up")), ("down", _("down"))])


def add_service_errors(
    form: forms.Form, error: ValidationFailed, formset: forms.BaseFormSet | None = None
) -> None:
    """Put a service's refusal on the bound form (per field where the form has the field)."""
    placed = False
    for field, messages in (error.errors or {}).items():
        as_list = [messages] if isinstance(messages, str) else list(messages)
        if field in form.fields:
            form.add_error(field, as_list)
            placed = True
        elif field == "costs" and formset is not None:
            formset._non_form_errors = formset.error_class(
                [*formset.non_form_errors(), *as_list], error_class="nonform"
            )
            placed = True
        else:
            form.add_error(None, as_list)
            placed = True
    if not placed:
        form.add_error(None, error.message)
