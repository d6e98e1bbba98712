"""Public consultation: consultation periods, comments and their settlement, notices, news.

Whether a consultation is open is never stored: it follows from the clock and ``opens_at`` /
``closes_at`` (see ``ConsultationPeriod.phase``), so a late or missing scheduled task cannot
leave it open. What the clock cannot tell (settled, settlement published) is stored in
``status``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = [
    "Comment",
    "ConsultationNotice",
    "ConsultationPeriod",
    "NewsItem",
]


def _default_time_zone() -> str:
    return settings.TIME_ZONE


def _default_min_length_days() -> int:
    return int(getattr(settings, "KOMPLAN_CONSULTATION_MIN_DAYS", 30))


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}) from None


class ConsultationPeriod(models.Model):
    """A comment period (*připomínkové řízení*) on one published document version."""

    class Status(models.TextChoices):
        # Scheduled, open and closed all share this stored value; the clock tells them apart.
        SCHEDULED = "scheduled", _("scheduled")
        SETTLED = "settled", _("settled")
        SETTLEMENT_PUBLISHED = "settlement_published", _("settlement published")

    class Phase(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        OPEN = "open", _("open for comments")
        CLOSED = "closed", _("closed")
        SETTLED = "settled", _("settled")
        SETTLEMENT_PUBLISHED = "settlement_published", _("settlement published")

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("planning process"),
    )
    document_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("document version under consultation"),
    )
    title = models.CharField(_("title"), max_length=300)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(
        _("closes at"), help_text=_("A closing date means the end of that day.")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=_default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Dates given for this consultation are days in this time zone."),
    )
    min_length_days = models.PositiveSmallIntegerField(
        _("minimum length (days)"), default=_default_min_length_days
    )
    hearing_at = models.DateTimeField(_("public hearing at"), null=True, blank=True)
    hearing_meeting_id = models.PositiveBigIntegerField(
        _("public hearing meeting (id)"), null=True, blank=True
    )
    accepts_web = models.BooleanField(_("web form"), default=True)
    accepts_email = models.BooleanField(_("e-mail"), default=True)
    accepts_paper = models.BooleanField(_("paper"), default=True)
    accepts_hearing = models.BooleanField(_("public hearing"), default=True)
    contact_email = models.EmailField(_("e-mail for comments"), blank=True)
    contact_points = models.TextField(
        _("contact and consultation points"),
        blank=True,
        help_text=_("Where the draft can be read and comments handed in, with office hours."),
    )
    substantive_by_steering_group = models.BooleanField(
        _("substantive comments settled by the steering group"),
        default=True,
        help_text=_(
            "Substantive comments are then settled only after the period closes and each needs "
            "an adopted steering-group decision."
        ),
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.SCHEDULED
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settlement_published_at = models.DateTimeField(
        _("settlement published at"), null=True, blank=True
    )
    settlement_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_consultations",
        verbose_name=_("settlement document version"),
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
        verbose_name = _("public consultation")
        verbose_name_plural = _("public consultations")
        ordering = ["process", "-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled") | Q(settled_at__isnull=False),
                name="consultation_settled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="settlement_published")
                | Q(settlement_published_at__isnull=False),
                name="consultation_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def phase_at(self, now: dt.datetime | None = None) -> str:
        """The phase by the clock: open exactly while opens_at <= now <= closes_at."""
        if self.status != self.Status.SCHEDULED:
            return self.status
        moment = now or timezone.now()
        if moment < self.opens_at:
            return self.Phase.SCHEDULED
        if moment <= self.closes_at:
            return self.Phase.OPEN
        return self.Phase.CLOSED

    @property
    def phase(self) -> str:
        return self.phase_at()

    def get_phase_display(self) -> str:
        return str(self.Phase(self.phase).label)

    @property
    def is_open(self) -> bool:
        return self.phase == self.Phase.OPEN

    def is_closed_at(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) > self.closes_at

    @property
    def opens_local(self) -> dt.datetime:
        return self.opens_at.astimezone(self.zone)

    @property
    def closes_local(self) -> dt.datetime:
        return self.closes_at.astimezone(self.zone)

    @property
    def channels(self) -> list[str]:
        pairs = (
            (self.accepts_web, Comment.Channel.WEB),
            (self.accepts_email, Comment.Channel.EMAIL),
            (self.accepts_paper, Comment.Channel.PAPER),
            (self.accepts_hearing, Comment.Channel.HEARING),
        )
        return [channel for accepted, channel in pairs if accepted]


class Comment(models.Model):
    """One comment (*připomínka*) in the comment register, and its settlement (*vypořádání*).

    The submitter's name, e-mail and organisation are personal data: never shown to the public.
    The published settlement shows ``pseudonym`` (assigned at publication) instead.
    """

    class Channel(models.TextChoices):
        WEB = "web", _("web form")
        EMAIL = "email", _("e-mail")
        PAPER = "paper", _("paper (post or in person)")
        HEARING = "hearing", _("public hearing")

    class Type(models.TextChoices):
        FORMAL = "formal", _("formal (language)")
        SUBSTANTIVE = "substantive", _("substantive")

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        PARTIALLY_ACCEPTED = "partially_accepted", _("partially accepted")
        NOT_ACCEPTED = "not_accepted", _("not accepted")
        NOTED = "noted", _("noted (not a comment)")

    consultation = models.ForeignKey(
        ConsultationPeriod,
        on_delete=models.PROTECT,
        related_name="comments",
        verbose_name=_("public consultation"),
    )
    number = models.PositiveIntegerField(_("running number"))
    receipt_number = models.CharField(_("receipt number"), max_length=32)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    is_late = models.BooleanField(_("received after the deadline"), default=False)
    submitter_name = models.CharField(_("name of the submitter"), max_length=200, blank=True)
    submitter_email = models.EmailField(_("e-mail of the submitter"), blank=True)
    submitter_organization = models.CharField(_("organisation"), max_length=300, blank=True)
    consents_to_processing = models.BooleanField(
        _("consent to the processing of personal data"), default=False
    )
    consents_to_public_name = models.BooleanField(
        _("consent to being named in the published settlement"), default=False
    )
    target_priority = models.ForeignKey(
        "documents.Priority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("priority"),
    )
    target_measure = models.ForeignKey(
        "documents.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("measure"),
    )
    target_activity = models.ForeignKey(
        "documents.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activity"),
    )
    target_text = models.CharField(_("chapter, page or section"), max_length=300, blank=True)
    text = models.TextField(_("comment"))
    proposed_change = models.TextField(_("proposed change"), blank=True)
    idempotency_token = models.UUIDField(_("submission token"), null=True, blank=True)
    ip_hash = models.CharField(_("client address (hashed)"), max_length=64, blank=True)
    confirmation_sent_at = models.DateTimeField(_("receipt e-mail sent at"), null=True, blank=True)

    comment_type = models.CharField(_("type"), max_length=12, choices=Type.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    change_reference = models.TextField(_("how the change was made"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settled by"),
    )
    decided_by_id_snapshot = models.BigIntegerField(
        _("settled by (user id)"), null=True, blank=True
    )
    decided_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    steering_decision = models.ForeignKey(
        "workflow.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_comments",
        verbose_name=_("steering-group decision"),
    )
    pseudonym = models.CharField(_("public label"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="comment_number_unique"
            ),
            models.UniqueConstraint(
                fields=["consultation", "receipt_number"], name="comment_receipt_unique"
            ),
            models.UniqueConstraint(
                fields=["consultation", "idempotency_token"],
                condition=Q(idempotency_token__isnull=False),
                name="comment_submitted_once",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="comment_has_text"),
            models.CheckConstraint(
                condition=Q(decision="") | (~Q(comment_type="") & Q(decided_at__isnull=False)),
                name="comment_decision_has_type_and_time",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["", "accepted"]) | ~Q(justification=""),
                name="comment_decision_justified",
            ),
            models.CheckConstraint(
                condition=~Q(channel="web") | Q(consents_to_processing=True),
                name="comment_web_has_consent",
            ),
        ]
        indexes = [models.Index(fields=["consultation", "decision"], name="comment_decision_idx")]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def is_settled(self) -> bool:
        return bool(self.decision)

    @property
    def target_label(self) -> str:
        node = self.target_activity or self.target_measure or self.target_priority
        parts = []
        if node is not None:
            parts.append(f"{node.number} {node.title}".strip())
        if self.target_text:
            parts.append(self.target_text)
        return " – ".join(parts)


class ConsultationNotice(models.Model):
    """A reminder or digest that was sent; the unique key makes each one go out once."""

    class Kind(models.TextChoices):
        CLOSING_SOON = "closing_soon", _("closing soon")
        CLOSED = "closed", _("closed")
        DIGEST = "digest", _("daily digest of new comments")

    consultation = models.ForeignKey(
        ConsultationPeriod,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("public consultation"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    period_key = models.CharField(
        _("period"), max_length=32, help_text=_("The closing time or the digest day it covers.")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)
    items = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("consultation notice")
        verbose_name_plural = _("consultation notices")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "kind", "period_key"], name="consultation_notice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation}: {self.get_kind_display()} {self.period_key}"


class NewsItem(models.Model):
    """A short public announcement on the process's public page."""

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        related_name="news_items",
        verbose_name=_("planning process"),
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
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
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["process", "-published_at"]
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="news_item_has_title")]

    def __str__(self) -> str:
        return self.title
