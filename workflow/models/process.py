"""The planning process and its stage machine, decisions and votes, deadlines, guard rules."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField
from django_fsm import transition as fsm_transition
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


FORWARD_STAGES = (
    Stage.PREPARATION,
    Stage.MAPPING,
    Stage.WORKING_GROUPS,
    Stage.PUBLIC_CONSULTATION,
    Stage.COUNCIL_APPROVAL,
    Stage.IMPLEMENTATION,
    Stage.CLOSED,
)
CANCELLABLE_STAGES = FORWARD_STAGES[:5]


class Transition(models.TextChoices):
    """The allowed stage changes, each routed through ``workflow.services.process_transition``."""

    START_MAPPING = "start_mapping", _("start mapping")
    START_WORKING_GROUPS = "start_working_groups", _("hand over to the working groups")
    OPEN_CONSULTATION = "open_consultation", _("open the public consultation")
    SUBMIT_TO_COUNCIL = "submit_to_council", _("submit to the council bodies")
    START_IMPLEMENTATION = "start_implementation", _("start implementation")
    CLOSE = "close", _("close the cycle")
    REVISE = "revise", _("return for revision after the consultation")
    RETURN = "return", _("return from the council to the working groups")
    CANCEL = "cancel", _("cancel the process")


# transition → (sources, target). The FSM methods below carry the same table for django-fsm.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    Transition.START_MAPPING: ((Stage.PREPARATION,), Stage.MAPPING),
    Transition.START_WORKING_GROUPS: ((Stage.MAPPING,), Stage.WORKING_GROUPS),
    Transition.OPEN_CONSULTATION: ((Stage.WORKING_GROUPS,), Stage.PUBLIC_CONSULTATION),
    Transition.SUBMIT_TO_COUNCIL: ((Stage.PUBLIC_CONSULTATION,), Stage.COUNCIL_APPROVAL),
    Transition.START_IMPLEMENTATION: ((Stage.COUNCIL_APPROVAL,), Stage.IMPLEMENTATION),
    Transition.CLOSE: ((Stage.IMPLEMENTATION,), Stage.CLOSED),
    Transition.REVISE: ((Stage.PUBLIC_CONSULTATION,), Stage.WORKING_GROUPS),
    Transition.RETURN: ((Stage.COUNCIL_APPROVAL,), Stage.WORKING_GROUPS),
    Transition.CANCEL: (tuple(CANCELLABLE_STAGES), Stage.CANCELLED),
}


class PlanningProcess(ConcurrentTransitionMixin, models.Model):
    """One planning cycle of a territory: a medium-term plan (SPRSS) for a period of years.

    ``stage`` is protected: only the transition methods change it, and only
    ``workflow.services.process_transition`` calls them.
    """

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
    previous_evaluation = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluation of the previous cycle"),
        help_text=_("The last approved evaluation of the cycle this one was started from."),
    )
    stage = FSMField(_("stage"), default=Stage.PREPARATION, choices=Stage.choices, protected=True)
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

    # The transition methods change the stage only; guards, decisions, permissions, records and
    # notifications live in workflow.services.process_transition.

    @fsm_transition(field=stage, source=Stage.PREPARATION, target=Stage.MAPPING)
    def start_mapping(self) -> None:
        pass

    @fsm_transition(field=stage, source=Stage.MAPPING, target=Stage.WORKING_GROUPS)
    def start_working_groups(self) -> None:
        pass

    @fsm_transition(field=stage, source=Stage.WORKING_GROUPS, target=Stage.PUBLIC_CONSULTATION)
    def open_consultation(self) -> None:
        pass

    @fsm_transition(field=stage, source=Stage.PUBLIC_CONSULTATION, target=Stage.COUNCIL_APPROVAL)
    def submit_to_council(self) -> None:
        pass

    @fsm_transition(field=stage, source=Stage.COUNCIL_APPROVAL, target=Stage.IMPLEMENTATION)
    def start_implementation(self) -> None:
        pass

    @fsm_transition(field=stage, source=Stage.IMPLEMENTATION, target=Stage.CLOSED)
    def close(self) -> None:
        pass

    @fsm_transition(field=stage, source=Stage.PUBLIC_CONSULTATION, target=Stage.WORKING_GROUPS)
    def revise(self) -> None:
        pass

    @fsm_transition(field=stage, source=Stage.COUNCIL_APPROVAL, target=Stage.WORKING_GROUPS)
    def return_to_working_groups(self) -> None:
        pass

    @fsm_transition(field=stage, source=list(CANCELLABLE_STAGES), target=Stage.CANCELLED)
    def cancel(self) -> None:
        pass

    TRANSITION_METHODS = {
        Transition.START_MAPPING: "start_mapping",
        Transition.START_WORKING_GROUPS: "start_working_groups",
        Transition.OPEN_CONSULTATION: "open_consultation",
        Transition.SUBMIT_TO_COUNCIL: "submit_to_council",
        Transition.START_IMPLEMENTATION: "start_implementation",
        Transition.CLOSE: "close",
        Transition.REVISE: "revise",
        Transition.RETURN: "return_to_working_groups",
        Transition.CANCEL: "cancel",
    }


class StageTransition(models.Model):
    """The record of one stage change: who, when, why, and the decision that allowed it."""

    process = models.ForeignKey(
        PlanningProcess,
        on_delete=models.PROTECT,
        related_name="transitions",
        verbose_name=_("planning process"),
    )
    transition = models.CharField(_("transition"), max_length=32, choices=Transition.choices)
    from_stage = models.CharField(_("from stage"), max_length=32, choices=Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=32, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("performed by"),
    )
    actor_id_snapshot = models.BigIntegerField(
        _("performed by (user id)"), help_text=_("Kept even if the user account is deleted.")
    )
    performed_at = models.DateTimeField(_("performed at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    notified_at = models.DateTimeField(_("notification sent"), null=True, blank=True)
    decision = models.OneToOneField(
        "Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorised_transition",
        verbose_name=_("authorising decision"),
    )
    resolution = models.ForeignKey(
        "Resolution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorised_transitions",
        verbose_name=_("authorising resolution"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        ordering = ["process", "performed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="stage_transition_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.process}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


class Decision(ConcurrentTransitionMixin, models.Model):
    """A decision of a body (normally the steering group) on a subject, at a meeting or per rollam.

    Votes are cast by current voting members only; ``decision_close`` evaluates quorum and
    majority from the body's rules and fixes the tally. A decision that missed quorum or majority
    authorises nothing.
    """

    class Subject(models.TextChoices):
        STAGE_TRANSITION = "stage_transition", _("stage transition")
        DOCUMENT_VERSION = "document_version", _("document version")
        OTHER = "other", _("other matter")

    class Mode(models.TextChoices):
        MEETING = "meeting", _("at a meeting")
        PER_ROLLAM = "per_rollam", _("per rollam")

    class Status(models.TextChoices):
        OPEN = "open", _("voting open")
        ADOPTED = "adopted", _("adopted")
        REJECTED = "rejected", _("not adopted")
        NO_QUORUM = "no_quorum", _("not quorate")
        WITHDRAWN = "withdrawn", _("withdrawn")

    process = models.ForeignKey(
        PlanningProcess,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("planning process"),
    )
    body = models.ForeignKey(
        "stakeholders.Body",
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("body"),
    )
    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    transition = models.CharField(
        _("transition"), max_length=32, choices=Transition.choices, blank=True
    )
    document_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("document version"),
    )
    title = models.CharField(_("title"), max_length=300)
    proposal = models.TextField(_("proposed wording"), blank=True)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("voting closes at"), null=True, blank=True)
    present = models.ManyToManyField(
        "stakeholders.Membership",
        blank=True,
        related_name="decisions_present_at",
        verbose_name=_("members present"),
    )
    status = FSMField(_("status"), default=Status.OPEN, choices=Status.choices, protected=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    members_total = models.PositiveSmallIntegerField(_("members in total"), null=True, blank=True)
    present_count = models.PositiveSmallIntegerField(_("present"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("against"), null=True, blank=True)
    votes_abstained = models.PositiveSmallIntegerField(_("abstained"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(m2m_fields=[present])

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject="stage_transition") | ~Q(transition=""),
                name="decision_transition_subject_names_transition",
            ),
            models.CheckConstraint(
                condition=~Q(subject="document_version") | Q(document_version__isnull=False),
                name="decision_document_subject_names_version",
            ),
            models.CheckConstraint(
                condition=~Q(mode="per_rollam") | Q(voting_closes_at__isnull=False),
                name="decision_per_rollam_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_adopted(self) -> bool:
        return self.status == self.Status.ADOPTED

    @fsm_transition(field=status, source=Status.OPEN, target=Status.ADOPTED)
    def adopt(self) -> None:
        pass

    @fsm_transition(field=status, source=Status.OPEN, target=Status.REJECTED)
    def reject(self) -> None:
        pass

    @fsm_transition(field=status, source=Status.OPEN, target=Status.NO_QUORUM)
    def fail_quorum(self) -> None:
        pass

    @fsm_transition(field=status, source=Status.OPEN, target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        pass


class Vote(models.Model):
    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstained")

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="votes", verbose_name=_("decision")
    )
    membership = models.ForeignKey(
        "stakeholders.Membership",
        on_delete=models.PROTECT,
        related_name="votes",
        verbose_name=_("member"),
    )
    choice = models.CharField(_("vote"), max_length=8, choices=Choice.choices)
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["decision", "membership"], name="vote_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.membership.person}: {self.get_choice_display()}"


class StageDeadline(models.Model):
    """The planned end of a stage of a process."""

    process = models.ForeignKey(
        PlanningProcess,
        on_delete=models.CASCADE,
        related_name="stage_deadlines",
        verbose_name=_("planning process"),
    )
    stage = models.CharField(_("stage"), max_length=32, choices=Stage.choices)
    due_on = models.DateField(_("planned end"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage deadline")
        verbose_name_plural = _("stage deadlines")
        ordering = ["process", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["process", "stage"], name="stage_deadline_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.process}: {self.get_stage_display()} do {self.due_on:%d. %m. %Y}"


class DeadlineNotice(models.Model):
    """A reminder that was sent, so that each threshold is announced once and never twice."""

    class Threshold(models.TextChoices):
        DUE_IN_14 = "due_in_14", _("14 days before")
        DUE_IN_7 = "due_in_7", _("7 days before")
        DUE_IN_1 = "due_in_1", _("1 day before")
        OVERDUE = "overdue", _("overdue")

    deadline = models.ForeignKey(
        StageDeadline,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("stage deadline"),
    )
    threshold = models.CharField(_("threshold"), max_length=12, choices=Threshold.choices)
    due_on = models.DateField(_("planned end when sent"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("deadline notice")
        verbose_name_plural = _("deadline notices")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "threshold", "due_on"], name="deadline_notice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deadline}: {self.get_threshold_display()}"


class GuardRule(models.Model):
    """A guard rule added to a transition, installation-wide or for one territory.

    The rules every installation applies are in ``workflow.guards.DEFAULT_RULES``; rows here
    add rules or tighten their parameters (e.g. a longer consultation). They cannot remove one.
    """

    territory = models.ForeignKey(
        "stakeholders.Territory",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="guard_rules",
        verbose_name=_("territory"),
        help_text=_("Empty: applies to every territory."),
    )
    transition = models.CharField(_("transition"), max_length=32, choices=Transition.choices)
    rule = models.CharField(_("rule"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("guard rule")
        verbose_name_plural = _("guard rules")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "transition", "rule"],
                condition=Q(territory__isnull=False),
                name="guard_rule_unique_per_territory",
            ),
            models.UniqueConstraint(
                fields=["transition", "rule"],
                condition=Q(territory__isnull=True),
                name="guard_rule_unique_installation_wide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_transition_display()}: {self.rule}"


class PlanningProcessUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user rows for processes, with a real foreign key (cascade on delete)."""

    content_object = models.ForeignKey(PlanningProcess, on_delete=models.CASCADE)


class PlanningProcessGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(PlanningProcess, on_delete=models.CASCADE)
