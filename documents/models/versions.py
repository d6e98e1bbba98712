"""Documents of a planning process and their immutable, checksummed versions.

A version's bytes and metadata are fixed once it is submitted: ``DocumentVersion.save()`` compares
every content field with the stored row and refuses a change, its status may only move along
``STATUS_TRANSITIONS``, and the bookkeeping fields of those transitions are written once.
Every state change goes through ``documents.services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField
from django_fsm import transition as fsm_transition
from simple_history.models import HistoricalRecords

from documents.exceptions import VersionImmutable

__all__ = [
    "CONTENT_FIELDS",
    "STATUS_TRANSITIONS",
    "WRITE_ONCE_FIELDS",
    "Document",
    "DocumentIntegrityIncident",
    "DocumentVersion",
]


class Document(models.Model):
    """A document of a planning process (an analysis, the plan, minutes...), kept in versions."""

    class Kind(models.TextChoices):
        FOUNDING_CHARTER = "founding_charter", _("founding charter")
        SOCIO_DEMOGRAPHIC_ANALYSIS = "socio_demographic_analysis", _("socio-demographic analysis")
        PROVIDER_ANALYSIS = "provider_analysis", _("analysis of providers")
        RESOURCES_ANALYSIS = "resources_analysis", _("analysis of resources and financing")
        USER_NEEDS_SURVEY = "user_needs_survey", _("survey of user needs")
        SWOT = "swot", _("SWOT analysis")
        COMMUNITY_PLAN = "community_plan", _("community plan (SPRSS)")
        ACTION_PLAN = "action_plan", _("action plan")
        ACTION_PLAN_EVALUATION = "action_plan_evaluation", _("evaluation of the action plan")
        SERVICES_CATALOGUE = "services_catalogue", _("catalogue of social services")
        MINUTES = "minutes", _("minutes")
        ATTENDANCE_LIST = "attendance_list", _("attendance list")
        SETTLEMENT_OF_COMMENTS = "settlement_of_comments", _("settlement of comments")
        RESOLUTION_EXTRACT = "resolution_extract", _("resolution extract")
        PRESS_RELEASE = "press_release", _("press release")
        OTHER = "other", _("other")

    # Attendance lists carry signatures of private persons: never published online (GDPR).
    NEVER_PUBLIC_KINDS = frozenset({Kind.ATTENDANCE_LIST})

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("planning process"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    working_group = models.ForeignKey(
        "stakeholders.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        limit_choices_to={"kind": "working_group"},
        verbose_name=_("working group"),
        help_text=_("The working group whose part of the plan this is, if any."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
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
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["process", "kind", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="document_has_title"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_publishable(self) -> bool:
        return self.kind not in self.NEVER_PUBLIC_KINDS


class DocumentVersion(ConcurrentTransitionMixin, models.Model):
    """One version of a document: a file under a generated name, its sha256, size and type.

    ``status`` is protected: draft → submitted → approved | returned; approved → published;
    published → superseded when a newer version of the same document is published.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for approval")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("superseded")

    class Provenance(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        GENERATED = "generated", _("generated from a template")

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="versions", verbose_name=_("document")
    )
    number = models.PositiveIntegerField(_("version number"))
    file = models.FileField(_("file"), max_length=255)
    original_filename = models.CharField(
        _("original file name"),
        max_length=255,
        blank=True,
        help_text=_("As uploaded, sanitised; kept as information only."),
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_id_snapshot = models.BigIntegerField(
        _("author (user id)"),
        null=True,
        blank=True,
        help_text=_("Kept even if the user account is deleted."),
    )
    change_summary = models.TextField(_("summary of changes"), blank=True)
    provenance = models.CharField(
        _("provenance"), max_length=12, choices=Provenance.choices, default=Provenance.UPLOADED
    )
    generated_from_template = models.CharField(
        _("generated from template"), max_length=200, blank=True
    )
    generation_data = models.JSONField(_("generation data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by_decision = models.ForeignKey(
        "workflow.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_document_versions",
        verbose_name=_("approved by decision"),
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by_decision = models.ForeignKey(
        "workflow.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returned_document_versions",
        verbose_name=_("returned by decision"),
    )
    returned_reason = models.TextField(_("reasons for returning"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    # The PDF rendition of a published DOCX/ODT version: derived once, with its own checksum.
    pdf_file = models.FileField(_("PDF rendition"), max_length=255, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    pdf_size = models.PositiveBigIntegerField(_("size of the PDF (bytes)"), null=True, blank=True)
    pdf_generated_at = models.DateTimeField(_("PDF generated at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="published"),
                name="version_one_published_per_document",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
            models.CheckConstraint(
                condition=Q(size__gt=0) & ~Q(sha256="") & ~Q(file="") & ~Q(content_type=""),
                name="version_has_file_checksum_and_size",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="version_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "published", "superseded"])
                | Q(approved_by_decision__isnull=False, approved_at__isnull=False),
                name="version_approved_has_decision",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned")
                | (Q(returned_by_decision__isnull=False) & ~Q(returned_reason="")),
                name="version_returned_has_decision_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "superseded"])
                | Q(published_at__isnull=False),
                name="version_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(pdf_file="") | (~Q(pdf_sha256="") & Q(pdf_size__isnull=False)),
                name="version_pdf_has_checksum",
            ),
            models.CheckConstraint(
                condition=Q(provenance="uploaded") | ~Q(generated_from_template=""),
                name="version_generated_names_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} – v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            stored = type(self)._base_manager.filter(pk=self.pk).values(*_GUARDED_COLUMNS).first()
            if stored is not None:
                _refuse_forbidden_changes(self, stored)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_delete_of_locked(self)
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        """Submitted or later: bytes and metadata are fixed."""
        return self.status != self.Status.DRAFT

    @property
    def extension(self) -> str:
        return self.file.name.rsplit(".", 1)[-1].lower() if "." in self.file.name else ""

    # Transition methods change the status only; the services lock, check and record.

    @fsm_transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED)
    def submit(self) -> None:
        pass

    @fsm_transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @fsm_transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def return_to_author(self) -> None:
        pass

    @fsm_transition(field=status, source=Status.APPROVED, target=Status.PUBLISHED)
    def publish(self) -> None:
        pass

    @fsm_transition(field=status, source=Status.PUBLISHED, target=Status.SUPERSEDED)
    def supersede(self) -> None:
        pass


# Fixed from the moment a version exists past draft (column names, i.e. attnames).
CONTENT_FIELDS: tuple[str, ...] = (
    "document_id",
    "number",
    "file",
    "original_filename",
    "sha256",
    "size",
    "content_type",
    "author_id",
    "author_id_snapshot",
    "change_summary",
    "provenance",
    "generated_from_template",
    "generation_data",
    "created_at",
)
# Bookkeeping of transitions and of the derived PDF: set once, never changed afterwards.
WRITE_ONCE_FIELDS: tuple[str, ...] = (
    "submitted_at",
    "approved_at",
    "approved_by_decision_id",
    "returned_at",
    "returned_by_decision_id",
    "returned_reason",
    "published_at",
    "superseded_at",
    "superseded_by_id",
    "pdf_file",
    "pdf_sha256",
    "pdf_size",
    "pdf_generated_at",
)
STATUS_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("draft", "submitted"),
        ("submitted", "approved"),
        ("submitted", "returned"),
        ("approved", "published"),
        ("published", "superseded"),
    }
)
_GUARDED_COLUMNS = (*CONTENT_FIELDS, *WRITE_ONCE_FIELDS, "status")


def _column_value(obj: DocumentVersion, column: str) -> Any:
    value = obj.__dict__.get(column)
    if column in {"file", "pdf_file"}:
        return getattr(value, "name", value) or ""
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == {}


def _refuse_forbidden_changes(obj: DocumentVersion, stored: dict[str, Any]) -> None:
    """Compare with the stored row: what a submitted version may not change, it does not."""
    old_status, new_status = stored["status"], obj.__dict__.get("status")
    if old_status != new_status and (old_status, new_status) not in STATUS_TRANSITIONS:
        raise VersionImmutable(
            gettext("A version cannot move from %(old)s to %(new)s.")
            % {"old": old_status, "new": new_status},
            code="version_status_not_allowed",
        )
    if old_status != DocumentVersion.Status.DRAFT:
        changed = [c for c in CONTENT_FIELDS if _column_value(obj, c) != stored[c]]
        if changed:
            raise VersionImmutable(
                gettext(
                    "Version %(number)s has been submitted; its file and details can no longer "
                    "change (attempted: %(fields)s). Upload a new version instead."
                )
                % {"number": stored["number"], "fields": ", ".join(changed)},
                extra={"fields": changed},
            )
    rewritten = [
        c
        for c in WRITE_ONCE_FIELDS
        if not _is_empty(stored[c]) and _column_value(obj, c) != stored[c]
    ]
    if rewritten:
        raise VersionImmutable(
            gettext("Recorded facts of a version cannot be rewritten (attempted: %(fields)s).")
            % {"fields": ", ".join(rewritten)},
            extra={"fields": rewritten},
        )


def _refuse_delete_of_locked(obj: DocumentVersion) -> None:
    stored_status = (
        type(obj)._base_manager.filter(pk=obj.pk).values_list("status", flat=True).first()
    )
    if stored_status is not None and stored_status != DocumentVersion.Status.DRAFT:
        raise VersionImmutable(
            gettext("A submitted version is a record and cannot be deleted."),
            code="version_not_deletable",
        )


@receiver(pre_delete, sender=DocumentVersion, dispatch_uid="documents_version_no_delete")
def _version_pre_delete(sender: Any, instance: DocumentVersion, **kwargs: Any) -> None:
    """Queryset and cascade deletes too: a submitted version is never deleted."""
    _refuse_delete_of_locked(instance)


class DocumentIntegrityIncident(models.Model):
    """A stored file that no longer matched its recorded sha256 when it was read."""

    class Kind(models.TextChoices):
        MISMATCH = "mismatch", _("checksum mismatch")
        MISSING = "missing", _("file missing")

    version = models.ForeignKey(
        DocumentVersion,
        on_delete=models.PROTECT,
        related_name="integrity_incidents",
        verbose_name=_("document version"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    rendition = models.CharField(
        _("rendition"), max_length=12, default="original", help_text=_("original or pdf")
    )
    expected_sha256 = models.CharField(_("expected SHA-256"), max_length=64)
    actual_sha256 = models.CharField(_("actual SHA-256"), max_length=64, blank=True)
    actual_size = models.PositiveBigIntegerField(_("actual size"), null=True, blank=True)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    detected_during = models.CharField(_("detected during"), max_length=40)
    actor_id_snapshot = models.BigIntegerField(_("user id"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document integrity incident")
        verbose_name_plural = _("document integrity incidents")
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_kind_display()} ({self.detected_at:%Y-%m-%d %H:%M})"
