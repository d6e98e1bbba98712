"""Serializers of the workflow API: output (read-only) and input (parse only; services decide)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from audit.models import AuditEvent
from config.api import (
    MAX_YEAR,
    MIN_YEAR,
    BoundedDateField,
    BoundedDateTimeField,
    OutputSerializer,
    ReasonField,
    UnmetConditionSerializer,
    id_field,
)
from documents.models import Document as DocumentModel
from documents.models.plan import (
    Activity,
    DocumentKind,
    Measure,
    Priority,
    ProjectPipelineItem,
)
from documents.serializers import VersionSerializer as DocumentVersionOutputSerializer
from stakeholders.models import Body
from stakeholders.serializers import BodyRulesSerializer
from workflow.models import (
    AgendaItem,
    Attendance,
    Comment,
    ConsultationPeriod,
    Decision,
    Meeting,
    NewsItem,
    PlanningProcess,
    Resolution,
    ResolutionPoint,
    Stage,
    StageDeadline,
    StageTransition,
    Transition,
    Vote,
)

YEAR = {"min_value": MIN_YEAR, "max_value": MAX_YEAR}
SMALL = {"min_value": 0, "max_value": 32767}

# --- processes ----------------------------------------------------------------------------------


class ProcessSerializer(OutputSerializer):
    territory_name = serializers.CharField(source="territory.name", read_only=True)
    esf_registration_number = serializers.SerializerMethodField()

    class Meta:
        model = PlanningProcess
        fields = [
            "id",
            "territory",
            "territory_name",
            "title",
            "period_start_year",
            "period_end_year",
            "stage",
            "esf_project",
            "esf_registration_number",
            "coordinator_organization",
            "previous_process",
            "created_at",
        ]
        read_only_fields = fields

    def get_esf_registration_number(self, process: PlanningProcess) -> str:
        return process.esf_project.registration_number if process.esf_project_id else ""


class AvailableTransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=Transition.choices)
    label = serializers.CharField()
    target = serializers.ChoiceField(choices=Stage.choices)
    target_label = serializers.CharField()
    is_permitted = serializers.BooleanField(help_text="You may take this step.")
    is_ready = serializers.BooleanField(help_text="Permitted and nothing blocks it.")
    decision = serializers.IntegerField(
        source="decision_id",
        allow_null=True,
        help_text="The adopted steering-group decision that would authorise the step.",
    )
    unmet = UnmetConditionSerializer(many=True, help_text="Every condition still unmet.")


class StageTransitionSerializer(OutputSerializer):
    class Meta:
        model = StageTransition
        fields = [
            "id",
            "process",
            "transition",
            "from_stage",
            "to_stage",
            "actor",
            "performed_at",
            "reason",
            "decision",
            "resolution",
        ]
        read_only_fields = fields


class StageDeadlineSerializer(OutputSerializer):
    class Meta:
        model = StageDeadline
        fields = ["id", "process", "stage", "due_on"]
        read_only_fields = fields


class ProcessCreateSerializer(serializers.Serializer):
    territory = id_field()
    title = serializers.CharField(max_length=300)
    period_start_year = serializers.IntegerField(**YEAR)
    period_end_year = serializers.IntegerField(**YEAR)
    esf_project = id_field(required=False, allow_null=True, default=None)
    coordinator_organization = id_field(required=False, allow_null=True, default=None)
    reason = ReasonField()


class TransitionRequestSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=Transition.choices)
    reason = serializers.CharField(max_length=2000, help_text="Why: recorded with the step.")
    decision = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="The adopted steering-group decision on this step.",
    )
    resolution = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="For start_implementation and return: the council resolution.",
    )
    expected_stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The stage you saw; if the process has moved on meanwhile, 409 conflict.",
    )


class DeadlineSetSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    due_on = BoundedDateField()
    reason = ReasonField()


class NextCycleSerializer(serializers.Serializer):
    period_start_year = serializers.IntegerField(**YEAR)
    period_end_year = serializers.IntegerField(**YEAR)
    title = serializers.CharField(max_length=300, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=2000)


PROCESS_BODY_KINDS = [(kind.value, kind.label) for kind in Body.Kind if kind in Body.PROCESS_KINDS]


class ProcessBodyCreateSerializer(BodyRulesSerializer):
    kind = serializers.ChoiceField(choices=PROCESS_BODY_KINDS)
    name = serializers.CharField(max_length=200)
    target_group = id_field(required=False, allow_null=True, default=None)
    reason = ReasonField()


class ProcessFilterSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    territory = id_field(required=False)


# --- documents of a process ---------------------------------------------------------------------


class DocumentCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentModel.Kind.choices)
    title = serializers.CharField(max_length=300)
    working_group = id_field(required=False, allow_null=True, default=None)
    reason = ReasonField()


class GenerationRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    data = serializers.DictField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Plain data for kinds not built from the plan (their contract).",
    )


class VersionDecisionSerializer(serializers.Serializer):
    decision = id_field(help_text="The steering-group decision on this version.")
    reason = ReasonField()


class VersionReturnSerializer(VersionDecisionSerializer):
    reasons = serializers.CharField(
        max_length=10_000, help_text="The steering group's reasons, kept on the version."
    )


# --- decisions and votes ------------------------------------------------------------------------


class DecisionSerializer(OutputSerializer):
    present = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "process",
            "body",
            "subject",
            "transition",
            "document_version",
            "title",
            "proposal",
            "mode",
            "held_at",
            "voting_closes_at",
            "status",
            "closed_at",
            "present",
            "members_total",
            "present_count",
            "votes_for",
            "votes_against",
            "votes_abstained",
            "created_at",
        ]
        read_only_fields = fields


class VoteSerializer(OutputSerializer):
    person_name = serializers.CharField(source="membership.person.full_name", read_only=True)

    class Meta:
        model = Vote
        fields = ["id", "decision", "membership", "person_name", "choice", "cast_at"]
        read_only_fields = fields


class DecisionCreateSerializer(serializers.Serializer):
    body = id_field(help_text="A body of the process (normally its steering group).")
    subject = serializers.ChoiceField(choices=Decision.Subject.choices)
    transition = serializers.ChoiceField(
        choices=Transition.choices, required=False, allow_blank=True, default=""
    )
    document_version = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="With subject document_version: the submitted version decided on.",
    )
    title = serializers.CharField(max_length=300)
    proposal = serializers.CharField(required=False, allow_blank=True, default="")
    mode = serializers.ChoiceField(choices=Decision.Mode.choices)
    held_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    voting_closes_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    reason = ReasonField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["subject"] == Decision.Subject.DOCUMENT_VERSION and not attrs["document_version"]:
            raise serializers.ValidationError(
                {"document_version": [_("Say which document version is decided on.")]}
            )
        return attrs


class PresenceSerializer(serializers.Serializer):
    memberships = serializers.ListField(child=id_field(), max_length=500)
    reason = ReasonField()


class VoteCastSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=Vote.Choice.choices)
    membership = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="At a meeting: the present member whose vote is recorded. Per rollam: empty "
        "(you vote for yourself).",
    )
    reason = ReasonField()


class ReasonOnlySerializer(serializers.Serializer):
    reason = ReasonField()


# --- consultations ------------------------------------------------------------------------------


class ConsultationSerializer(OutputSerializer):
    phase = serializers.ChoiceField(choices=ConsultationPeriod.Phase.choices, read_only=True)

    class Meta:
        model = ConsultationPeriod
        fields = [
            "id",
            "process",
            "document_version",
            "title",
            "opens_at",
            "closes_at",
            "time_zone",
            "min_length_days",
            "hearing_at",
            "accepts_web",
            "accepts_email",
            "accepts_paper",
            "accepts_hearing",
            "contact_email",
            "contact_points",
            "substantive_by_steering_group",
            "status",
            "phase",
            "settled_at",
            "settlement_published_at",
            "settlement_version",
        ]
        read_only_fields = fields


class CommentSerializer(OutputSerializer):
    """A comment of the register with its settlement, as process members see it."""

    class Meta:
        model = Comment
        fields = [
            "id",
            "consultation",
            "number",
            "receipt_number",
            "channel",
            "received_at",
            "entered_at",
            "is_late",
            "submitter_name",
            "submitter_email",
            "submitter_organization",
            "consents_to_processing",
            "consents_to_public_name",
            "target_priority",
            "target_measure",
            "target_activity",
            "target_text",
            "text",
            "proposed_change",
            "comment_type",
            "decision",
            "justification",
            "change_reference",
            "decided_at",
            "steering_decision",
            "pseudonym",
        ]
        read_only_fields = fields


class ConsultationScheduleSerializer(serializers.Serializer):
    document_version = id_field(help_text="A published version of one of the process's documents.")
    title = serializers.CharField(max_length=300)
    opens = BoundedDateField(help_text="From the start of this day (the consultation's zone).")
    closes = BoundedDateField(help_text="Until the end of this day (the consultation's zone).")
    time_zone = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    min_length_days = serializers.IntegerField(
        min_value=0, max_value=3650, required=False, allow_null=True, default=None
    )
    hearing_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    accepts_web = serializers.BooleanField(required=False, default=True)
    accepts_email = serializers.BooleanField(required=False, default=True)
    accepts_paper = serializers.BooleanField(required=False, default=True)
    accepts_hearing = serializers.BooleanField(required=False, default=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_points = serializers.CharField(required=False, allow_blank=True, default="")
    substantive_by_steering_group = serializers.BooleanField(required=False, default=True)
    reason = ReasonField()


class _CommentTarget(serializers.Serializer):
    target_priority = id_field(required=False, allow_null=True, default=None)
    target_measure = id_field(required=False, allow_null=True, default=None)
    target_activity = id_field(required=False, allow_null=True, default=None)
    target_text = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class CommentEnterSerializer(_CommentTarget):
    channel = serializers.ChoiceField(
        choices=[c for c in Comment.Channel.choices if c[0] != Comment.Channel.WEB]
    )
    received = BoundedDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When it arrived (for post, the postmark); or give received_on.",
    )
    received_on = BoundedDateField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    organization = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    text = serializers.CharField(max_length=10_000)
    proposed_change = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, default=""
    )
    consents_to_processing = serializers.BooleanField(required=False, default=False)
    consents_to_public_name = serializers.BooleanField(required=False, default=False)
    reason = ReasonField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("received") is None and attrs.get("received_on") is None:
            raise serializers.ValidationError(
                {"received": [_("Give the time received or the day received.")]}
            )
        return attrs


class CommentSettleSerializer(serializers.Serializer):
    comment_type = serializers.ChoiceField(choices=Comment.Type.choices)
    decision = serializers.ChoiceField(choices=Comment.Decision.choices)
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    change_reference = serializers.CharField(required=False, allow_blank=True, default="")
    steering_decision = id_field(required=False, allow_null=True, default=None)
    reason = ReasonField()


class SettlementPublishSerializer(serializers.Serializer):
    settlement_version = id_field(required=False, allow_null=True, default=None)
    reason = ReasonField()


class CommentFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[("unsettled", "unsettled"), ("settled", "settled")], required=False
    )
    decision = serializers.ChoiceField(choices=Comment.Decision.choices, required=False)
    late = serializers.ChoiceField(
        choices=[("late", "late"), ("on_time", "on time")], required=False
    )
    target = serializers.CharField(max_length=100, required=False)


# --- the public ---------------------------------------------------------------------------------


class TimelineStepSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    label = serializers.CharField()
    reached_at = serializers.DateTimeField(allow_null=True)
    is_current = serializers.BooleanField()
    is_done = serializers.BooleanField()


class PublicDocumentSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="pk")
    document = serializers.IntegerField(source="document_id")
    kind = serializers.CharField(source="document.kind")
    title = serializers.CharField(source="document.title")
    number = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    published_at = serializers.DateTimeField()


class PublicNewsSerializer(serializers.Serializer):
    title = serializers.CharField()
    text = serializers.CharField()
    published_at = serializers.DateTimeField()


class PublicConsultationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    phase = serializers.ChoiceField(choices=ConsultationPeriod.Phase.choices)
    document_version = serializers.IntegerField(source="document_version_id")


class PublicProcessSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    territory_name = serializers.CharField()
    period_start_year = serializers.IntegerField()
    period_end_year = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    timeline = TimelineStepSerializer(many=True)
    documents = PublicDocumentSerializer(many=True)
    news = PublicNewsSerializer(many=True)
    consultations = PublicConsultationSummarySerializer(many=True)


class SettlementRowSerializer(serializers.Serializer):
    receipt_number = serializers.CharField()
    received_at = serializers.DateTimeField()
    submitter = serializers.CharField(help_text="The public label, never a private name.")
    channel = serializers.CharField()
    document_part = serializers.CharField()
    text = serializers.CharField()
    proposed_change = serializers.CharField()
    comment_type = serializers.CharField()
    decision = serializers.CharField()
    justification = serializers.CharField()
    change_reference = serializers.CharField()


class PublicConsultationSerializer(PublicConsultationSummarySerializer):
    accepts_web = serializers.BooleanField()
    contact_email = serializers.CharField()
    contact_points = serializers.CharField()
    hearing_at = serializers.DateTimeField(allow_null=True)
    settlement = SettlementRowSerializer(many=True)


class PublicCommentSerializer(_CommentTarget):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(help_text="The receipt is sent here.")
    organization = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    text = serializers.CharField(max_length=10_000)
    proposed_change = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, default=""
    )
    consents_to_processing = serializers.BooleanField(
        help_text="Consent to the processing of personal data; required."
    )
    consents_to_public_name = serializers.BooleanField(required=False, default=False)
    token = serializers.UUIDField(
        help_text="A fresh UUID per comment: sending the same token again stores nothing new "
        "and returns the first receipt."
    )
    website = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Leave empty."
    )


class PublicCommentReceiptSerializer(serializers.Serializer):
    token = serializers.UUIDField()
    receipt_number = serializers.CharField()
    received_at = serializers.DateTimeField()


# --- meetings, resolutions, calendars -----------------------------------------------------------


class MeetingSerializer(OutputSerializer):
    agenda_count = serializers.IntegerField(read_only=True)
    present_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "body",
            "process",
            "title",
            "session_number",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "state",
            "invited_at",
            "invitation_was_late",
            "held_at",
            "minutes_version",
            "published_minutes_version",
            "minutes_approved_at",
            "agenda_count",
            "present_count",
        ]
        read_only_fields = fields


class AgendaItemSerializer(OutputSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "order", "title", "presenter", "discussion", "decision"]
        read_only_fields = fields


class AgendaItemCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    presenter = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reason = ReasonField()


class AgendaItemEditSerializer(serializers.Serializer):
    """What is given changes; what is left out stays."""

    title = serializers.CharField(max_length=300, required=False)
    presenter = serializers.CharField(max_length=200, required=False, allow_blank=True)
    discussion = serializers.CharField(
        max_length=50_000,
        required=False,
        allow_blank=True,
        help_text="The record of the discussion, for the minutes.",
    )
    reason = ReasonField()


class AgendaItemMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[("up", "up"), ("down", "down")], help_text="One place up or down."
    )
    reason = ReasonField()


class ReasonQuerySerializer(serializers.Serializer):
    reason = ReasonField()


class AttendanceSerializer(OutputSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "meeting",
            "person",
            "name",
            "guest_organization",
            "status",
            "membership",
            "triad_side",
            "target_group",
            "is_voting_member",
            "is_signed",
        ]
        read_only_fields = fields


class MeetingDetailSerializer(MeetingSerializer):
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    attendances = AttendanceSerializer(many=True, read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda_items", "attendances"]
        read_only_fields = fields


class MeetingCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    title = serializers.CharField(max_length=300)
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    body = id_field(required=False, allow_null=True, default=None)
    process = id_field(required=False, allow_null=True, default=None)
    place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    online_url = serializers.URLField(max_length=200, required=False, allow_blank=True, default="")
    session_number = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True, default=None
    )
    agenda = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=100
    )
    reason = ReasonField()


class MeetingEditSerializer(serializers.Serializer):
    """What is given changes; what is left out stays. The kind and the body never change."""

    title = serializers.CharField(max_length=300, required=False)
    starts_at = BoundedDateTimeField(required=False)
    ends_at = BoundedDateTimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=300, required=False, allow_blank=True)
    online_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    session_number = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True
    )
    reason = ReasonField()


class MeetingUpdateResultSerializer(serializers.Serializer):
    meeting = MeetingDetailSerializer()
    needs_new_invitations = serializers.BooleanField(
        help_text="The invitations went out and the time or place changed: send them again."
    )


class MeetingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why: required, kept in the history.")


class AttendanceRecordSerializer(serializers.Serializer):
    person = id_field(required=False, allow_null=True, default=None)
    guest_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    guest_organization = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    status = serializers.ChoiceField(
        choices=Attendance.Status.choices, default=Attendance.Status.PRESENT
    )
    is_signed = serializers.BooleanField(required=False, default=False)
    reason = ReasonField()


class InvitationSerializer(serializers.Serializer):
    meeting = MeetingSerializer()
    recipients = serializers.IntegerField()
    is_late = serializers.BooleanField()
    deadline = serializers.DateTimeField()


class VerifiersSetSerializer(serializers.Serializer):
    verifiers = serializers.ListField(
        child=id_field(),
        max_length=20,
        help_text="People recorded as present at the meeting; the list replaces the previous one.",
    )
    reason = ReasonField()


class VerifiersSerializer(serializers.Serializer):
    verifiers = serializers.ListField(child=serializers.IntegerField(), help_text="Person ids.")
    needed = serializers.IntegerField(help_text="How many verifiers the body's minutes need.")
    conditions = serializers.ListField(
        child=serializers.CharField(),
        help_text="What is still missing as far as the verifiers go (empty when nothing).",
    )


class MinutesVersionsSerializer(serializers.Serializer):
    full = DocumentVersionOutputSerializer(help_text="For members.")
    published = DocumentVersionOutputSerializer(
        help_text="For publication, without private persons' names."
    )


class MinutesApproveSerializer(serializers.Serializer):
    approved_at_meeting = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="The later meeting of the same body that approved them; none: per rollam.",
    )
    reason = ReasonField()


class AttendanceScanUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, use_url=False, help_text="The signed list: PDF, JPEG or PNG."
    )
    reason = ReasonField()


class ResolutionPointSerializer(OutputSerializer):
    class Meta:
        model = ResolutionPoint
        fields = [
            "id",
            "order",
            "verb",
            "text",
            "responsible",
            "responsible_label",
            "deadline",
            "status",
            "fulfilled_on",
        ]
        read_only_fields = fields


class ResolutionSerializer(OutputSerializer):
    points = ResolutionPointSerializer(many=True, read_only=True)

    class Meta:
        model = Resolution
        fields = [
            "id",
            "body",
            "meeting",
            "agenda_item",
            "process",
            "number",
            "session",
            "adopted_on",
            "title",
            "submitted_by",
            "prepared_by",
            "explanatory_report",
            "members_total",
            "present",
            "votes_for",
            "votes_against",
            "votes_abstained",
            "outcome",
            "document_action",
            "document_version",
            "document_sha256",
            "recorded_at",
            "points",
        ]
        read_only_fields = fields


class PointInputSerializer(serializers.Serializer):
    verb = serializers.ChoiceField(choices=ResolutionPoint.Verb.choices)
    text = serializers.CharField(max_length=10_000)
    responsible = id_field(required=False, allow_null=True, default=None)
    responsible_label = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    deadline = BoundedDateField(required=False, allow_null=True, default=None)


class ResolutionCreateSerializer(serializers.Serializer):
    body = id_field(help_text="The body that adopted the resolution.")
    adopted_on = BoundedDateField()
    title = serializers.CharField(max_length=300)
    points = PointInputSerializer(many=True)
    present = serializers.IntegerField(**SMALL)
    votes_for = serializers.IntegerField(**SMALL)
    votes_against = serializers.IntegerField(**SMALL)
    votes_abstained = serializers.IntegerField(**SMALL)
    members_total = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, allow_null=True, default=None
    )
    outcome = serializers.ChoiceField(
        choices=Resolution.Outcome.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The outcome you recorded; refused when the votes do not support it.",
    )
    meeting = id_field(required=False, allow_null=True, default=None)
    agenda_item = id_field(required=False, allow_null=True, default=None)
    process = id_field(required=False, allow_null=True, default=None)
    session = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True, default=None
    )
    number = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="Empty: the next number of the body's pattern.",
    )
    document_version = id_field(required=False, allow_null=True, default=None)
    document_action = serializers.ChoiceField(
        choices=Resolution.DocumentAction.choices, required=False, allow_blank=True, default=""
    )
    submitted_by = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    prepared_by = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    explanatory_report = serializers.CharField(required=False, allow_blank=True, default="")
    reason = ReasonField()


class PointStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ResolutionPoint.Status.choices)
    fulfilled_on = BoundedDateField(required=False, allow_null=True, default=None)
    reason = ReasonField()


class ResolutionFilterSerializer(serializers.Serializer):
    body = id_field(required=False)
    process = id_field(required=False)


class MeetingFilterSerializer(serializers.Serializer):
    process = id_field(required=False)


class CalendarFeedRequestSerializer(serializers.Serializer):
    process = id_field(
        required=False, allow_null=True, default=None, help_text="Empty: all your processes."
    )


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The secret iCalendar address; shown once.")
    process = serializers.IntegerField(allow_null=True)


# --- audit and reports --------------------------------------------------------------------------


class AuditEventSerializer(OutputSerializer):
    """One event of the process's hash-chained audit trail (``audit.models`` documents how to
    recompute ``hash`` from the other fields)."""

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "kind",
            "actor_id",
            "object_type",
            "object_id",
            "payload",
            "occurred_at",
            "prev_hash",
            "hash",
            "format_version",
        ]
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AuditEvent.Kind.choices, required=False)
    actor = id_field(required=False, help_text="Events of this user (id).")
    occurred_from = BoundedDateTimeField(required=False, help_text="From this moment (inclusive).")
    occurred_before = BoundedDateTimeField(required=False, help_text="Before this moment.")


ESF_FORMATS = [("xlsx", "XLSX"), ("csv", "CSV"), ("docx", "DOCX")]


class EsfReportQuerySerializer(serializers.Serializer):
    date_from = BoundedDateField(
        required=False, help_text="The first day of the reporting period (default: the project's)."
    )
    date_to = BoundedDateField(required=False, help_text="The last day of the reporting period.")
    file_format = serializers.ChoiceField(choices=ESF_FORMATS, default="xlsx")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("date_from" in attrs) != ("date_to" in attrs):
            raise serializers.ValidationError(
                {"date_to": [_("Give both days of the period, or neither.")]}
            )
        if "date_from" in attrs and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError(
                {"date_to": [_("The end of the period must not precede its start.")]}
            )
        return attrs


# --- the plan tree ------------------------------------------------------------------------------


class ActivityOutputSerializer(OutputSerializer):
    class Meta:
        model = Activity
        fields = [
            "id",
            "measure",
            "number",
            "title",
            "description",
            "responsible_organization",
            "starts_year",
            "starts_month",
            "ends_year",
            "ends_month",
            "indicators",
            "status",
            "order",
        ]
        read_only_fields = fields


class MeasureOutputSerializer(OutputSerializer):
    class Meta:
        model = Measure
        fields = ["id", "priority", "number", "title", "goal", "indicators", "order"]
        read_only_fields = fields


class MeasureTreeSerializer(MeasureOutputSerializer):
    activities = ActivityOutputSerializer(many=True, read_only=True)

    class Meta(MeasureOutputSerializer.Meta):
        fields = [*MeasureOutputSerializer.Meta.fields, "activities"]
        read_only_fields = fields


class PriorityOutputSerializer(OutputSerializer):
    class Meta:
        model = Priority
        fields = ["id", "number", "title", "description", "working_group", "order"]
        read_only_fields = fields


class PriorityTreeSerializer(PriorityOutputSerializer):
    measures = MeasureTreeSerializer(many=True, read_only=True)

    class Meta(PriorityOutputSerializer.Meta):
        fields = [*PriorityOutputSerializer.Meta.fields, "measures"]
        read_only_fields = fields


class PipelineItemOutputSerializer(OutputSerializer):
    class Meta:
        model = ProjectPipelineItem
        fields = [
            "id",
            "measure",
            "title",
            "description",
            "implementer_organization",
            "implementer_name",
            "budget",
            "support_promised",
            "support_note",
            "status",
            "order",
        ]
        read_only_fields = fields


@extend_schema_serializer(many=False)  # the answer of the plan's "list": one tree
class PlanTreeSerializer(serializers.Serializer):
    vision = serializers.CharField(help_text="The vision of the plan (empty until written).")
    priorities = PriorityTreeSerializer(many=True)
    pipeline = PipelineItemOutputSerializer(many=True)
    can_edit_all = serializers.BooleanField(help_text="You may edit the whole plan.")
    editable_priorities = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The priorities whose part you may edit (a working-group member: their own).",
    )


class VisionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20_000, allow_blank=True)
    reason = ReasonField()


SMALL = {"min_value": 0, "max_value": 32767}


class PriorityInputSerializer(serializers.Serializer):
    """On PATCH, what is given changes; what is left out stays."""

    title = serializers.CharField(max_length=300)
    number = serializers.CharField(
        max_length=3, required=False, help_text="Without it: the next free number."
    )
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    working_group = id_field(required=False, allow_null=True, help_text="None: cross-cutting.")
    order = serializers.IntegerField(required=False, **SMALL)
    reason = ReasonField()


class MeasureInputSerializer(serializers.Serializer):
    priority = id_field(help_text="On PATCH: another priority moves the measure there, last.")
    title = serializers.CharField(max_length=300)
    number = serializers.CharField(max_length=7, required=False)
    goal = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    indicators = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    order = serializers.IntegerField(required=False, **SMALL)
    reason = ReasonField()


class ActivityInputSerializer(serializers.Serializer):
    measure = id_field(help_text="On PATCH: another measure moves the activity there, last.")
    title = serializers.CharField(max_length=300)
    number = serializers.CharField(max_length=11, required=False)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    responsible_organization = id_field(required=False, allow_null=True)
    starts_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    starts_month = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=12
    )
    ends_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    ends_month = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=12
    )
    indicators = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Activity.Status.choices, required=False)
    order = serializers.IntegerField(required=False, **SMALL)
    reason = ReasonField()


class PipelineItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    measure = id_field(
        required=False,
        allow_null=True,
        help_text="A working-group member links their intentions to a measure of their part.",
    )
    implementer_organization = id_field(required=False, allow_null=True)
    implementer_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    support_promised = serializers.BooleanField(required=False)
    support_note = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ProjectPipelineItem.Status.choices, required=False)
    order = serializers.IntegerField(required=False, **SMALL)
    reason = ReasonField()


class NodeMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(
        min_value=1, max_value=1000, help_text="The new place among its siblings, from 1."
    )
    reason = ReasonField()


class ChildMoveSerializer(NodeMoveSerializer):
    parent = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="Another priority (of a measure) or measure (of an activity); none: its own.",
    )


# --- news of a process --------------------------------------------------------------------------


class NewsItemSerializer(OutputSerializer):
    class Meta:
        model = NewsItem
        fields = ["id", "process", "title", "text", "published_at", "created_at"]
        read_only_fields = fields


class NewsItemCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    text = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    publish = serializers.BooleanField(
        required=False, default=False, help_text="Publish at once; otherwise a draft."
    )
    reason = ReasonField()


class NewsItemEditSerializer(serializers.Serializer):
    """What is given changes; what is left out stays."""

    title = serializers.CharField(max_length=300, required=False)
    text = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    reason = ReasonField()


class NewsItemPublishSerializer(serializers.Serializer):
    published = serializers.BooleanField(
        required=False, default=True, help_text="False withdraws it from the public page."
    )
    reason = ReasonField()
