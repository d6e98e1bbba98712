"""ESF indicator definitions: configurable reference data, each computed from the ESF report.

The codes and names of the OPZ / OPZ+ indicators could not be confirmed from public sources
(DOMAIN.md §5.4), so they are data, not code: an administrator edits them, sets the target
(*cílová hodnota*) and picks how the value is computed from the report of a period.
``workflow.services.esf.DEFAULT_INDICATORS`` seeds the codes of DOMAIN.md, marked "to verify
against the call".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = ["IndicatorDefinition"]


class IndicatorDefinition(models.Model):
    """An ESF indicator: code, name, unit, how its value is computed, and the target."""

    class Computation(models.TextChoices):
        UNIQUE_PARTICIPANTS = "unique_participants", _("unique participants")
        UNIQUE_PARTICIPANTS_BY_TRIAD = (
            "unique_participants_by_triad",
            _("unique participants of one triad side"),
        )
        UNIQUE_PARTICIPANTS_BY_TARGET_GROUP = (
            "unique_participants_by_target_group",
            _("unique participants of one target group"),
        )
        UNIQUE_ORGANISATIONS = "unique_organisations", _("organisations of the participants")
        ATTENDANCE_PRESENT = "attendance_present", _("attendance records (present)")
        MEETINGS_HELD = "meetings_held", _("meetings held")
        HEARINGS_HELD = "hearings_held", _("public hearings held")
        DOCUMENTS_PUBLISHED = "documents_published", _("documents published")
        DOCUMENTS_APPROVED = "documents_approved", _("documents approved")
        CONSULTATIONS_OPENED = "consultations_opened", _("public consultations opened")
        COMMENTS_RECEIVED = "comments_received", _("comments received")
        COMMENTS_SETTLED = "comments_settled", _("comments settled")
        COMMENTS_LATE = "comments_late", _("comments received late")
        RESOLUTIONS_ADOPTED = "resolutions_adopted", _("resolutions adopted")
        MANUAL = "manual", _("not computed (entered in the progress report)")

    # The parameters each computation accepts; a value of None means "any".
    PARAMETERS: dict[str, tuple[str, ...]] = {
        Computation.UNIQUE_PARTICIPANTS: ("include_guests",),
        Computation.UNIQUE_PARTICIPANTS_BY_TRIAD: ("triad_side", "include_guests"),
        Computation.UNIQUE_PARTICIPANTS_BY_TARGET_GROUP: ("target_group", "include_guests"),
        Computation.UNIQUE_ORGANISATIONS: (),
        Computation.ATTENDANCE_PRESENT: ("include_guests",),
        Computation.MEETINGS_HELD: ("body_kinds",),
        Computation.HEARINGS_HELD: (),
        Computation.DOCUMENTS_PUBLISHED: ("kinds",),
        Computation.DOCUMENTS_APPROVED: ("kinds",),
        Computation.CONSULTATIONS_OPENED: (),
        Computation.COMMENTS_RECEIVED: (),
        Computation.COMMENTS_SETTLED: ("decisions",),
        Computation.COMMENTS_LATE: (),
        Computation.RESOLUTIONS_ADOPTED: ("body_kinds", "document_actions"),
        Computation.MANUAL: (),
    }
    REQUIRED_PARAMETERS: dict[str, tuple[str, ...]] = {
        Computation.UNIQUE_PARTICIPANTS_BY_TRIAD: ("triad_side",),
        Computation.UNIQUE_PARTICIPANTS_BY_TARGET_GROUP: ("target_group",),
    }
    LIST_PARAMETERS = frozenset({"body_kinds", "kinds", "decisions", "document_actions"})
    BOOLEAN_PARAMETERS = frozenset({"include_guests"})

    esf_project = models.ForeignKey(
        "stakeholders.EsfProject",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicator_definitions",
        verbose_name=_("ESF project"),
        help_text=_(
            "Empty: the indicator applies to every project. A project's own indicator with the "
            "same code replaces the installation-wide one."
        ),
    )
    code = models.CharField(_("code"), max_length=32, help_text=_("E.g. 6 00 00 or EECO01."))
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    computation = models.CharField(
        _("how it is computed"), max_length=40, choices=Computation.choices
    )
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_(
            'Optional, by computation, e.g. {"triad_side": "provider"}, '
            '{"kinds": ["community_plan", "action_plan"]}, {"body_kinds": ["working_group"]}.'
        ),
    )
    target_value = models.DecimalField(
        _("target value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    to_verify = models.BooleanField(
        _("to verify against the call"),
        default=True,
        help_text=_("The code and definition have not yet been checked against the call text."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ESF indicator")
        verbose_name_plural = _("ESF indicators")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(esf_project__isnull=True),
                name="indicator_code_unique_installation_wide",
            ),
            models.UniqueConstraint(
                fields=["esf_project", "code"],
                condition=Q(esf_project__isnull=False),
                name="indicator_code_unique_per_project",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="indicator_has_code"),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gte=0),
                name="indicator_target_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        problems = self.parameter_problems(self.computation, self.params)
        if problems:
            raise ValidationError({"params": problems})

    @classmethod
    def parameter_problems(cls, computation: str, params: Any) -> list[str]:
        """What is wrong with the parameters of a computation (empty when they are fine)."""
        if computation not in cls.Computation.values:
            return [str(_("Unknown computation."))]
        if params in (None, ""):
            params = {}
        if not isinstance(params, dict):
            return [str(_("Parameters must be an object of names and values."))]
        allowed = cls.PARAMETERS[computation]
        problems = [
            str(_("Unknown parameter: %(name)s.") % {"name": name})
            for name in sorted(params)
            if name not in allowed
        ]
        problems.extend(
            str(_("Missing parameter: %(name)s.") % {"name": name})
            for name in cls.REQUIRED_PARAMETERS.get(computation, ())
            if not params.get(name)
        )
        for name, value in params.items():
            if name in cls.LIST_PARAMETERS and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                problems.append(
                    str(_("The parameter %(name)s must be a list of codes.") % {"name": name})
                )
            if name in cls.BOOLEAN_PARAMETERS and not isinstance(value, bool):
                problems.append(
                    str(_("The parameter %(name)s must be true or false.") % {"name": name})
                )
        return problems
