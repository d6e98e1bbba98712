"""Structured plan content, DOCX templates and generation jobs.

The plan is a tree per planning process: ``Vision`` and ``Priority`` → ``Measure`` → ``Activity``
(with its ``ActivityCost`` rows), plus the project pipeline (*zásobník projektů*). Numbers are
hierarchical ("1", "1.2", "1.2.3"); each is unique within its process, which is why measures and
activities carry their process too (kept equal to their parent's by ``clean()`` and the services).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = [
    "Activity",
    "ActivityCost",
    "DocxTemplate",
    "GenerationJob",
    "Measure",
    "PlanSection",
    "Priority",
    "ProjectPipelineItem",
    "Vision",
]

PRIORITY_NUMBER_RE = r"^[1-9][0-9]{0,2}$"
MEASURE_NUMBER_RE = r"^[1-9][0-9]{0,2}\.[1-9][0-9]{0,2}$"
ACTIVITY_NUMBER_RE = r"^[1-9][0-9]{0,2}\.[1-9][0-9]{0,2}\.[1-9][0-9]{0,2}$"


def number_sort_key(number: str) -> tuple[int, ...]:
    """ "1.10.2" sorts after "1.9.2" (numeric, not lexical)."""
    return tuple(int(part) for part in number.split(".") if part.isdigit())


def _parent_prefix_error(number: str, parent_number: str, label: str) -> str | None:
    if number and parent_number and not number.startswith(f"{parent_number}."):
        return _("The number of the %(label)s must start with %(prefix)s.") % {
            "label": label,
            "prefix": f"{parent_number}.",
        }
    return None


class Vision(models.Model):
    """The vision (*vize*) at the top of the strategic part; one per process."""

    process = models.OneToOneField(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="plan_vision",
        verbose_name=_("planning process"),
    )
    text = models.TextField(_("vision"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vision")
        verbose_name_plural = _("visions")

    def __str__(self) -> str:
        return self.text[:80]


class PlanSection(models.Model):
    """The text of one statutory chapter of the plan (§ 3 h) of Act 108/2006).

    The strategy chapter (c) is the structured tree; the other five are text.
    """

    class Kind(models.TextChoices):
        PREPARATION = "preparation", _("how the plan was prepared")
        RESOURCES_AND_NEEDS = (
            "resources_and_needs",
            _("resources and needs, including an economic analysis"),
        )
        OBLIGATIONS = "obligations", _("obligations of the participating parties")
        MONITORING = "monitoring", _("monitoring and evaluation of the plan")
        CHANGES = "changes", _("how changes to service provision are made")

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="plan_sections",
        verbose_name=_("planning process"),
    )
    kind = models.CharField(_("chapter"), max_length=24, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan chapter")
        verbose_name_plural = _("plan chapters")
        ordering = ["process", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["process", "kind"], name="plan_section_unique"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class Priority(models.Model):
    """A priority (*priorita*), usually owned by one working group (its target group's part)."""

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="plan_priorities",
        verbose_name=_("planning process"),
    )
    number = models.CharField(
        _("number"),
        max_length=3,
        validators=[RegexValidator(PRIORITY_NUMBER_RE, _("A priority number is e.g. 1 or 12."))],
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    target_groups = models.ManyToManyField(
        "stakeholders.TargetGroup",
        blank=True,
        related_name="plan_priorities",
        verbose_name=_("target groups"),
    )
    working_group = models.ForeignKey(
        "stakeholders.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_priorities",
        verbose_name=_("working group"),
        help_text=_("The working group whose part of the plan this is; empty: cross-cutting."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords(m2m_fields=[target_groups])

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["process", "order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="priority_number_unique"),
            models.CheckConstraint(
                condition=Q(number__regex=PRIORITY_NUMBER_RE), name="priority_number_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        body = self.working_group
        if body is not None and (
            body.kind != "working_group" or body.process_id != self.process_id
        ):
            raise ValidationError(
                {"working_group": _("Choose a working group of the same planning process.")}
            )


class Measure(models.Model):
    """A measure (*opatření*) under a priority, numbered "1.2"."""

    priority = models.ForeignKey(
        Priority, on_delete=models.CASCADE, related_name="measures", verbose_name=_("priority")
    )
    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="plan_measures",
        editable=False,
        verbose_name=_("planning process"),
    )
    number = models.CharField(
        _("number"),
        max_length=7,
        validators=[RegexValidator(MEASURE_NUMBER_RE, _("A measure number is e.g. 1.2."))],
    )
    title = models.CharField(_("title"), max_length=300)
    goal = models.TextField(_("goal"), blank=True)
    indicators = models.TextField(_("indicators"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["priority", "order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="measure_number_unique"),
            models.CheckConstraint(
                condition=Q(number__regex=MEASURE_NUMBER_RE), name="measure_number_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.priority_id:
            if self.process_id and self.process_id != self.priority.process_id:
                errors["priority"] = _("The priority belongs to another planning process.")
            message = _parent_prefix_error(self.number, self.priority.number, _("measure"))
            if message:
                errors["number"] = message
        if errors:
            raise ValidationError(errors)


class Activity(models.Model):
    """An activity (*aktivita*) under a measure, numbered "1.2.3", with its costs and status."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        PARTLY_DONE = "partly_done", _("partly done")
        NOT_DONE = "not_done", _("not done")
        MOVED = "moved", _("moved")

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="activities", verbose_name=_("measure")
    )
    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="plan_activities",
        editable=False,
        verbose_name=_("planning process"),
    )
    number = models.CharField(
        _("number"),
        max_length=11,
        validators=[RegexValidator(ACTIVITY_NUMBER_RE, _("An activity number is e.g. 1.2.3."))],
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    target_groups = models.ManyToManyField(
        "stakeholders.TargetGroup",
        blank=True,
        related_name="plan_activities",
        verbose_name=_("target groups"),
    )
    responsible_organization = models.ForeignKey(
        "stakeholders.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_activities",
        verbose_name=_("responsible organisation"),
    )
    partners = models.ManyToManyField(
        "stakeholders.Organization",
        blank=True,
        related_name="partner_activities",
        verbose_name=_("partners"),
    )
    starts_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    starts_month = models.PositiveSmallIntegerField(
        _("start month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    ends_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    ends_month = models.PositiveSmallIntegerField(
        _("end month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    indicators = models.TextField(_("indicators"), blank=True)
    status = models.CharField(
        _("implementation status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords(m2m_fields=[target_groups, partners])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["measure", "order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="activity_number_unique"),
            models.CheckConstraint(
                condition=Q(number__regex=ACTIVITY_NUMBER_RE), name="activity_number_format"
            ),
            models.CheckConstraint(
                condition=(Q(starts_month__isnull=True) | Q(starts_month__range=(1, 12)))
                & (Q(ends_month__isnull=True) | Q(ends_month__range=(1, 12))),
                name="activity_months_valid",
            ),
            models.CheckConstraint(
                condition=Q(starts_month__isnull=True) | Q(starts_year__isnull=False),
                name="activity_start_month_needs_year",
            ),
            models.CheckConstraint(
                condition=Q(ends_month__isnull=True) | Q(ends_year__isnull=False),
                name="activity_end_month_needs_year",
            ),
            models.CheckConstraint(
                condition=Q(starts_year__isnull=True)
                | Q(ends_year__isnull=True)
                | Q(ends_year__gte=models.F("starts_year")),
                name="activity_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.measure_id:
            if self.process_id and self.process_id != self.measure.process_id:
                errors["measure"] = _("The measure belongs to another planning process.")
            message = _parent_prefix_error(self.number, self.measure.number, _("activity"))
            if message:
                errors["number"] = message
        if (self.starts_month and not self.starts_year) or (self.ends_month and not self.ends_year):
            errors["starts_year"] = _("A month needs its year.")
        start = (self.starts_year or 0, self.starts_month or 1)
        end = (self.ends_year or 9999, self.ends_month or 12)
        if self.starts_year and self.ends_year and end < start:
            errors["ends_year"] = _("The end of the activity must not precede its start.")
        if errors:
            raise ValidationError(errors)

    @property
    def period_label(self) -> str:
        def part(year: int | None, month: int | None) -> str:
            if not year:
                return ""
            return f"{month}/{year}" if month else str(year)

        start, end = (
            part(self.starts_year, self.starts_month),
            part(self.ends_year, self.ends_month),
        )
        if start and end and start != end:
            return f"{start}–{end}"
        return start or end


class ActivityCost(models.Model):
    """The estimated cost of an activity from one funding source (optionally in one year)."""

    class Source(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality")
        REGION = "region", _("region")
        STATE_SUBSIDY = "state", _("state subsidy (MPSV)")
        ESF = "esf", _("ESF")
        HEALTH_INSURANCE = "health_insurance", _("health insurance")
        USER_PAYMENTS = "user_payments", _("users' payments")
        OTHER = "other", _("other")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="costs", verbose_name=_("activity")
    )
    source = models.CharField(_("funding source"), max_length=20, choices=Source.choices)
    amount = models.DecimalField(
        _("amount (CZK)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity cost")
        verbose_name_plural = _("activity costs")
        ordering = ["activity", "year", "source"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="activity_cost_non_negative"),
            models.UniqueConstraint(
                fields=["activity", "source", "year"],
                name="activity_cost_source_year_unique",
            ),
            models.UniqueConstraint(
                fields=["activity", "source"],
                condition=Q(year__isnull=True),
                name="activity_cost_source_unique_without_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity.number} {self.get_source_display()}: {self.amount}"


class ProjectPipelineItem(models.Model):
    """A project intention in the pipeline (*zásobník projektů*) with the town's support."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        SUPPORTED = "supported", _("supported")
        IN_PREPARATION = "in_preparation", _("in preparation")
        IN_IMPLEMENTATION = "in_implementation", _("in implementation")
        COMPLETED = "completed", _("completed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="plan_pipeline_items",
        verbose_name=_("planning process"),
    )
    title = models.CharField(_("project intention"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pipeline_items",
        verbose_name=_("measure"),
    )
    implementer_organization = models.ForeignKey(
        "stakeholders.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pipeline_items",
        verbose_name=_("proposed implementer"),
    )
    implementer_name = models.CharField(
        _("proposed implementer (not registered)"), max_length=300, blank=True
    )
    budget = models.DecimalField(
        _("estimated budget (CZK)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    support_promised = models.BooleanField(_("support promised"), default=False)
    support_note = models.TextField(_("support note"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project pipeline item")
        verbose_name_plural = _("project pipeline")
        ordering = ["process", "order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="pipeline_budget_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.measure_id and self.process_id and self.measure.process_id != self.process_id:
            raise ValidationError(
                {"measure": _("The measure belongs to another planning process.")}
            )

    @property
    def implementer_label(self) -> str:
        if self.implementer_organization_id:
            return self.implementer_organization.name
        return self.implementer_name


class DocumentKind(models.TextChoices):
    """What a DOCX template produces; the values match ``Document.Kind`` of the same documents."""

    COMMUNITY_PLAN = "community_plan", _("community plan (SPRSS)")
    MINUTES = "minutes", _("minutes")
    ATTENDANCE_LIST = "attendance_list", _("attendance list")
    SETTLEMENT = "settlement_of_comments", _("settlement of comments")
    RESOLUTION_EXTRACT = "resolution_extract", _("resolution extract")


def _template_upload_to(instance: DocxTemplate, filename: str) -> str:
    import uuid

    return f"docx_templates/{instance.kind}/{uuid.uuid4().hex}.docx"


class DocxTemplate(models.Model):
    """A DOCX template uploaded for a territory (or, without one, for the whole installation).

    The built-in templates in ``templates/docx/`` are used when no active row applies.
    """

    Kind = DocumentKind

    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    territory = models.ForeignKey(
        "stakeholders.Territory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="docx_templates",
        verbose_name=_("territory"),
        help_text=_("Empty: the installation's default for every territory."),
    )
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to=_template_upload_to)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    sha256 = models.CharField(
        _("SHA-256"), max_length=64, validators=[RegexValidator(r"^[0-9a-f]{64}$")]
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("DOCX template")
        verbose_name_plural = _("DOCX templates")
        ordering = ["kind", "territory", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "territory"],
                condition=Q(is_active=True, territory__isnull=False),
                name="docx_template_one_active_per_territory",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(is_active=True, territory__isnull=True),
                name="docx_template_one_active_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def label(self) -> str:
        """How generation provenance names this template."""
        return f"docx_template:{self.pk}:{self.sha256[:12]}"


class GenerationJob(models.Model):
    """One request to generate a document from a template; the UI polls state and percent."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    Kind = DocumentKind

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="generation_jobs",
        verbose_name=_("planning process"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    template = models.ForeignKey(
        DocxTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="generation_jobs",
        verbose_name=_("template"),
    )
    input_data = models.JSONField(
        _("input data"),
        default=dict,
        blank=True,
        help_text=_("Plain data for documents not built from the plan (minutes, resolutions…)."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="generation_jobs",
        verbose_name=_("generated version"),
        help_text=_("The draft version created by this job (its id is result_version_id)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("generation job")
        verbose_name_plural = _("generation jobs")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="generation_percent_max"),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(percent=100),
                name="generation_done_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"


# Compiled number patterns, for callers that check numbers outside model validation.
NUMBER_PATTERNS = {
    "priority": re.compile(PRIORITY_NUMBER_RE),
    "measure": re.compile(MEASURE_NUMBER_RE),
    "activity": re.compile(ACTIVITY_NUMBER_RE),
}
