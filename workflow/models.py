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
    PREPARATION = "preparation", _("přípravná fáze")
    MAPPING = "mapping", _("analytická fáze (mapování)")
    WORKING_GROUPS = "working_groups", _("práce pracovních skupin")
    PUBLIC_CONSULTATION = "public_consultation", _("připomínkování veřejností")
    COUNCIL_APPROVAL = "council_approval", _("schvalování v orgánech obce")
    IMPLEMENTATION = "implementation", _("realizace plánu")
    CLOSED = "closed", _("uzavřeno")
    CANCELLED = "cancelled", _("zrušeno")


class PlanningProcess(models.Model):
    """One planning cycle of a territory: a medium-term plan (SPRSS) for a period of years."""

    territory = models.ForeignKey(
        "stakeholders.Territory",
        on_delete=models.PROTECT,
        related_name="planning_processes",
        verbose_name=_("území"),
    )
    title = models.CharField(_("název"), max_length=300)
    period_start_year = models.PositiveSmallIntegerField(_("plán od roku"))
    period_end_year = models.PositiveSmallIntegerField(_("plán do roku"))
    esf_project = models.ForeignKey(
        "stakeholders.EsfProject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planning_processes",
        verbose_name=_("projekt ESF"),
    )
    coordinator_organization = models.ForeignKey(
        "stakeholders.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_processes",
        verbose_name=_("koordinující organizace"),
    )
    previous_process = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_process",
        verbose_name=_("předchozí cyklus"),
    )
    stage = FSMField(_("fáze"), default=Stage.PREPARATION, choices=Stage.choices)
    created_at = models.DateTimeField(_("založeno"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("založil"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plánovací proces")
        verbose_name_plural = _("plánovací procesy")
        ordering = ["-period_start_year", "title"]
        permissions = [
            ("manage_process", _("Řídit plánovací proces")),
            ("view_process_history", _("Číst historii procesu")),
            ("edit_draft", _("Upravovat pracovní verze")),
            ("transition_stage", _("Převádět proces do další fáze")),
            ("approve_stage", _("Schvalovat fáze procesu")),
            ("approve_document", _("Schvalovat dokumenty")),
            ("vote", _("Hlasovat v rozhodnutích řídící skupiny")),
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
                {"period_end_year": _("Konec období plánu nesmí předcházet jeho začátku.")}
            )

    @property
    def period_label(self) -> str:
        return f"{self.period_start_year}–{self.period_end_year}"


class PlanningProcessUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user rows for processes, with a real foreign key (cascade on delete)."""

    content_object = models.ForeignKey(PlanningProcess, on_delete=models.CASCADE)


class PlanningProcessGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(PlanningProcess, on_delete=models.CASCADE)
