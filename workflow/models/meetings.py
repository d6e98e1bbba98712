"""Meetings with agendas and attendance, and the resolutions of council bodies.

* ``Meeting`` (a body's meeting or a public hearing) with ``AgendaItem`` rows and per-person
  ``Attendance``; its state: planned → invited → held → minutes approved → minutes published.
* ``Resolution`` (usnesení) with its ``ResolutionPoint`` rows; its number comes from the body's
  ``ResolutionNumbering`` pattern and a ``ResolutionCounter`` row locked while a number is taken.
* ``ApprovalChain`` / ``ApprovalChainLink``: the ordered bodies that must adopt the plan.
* ``CalendarFeedToken``: a secret, rotatable address of an iCalendar feed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField
from django_fsm import transition as fsm_transition
from simple_history.models import HistoricalRecords

from stakeholders.models import Membership

__all__ = [
    "AgendaItem",
    "ApprovalChain",
    "ApprovalChainLink",
    "Attendance",
    "CalendarFeedToken",
    "Meeting",
    "Resolution",
    "ResolutionCounter",
    "ResolutionNumbering",
    "ResolutionPoint",
]


class Meeting(ConcurrentTransitionMixin, models.Model):
    """A meeting of a body, or a public hearing of a process."""

    class Kind(models.TextChoices):
        BODY_MEETING = "body_meeting", _("meeting of a body")
        PUBLIC_HEARING = "public_hearing", _("public hearing")

    class State(models.TextChoices):
        PLANNED = "planned", _("planned")
        INVITED = "invited", _("invitations sent")
        HELD = "held", _("held")
        MINUTES_APPROVED = "minutes_approved", _("minutes approved")
        MINUTES_PUBLISHED = "minutes_published", _("minutes published")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    body = models.ForeignKey(
        "stakeholders.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("body"),
    )
    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("planning process"),
    )
    title = models.CharField(_("title"), max_length=300)
    session_number = models.PositiveIntegerField(
        _("session number"),
        null=True,
        blank=True,
        help_text=_("The running number of the body's session, e.g. 24 for the 24th session."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    state = FSMField(_("state"), default=State.PLANNED, choices=State.choices, protected=True)
    invited_at = models.DateTimeField(_("invitations sent at"), null=True, blank=True)
    invitation_was_late = models.BooleanField(_("invitation sent late"), default=False)
    late_warning_sent_at = models.DateTimeField(
        _("late-invitation warning sent at"), null=True, blank=True
    )
    held_at = models.DateTimeField(_("recorded as held at"), null=True, blank=True)
    minutes_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes (full version)"),
    )
    published_minutes_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes (published version)"),
    )
    minutes_approved_at = models.DateTimeField(_("minutes approved at"), null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_minutes_of",
        verbose_name=_("minutes approved at the meeting"),
        help_text=_("Empty when the minutes were approved per rollam."),
    )
    attendance_scan = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed attendance list (scan)"),
    )
    minutes_verifiers = models.ManyToManyField(
        "stakeholders.Person",
        blank=True,
        related_name="verified_minutes",
        verbose_name=_("minutes verifiers"),
        help_text=_(
            "The people who verify and sign the minutes, usually two members present at the "
            "meeting (§ 95 of Act No. 128/2000 Coll.)."
        ),
    )
    minutes_document = models.OneToOneField(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_minutes",
        verbose_name=_("minutes for members (document)"),
    )
    published_minutes_document = models.OneToOneField(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_published_minutes",
        verbose_name=_("minutes for publication (document)"),
        help_text=_("The minutes without the names of private persons."),
    )
    attendance_document = models.OneToOneField(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendance_list",
        verbose_name=_("attendance list (document)"),
        help_text=_("The list printed for signing and the scan of the signed list."),
    )
    ical_uid = models.UUIDField(_("calendar identifier"), default=uuid.uuid4, unique=True)
    ical_sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(m2m_fields=[minutes_verifiers])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(body__isnull=False) | Q(process__isnull=False),
                name="meeting_has_body_or_process",
            ),
            models.CheckConstraint(
                condition=~Q(kind="body_meeting") | Q(body__isnull=False),
                name="meeting_of_body_names_body",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(minutes_document__isnull=True)
                | Q(published_minutes_document__isnull=True)
                | ~Q(minutes_document=models.F("published_minutes_document")),
                name="meeting_minutes_documents_differ",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%d. %m. %Y})"

    def clean(self) -> None:
        if self.ends_at and self.starts_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("A meeting cannot end before it starts.")})
        if self.kind == self.Kind.BODY_MEETING and not self.body_id:
            raise ValidationError({"body": _("Say which body meets.")})

    @fsm_transition(field=state, source=[State.PLANNED, State.INVITED], target=State.INVITED)
    def invite(self) -> None:
        pass

    @fsm_transition(field=state, source=[State.PLANNED, State.INVITED], target=State.HELD)
    def hold(self) -> None:
        pass

    @fsm_transition(field=state, source=State.HELD, target=State.MINUTES_APPROVED)
    def approve_minutes(self) -> None:
        pass

    @fsm_transition(field=state, source=State.MINUTES_APPROVED, target=State.MINUTES_PUBLISHED)
    def publish_minutes(self) -> None:
        pass

    @fsm_transition(field=state, source=[State.PLANNED, State.INVITED], target=State.CANCELLED)
    def cancel(self) -> None:
        pass


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=300)
    presenter = models.CharField(_("presented by"), max_length=200, blank=True)
    discussion = models.TextField(_("discussion"), blank=True)
    decision = models.ForeignKey(
        "workflow.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("decision"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="agenda_item_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Attendance(models.Model):
    """One line of the attendance list: a person (member or not) or a guest by name."""

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        EXCUSED = "excused", _("excused")
        ABSENT = "absent", _("absent")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("meeting")
    )
    person = models.ForeignKey(
        "stakeholders.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("person"),
    )
    membership = models.ForeignKey(
        "stakeholders.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("membership at the time"),
    )
    guest_name = models.CharField(_("guest's name"), max_length=200, blank=True)
    guest_organization = models.CharField(_("guest's organisation"), max_length=300, blank=True)
    status = models.CharField(
        _("attendance"), max_length=8, choices=Status.choices, default=Status.PRESENT
    )
    triad_side = models.CharField(
        _("triad side at the time"),
        max_length=16,
        choices=Membership.TriadSide.choices,
        blank=True,
    )
    target_group = models.ForeignKey(
        "stakeholders.TargetGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target group at the time"),
    )
    is_voting_member = models.BooleanField(_("voting member at the time"), default=False)
    is_signed = models.BooleanField(_("signed the list"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(guest_name=""))
                | (Q(person__isnull=True) & ~Q(guest_name="")),
                name="attendance_person_xor_guest",
            ),
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="attendance_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}: {self.get_status_display()}"

    @property
    def is_guest(self) -> bool:
        return self.person_id is None

    @property
    def display_name(self) -> str:
        return self.person.full_name if self.person_id else self.guest_name


class ResolutionNumbering(models.Model):
    """How a body numbers its resolutions: a pattern and when the sequence restarts.

    Pattern fields: ``{seq}`` (required), ``{session}``, ``{year}``, ``{item}`` (agenda item).
    E.g. ``{seq}/{session}/ZM/{year}`` → 717/24/ZM/2014; ``{session}-{seq}z/{year}`` → 3-8z/2008.
    """

    class Scope(models.TextChoices):
        YEAR = "year", _("per calendar year")
        SESSION = "session", _("per session")
        CONTINUOUS = "continuous", _("continuous")

    body = models.OneToOneField(
        "stakeholders.Body",
        on_delete=models.CASCADE,
        related_name="resolution_numbering",
        verbose_name=_("body"),
    )
    pattern = models.CharField(_("number pattern"), max_length=100, default="{seq}/{year}")
    scope = models.CharField(
        _("sequence restarts"), max_length=12, choices=Scope.choices, default=Scope.YEAR
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resolution numbering")
        verbose_name_plural = _("resolution numberings")

    def __str__(self) -> str:
        return f"{self.body}: {self.pattern}"


class ResolutionCounter(models.Model):
    """The last number taken in one sequence of a body; locked while a number is allocated."""

    body = models.ForeignKey(
        "stakeholders.Body",
        on_delete=models.CASCADE,
        related_name="resolution_counters",
        verbose_name=_("body"),
    )
    key = models.CharField(_("sequence"), max_length=32, help_text=_("E.g. y2014, s24 or all."))
    last_seq = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("resolution counter")
        verbose_name_plural = _("resolution counters")
        constraints = [
            models.UniqueConstraint(fields=["body", "key"], name="resolution_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.key}: {self.last_seq}"


class Resolution(models.Model):
    """A resolution (usnesení) of a body, as recorded by its secretary."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _("adopted")
        REJECTED = "rejected", _("not adopted")
        NO_QUORUM = "no_quorum", _("not quorate")

    class DocumentAction(models.TextChoices):
        NONE = "", _("no document")
        RECOMMEND = "recommend", _("recommends the document")
        APPROVE = "approve", _("approves the document")
        RETURN = "return", _("returns the document for revision")
        REJECT = "reject", _("rejects the document")

    body = models.ForeignKey(
        "stakeholders.Body",
        on_delete=models.PROTECT,
        related_name="resolutions",
        verbose_name=_("body"),
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("meeting"),
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("agenda item"),
    )
    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("planning process"),
    )
    number = models.CharField(_("number"), max_length=60)
    seq = models.PositiveIntegerField(_("running number"), null=True, blank=True)
    sequence_key = models.CharField(_("sequence"), max_length=32, blank=True)
    is_manual_number = models.BooleanField(_("number entered by hand"), default=False)
    session = models.PositiveIntegerField(_("session"), null=True, blank=True)
    adopted_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=300)
    submitted_by = models.CharField(_("submitted by"), max_length=200, blank=True)
    prepared_by = models.CharField(_("prepared by"), max_length=200, blank=True)
    explanatory_report = models.TextField(_("explanatory report"), blank=True)
    members_total = models.PositiveSmallIntegerField(_("members in total"))
    present = models.PositiveSmallIntegerField(_("present"))
    votes_for = models.PositiveSmallIntegerField(_("for"))
    votes_against = models.PositiveSmallIntegerField(_("against"))
    votes_abstained = models.PositiveSmallIntegerField(_("abstained"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    document_action = models.CharField(
        _("effect on the document"),
        max_length=12,
        choices=DocumentAction.choices,
        blank=True,
        default="",
    )
    document_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("document version"),
    )
    document_sha256 = models.CharField(_("SHA-256 of the document"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_by_id_snapshot = models.BigIntegerField(_("recorded by (user id)"), null=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-adopted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="resolution_number_unique"),
            models.UniqueConstraint(
                fields=["body", "sequence_key", "seq"],
                condition=Q(seq__isnull=False),
                name="resolution_seq_unique",
            ),
            models.CheckConstraint(condition=~Q(number=""), name="resolution_has_number"),
            models.CheckConstraint(
                condition=Q(document_action="")
                | (Q(document_version__isnull=False) & ~Q(document_sha256="")),
                name="resolution_document_action_names_version",
            ),
            models.CheckConstraint(
                condition=Q(present__lte=models.F("members_total"))
                & Q(
                    present__gte=models.F("votes_for")
                    + models.F("votes_against")
                    + models.F("votes_abstained")
                ),
                name="resolution_votes_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_adopted(self) -> bool:
        return self.outcome == self.Outcome.ADOPTED


class ResolutionPoint(models.Model):
    """One verb-led point of a resolution; those with a deadline are tracked until fulfilled."""

    class Verb(models.TextChoices):
        APPROVES = "approves", _("approves")
        TAKES_NOTE = "takes_note", _("takes note of")
        RECOMMENDS = "recommends", _("recommends")
        INSTRUCTS = "instructs", _("instructs")
        REVOKES = "revokes", _("revokes")
        REJECTS = "rejects", _("does not approve")
        AUTHORISES = "authorises", _("authorises")
        APPOINTS = "appoints", _("appoints")

    class Status(models.TextChoices):
        ADOPTED = "adopted", _("adopted")
        IN_PROGRESS = "in_progress", _("in progress")
        FULFILLED = "fulfilled", _("fulfilled")
        REVOKED = "revoked", _("revoked")

    OPEN_STATUSES = frozenset({Status.ADOPTED, Status.IN_PROGRESS})

    resolution = models.ForeignKey(
        Resolution, on_delete=models.CASCADE, related_name="points", verbose_name=_("resolution")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    verb = models.CharField(_("verb"), max_length=12, choices=Verb.choices)
    text = models.TextField(_("text"))
    responsible = models.ForeignKey(
        "stakeholders.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolution_points",
        verbose_name=_("responsible person"),
    )
    responsible_label = models.CharField(
        _("responsible (function or department)"), max_length=200, blank=True
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("fulfilment"), max_length=12, choices=Status.choices, default=Status.ADOPTED
    )
    fulfilled_on = models.DateField(_("fulfilled on"), null=True, blank=True)
    overdue_reminded_on = models.DateField(_("overdue reminder sent on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resolution point")
        verbose_name_plural = _("resolution points")
        ordering = ["resolution", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "order"], name="resolution_point_order_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="fulfilled") | Q(fulfilled_on__isnull=False),
                name="resolution_point_fulfilled_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_verb_display()} {self.text[:60]}"

    def is_overdue(self, today) -> bool:  # type: ignore[no-untyped-def]
        return bool(self.deadline and self.status in self.OPEN_STATUSES and self.deadline < today)


class ApprovalChain(models.Model):
    """The ordered bodies that must adopt the plan: for a territory, or one process's own."""

    territory = models.ForeignKey(
        "stakeholders.Territory",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approval_chains",
        verbose_name=_("territory"),
    )
    process = models.OneToOneField(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approval_chain",
        verbose_name=_("planning process"),
        help_text=_("A chain for one process overrides the territory's chain."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")
        constraints = [
            models.CheckConstraint(
                condition=Q(territory__isnull=False, process__isnull=True)
                | Q(territory__isnull=True, process__isnull=False),
                name="approval_chain_territory_xor_process",
            ),
            models.UniqueConstraint(
                fields=["territory"],
                condition=Q(territory__isnull=False),
                name="approval_chain_one_per_territory",
            ),
        ]

    def __str__(self) -> str:
        return str(self.process or self.territory)


class ApprovalChainLink(models.Model):
    """One body of the chain and what it does with the plan; the last link approves."""

    chain = models.ForeignKey(
        ApprovalChain, on_delete=models.CASCADE, related_name="links", verbose_name=_("chain")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    body = models.ForeignKey(
        "stakeholders.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("body"),
    )
    body_kind = models.CharField(
        _("kind of body"),
        max_length=20,
        blank=True,
        help_text=_(
            "For a territory's chain: the process's body of this kind (e.g. its steering group)."
        ),
    )
    action = models.CharField(
        _("action"),
        max_length=12,
        choices=[
            (Resolution.DocumentAction.RECOMMEND, _("recommends")),
            (Resolution.DocumentAction.APPROVE, _("approves")),
        ],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval chain link")
        verbose_name_plural = _("approval chain links")
        ordering = ["chain", "order"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "order"], name="approval_link_order_unique"),
            models.CheckConstraint(
                condition=(Q(body__isnull=False) & Q(body_kind=""))
                | (Q(body__isnull=True) & ~Q(body_kind="")),
                name="approval_link_body_xor_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.body or self.body_kind}: {self.action}"


class CalendarFeedToken(models.Model):
    """The secret part of an iCalendar feed address; only its hash is stored.

    A feed belongs to a user: of one process (``process`` set) or of everything the user takes
    part in. Rotating revokes the old address and issues a new one.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed_tokens",
        verbose_name=_("user"),
    )
    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed_tokens",
        verbose_name=_("planning process"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed address")
        verbose_name_plural = _("calendar feed addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "process"],
                condition=Q(revoked_at__isnull=True, process__isnull=False),
                name="calendar_feed_one_active_per_process",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True, process__isnull=True),
                name="calendar_feed_one_active_personal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.process_id or '*'}"
