"""The planning cycle: planning processes (the stage machine arrives with its own services)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


class Stage(models.TextChoices):
    PREPARATION = "preparation", _("preparation")
    MAPPING = "mapping", _("mapping (analyses)")
    WORKING_GROUPS = "working_groups", _("working groups")
    PUBLIC_CONSULTATION = "public_consultation", _("public consultation")
    COUNCIL_APPROVAL = "council_approval", _("council approval")
    IMPLEMENTATION = "implementation", _("implementation")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class PlanningProcess(models.Model):
    """One planning cycle of a territory: a medium-term plan (SPRSS) for a period of years."""

    territory = models.ForeignKey(
        "stakeholders.Territory",
        on_delete=models.PROTECT,
        related_name="planning_processes",
        verbose_name=_("territory"),
    )
    title = models.CharField(_("name"), max_length=300)
    period_start_year = models.PositiveSmallIntegerField(_("plan from year"))
    period_end_year = models.PositiveSmallIntegerField(_("plan to year"))
    esf_project = models.ForeignKey(
        "stakeholders.EsfProject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planning_processes",
        verbose_name=_("ESF project"),
    )
    coordinator_organization = models.ForeignKey(
        "stakeholders.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_processes",
        verbose_name=_("coordinating organisation"),
    )
    previous_process = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_process",
        verbose_name=_("previous cycle"),
    )
    stage = FSMField(_("stage"), default=Stage.PREPARATION, choices=Stage.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("planning process")
        verbose_name_plural = _("planning processes")
        ordering = ["-period_start_year", "title"]
        permissions = [
            ("manage_process", _("Manage the planning process")),
            ("view_process_history", _("Read the process history")),
            ("edit_draft", _("Edit drafts")),
            ("transition_stage", _("Move the process to another stage")),
            ("approve_stage", _("Approve process stages")),
            ("approve_document", _("Approve documents")),
            ("vote", _("Vote in steering-group decisions")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end_year__gte=models.F("period_start_year")),
                name="process_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.period_start_year}–{self.period_end_year}"

    def clean(self) -> None:
        if (
            self.period_start_year
            and self.period_end_year
            and self.period_end_year < self.period_start_year
        ):
            raise ValidationError(
                {"period_end_year": _("The end of the plan period must not precede its start.")}
            )

    @property
    def period_label(self) -> str:
        return f"{self.period_start_year}–{self.period_end_year}"


class PlanningProcessUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user rows for processes, with a real foreign key (cascade on delete)."""

    content_object = models.ForeignKey(PlanningProcess, on_delete=models.CASCADE)


class PlanningProcessGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(PlanningProcess, on_delete=models.CASCADE)
