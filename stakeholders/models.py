"""Who takes part in planning: territories, organisations, people, bodies and their memberships."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from stakeholders.validators import validate_esf_registration_number, validate_ico


class Territory(models.Model):
    """A planning territory (ORP, DSO, mikroregion, kraj) or a municipality (obec)."""

    class Kind(models.TextChoices):
        REGION = "kraj", _("region (kraj)")
        ORP = "orp", _("ORP (municipality with extended powers)")
        DSO = "dso", _("DSO (voluntary association of municipalities)")
        MICROREGION = "mikroregion", _("microregion")
        MUNICIPALITY = "obec", _("municipality (obec)")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(
        _("code"), max_length=32, help_text=_("Official code (ČSÚ / RÚIAN), e.g. 3203 for an ORP.")
    )
    name = models.CharField(_("name"), max_length=200)
    municipalities = models.ManyToManyField(
        "self",
        through="TerritoryMunicipality",
        through_fields=("territory", "municipality"),
        symmetrical=False,
        related_name="member_of",
        verbose_name=_("municipalities of the territory"),
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="territory_kind_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def planning_municipalities(self) -> models.QuerySet[Territory]:
        """Member municipalities that plan together within this territory."""
        return self.municipalities.filter(territory_links__plans_independently=False).distinct()


class TerritoryMunicipality(models.Model):
    """A municipality within a planning territory; some plan on their own and are excluded."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="municipality_links"
    )
    municipality = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="territory_links",
        limit_choices_to={"kind": Territory.Kind.MUNICIPALITY},
        verbose_name=_("municipality (obec)"),
    )
    plans_independently = models.BooleanField(
        _("plans on its own"),
        default=False,
        help_text=_(
            "The municipality lies in the territory but plans its social services on its own "
            "(not included)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("municipality in the territory")
        verbose_name_plural = _("municipalities in the territory")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "municipality"], name="territory_municipality_unique"
            ),
            models.CheckConstraint(
                condition=~Q(territory=models.F("municipality")),
                name="territory_municipality_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} v {self.territory.name}"


class Organization(models.Model):
    class Kind(models.TextChoices):
        COMMISSIONER = "commissioner", _("commissioner")
        PROVIDER = "provider", _("social service provider")
        USER_ORGANIZATION = "user_org", _("user organisation")
        PUBLIC_BODY = "public_body", _("public body")
        NGO = "ngo", _("non-governmental non-profit organisation")
        CONSULTANCY = "consultancy", _("consultancy / methodologist")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    ico = models.CharField(
        _("Company ID (IČO)"),
        max_length=8,
        blank=True,
        validators=[validate_ico],
        help_text=_("Company identification number, 8 digits including a check digit."),
    )
    provider_registry_id = models.CharField(
        _("provider registry identifier"), max_length=32, blank=True
    )
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("territory of operation"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ico"], condition=~Q(ico=""), name="organization_ico_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("user account"),
    )
    title_before = models.CharField(_("title before name"), max_length=40, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    title_after = models.CharField(_("title after name"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organisation"),
    )
    consents_to_public_name = models.BooleanField(
        _("consents to being named publicly"),
        default=False,
        help_text=_("Without consent, the name is replaced by a pseudonym in public outputs."),
    )
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        name = f"{self.first_name} {self.last_name}"
        if self.title_before:
            name = f"{self.title_before} {name}"
        if self.title_after:
            name = f"{name}, {self.title_after}"
        return name


class TargetGroup(models.Model):
    """A planning target group (cílová skupina), editable reference data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Body(models.Model):
    """A body that takes part in planning or decides on it, with its quorum and majority rules."""

    class Kind(models.TextChoices):
        STEERING_GROUP = "steering_group", _("steering group")
        WORKING_GROUP = "working_group", _("working group")
        BOARD = "board", _("board (rada)")
        ASSEMBLY = "assembly", _("assembly (zastupitelstvo)")
        DSO_ASSEMBLY = "dso_assembly", _("DSO general assembly")
        SECRETARIAT = "secretariat", _("secretariat")
        AUDIT = "audit", _("audit access (ESF audit)")

    class QuorumRule(models.TextChoices):
        MORE_THAN_HALF_OF_ALL = "more_than_half_of_all", _("more than half of all members")
        NONE = "none", _("no quorum")

    class MajorityRule(models.TextChoices):
        MAJORITY_OF_VOTING = "majority_of_voting", _("majority of those voting")
        MAJORITY_OF_PRESENT = "majority_of_present", _("majority of those present")
        MAJORITY_OF_ALL = "majority_of_all", _("majority of all members")
        CONSENSUS = "consensus", _("consensus (nobody against)")

    COUNCIL_KINDS = frozenset({Kind.BOARD, Kind.ASSEMBLY, Kind.DSO_ASSEMBLY})
    PROCESS_KINDS = frozenset({Kind.STEERING_GROUP, Kind.WORKING_GROUP, Kind.AUDIT})

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("territory"),
    )
    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("planning process"),
    )
    target_group = models.ForeignKey(
        TargetGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="working_groups",
        verbose_name=_("target group"),
    )
    quorum_rule = models.CharField(
        _("quorum"),
        max_length=32,
        choices=QuorumRule.choices,
        default=QuorumRule.MORE_THAN_HALF_OF_ALL,
    )
    majority_rule = models.CharField(
        _("majority"),
        max_length=32,
        choices=MajorityRule.choices,
        default=MajorityRule.MAJORITY_OF_VOTING,
    )
    seat_count = models.PositiveSmallIntegerField(
        _("number of seats"),
        null=True,
        blank=True,
        help_text=_(
            "The total number of members (e.g. 15 councillors) where not all of them are "
            "recorded as members here. Empty: the number of current memberships."
        ),
    )
    invitation_lead_days = models.PositiveSmallIntegerField(
        _("invitation lead time (days)"), default=7
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["kind", "name"]
        permissions = [
            ("manage_membership", _("Manage memberships of the body")),
            ("vote_in_body", _("Vote in the body")),
            ("edit_target_group_part", _("Edit the target group's part of the plan")),
            ("record_resolution", _("Record resolutions of the body")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(territory__isnull=False) & Q(process__isnull=True))
                | (Q(territory__isnull=True) & Q(process__isnull=False)),
                name="body_belongs_to_territory_xor_process",
            ),
            models.CheckConstraint(
                condition=Q(kind="working_group", target_group__isnull=False)
                | (~Q(kind="working_group") & Q(target_group__isnull=True)),
                name="body_target_group_iff_working_group",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if bool(self.territory_id) == bool(self.process_id):
            errors["territory"] = _(
                "A body belongs either to a territory or to a planning process."
            )
        if self.kind == self.Kind.WORKING_GROUP and not self.target_group_id:
            errors["target_group"] = _("A working group must have a target group.")
        if self.kind != self.Kind.WORKING_GROUP and self.target_group_id:
            errors["target_group"] = _("Only a working group has a target group.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_council(self) -> bool:
        return self.kind in self.COUNCIL_KINDS

    def current_memberships(self, on: dt.date | None = None) -> models.QuerySet[Membership]:
        return self.memberships.current(on)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, on: dt.date | None = None) -> MembershipQuerySet:
        """Memberships in force on a day (today in Europe/Prague by default)."""
        day = on or timezone.localdate()
        return self.filter(
            Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            ended_at__isnull=True,
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("chair / manager")
        DEPUTY = "deputy", _("deputy chair")
        MEMBER = "member", _("member")
        SECRETARY = "secretary", _("secretary")
        COORDINATOR = "coordinator", _("coordinator")
        METHODOLOGIST = "methodologist", _("methodologist")
        OBSERVER = "observer", _("observer / guest")
        AUDITOR = "auditor", _("auditor (ESF audit)")

    class TriadSide(models.TextChoices):
        COMMISSIONER = "commissioner", _("commissioner")
        PROVIDER = "provider", _("provider")
        USER = "user", _("user")
        PUBLIC = "public", _("public")

    VOTING_ROLES = frozenset({Role.CHAIR, Role.DEPUTY, Role.MEMBER})

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("body")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    triad_side = models.CharField(
        _("triad side"), max_length=16, choices=TriadSide.choices, blank=True
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("The last day of the membership (inclusive)."),
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    appointing_resolution = models.CharField(
        _("appointed by resolution"),
        max_length=100,
        blank=True,
        help_text=_("The number of the resolution that appointed the member, e.g. 717/24/RM/2023."),
    )
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["body", "role", "person"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_range",
            ),
            models.UniqueConstraint(
                fields=["person", "body", "role", "valid_from"],
                name="membership_unique_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()} ({self.body})"

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("The end of a membership must not precede its start.")}
            )

    def is_current(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return (
            self.ended_at is None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    @property
    def is_voting(self) -> bool:
        return self.role in self.VOTING_ROLES


class EsfProject(models.Model):
    """An ESF (OPZ / OPZ+) project; one project may fund several planning processes."""

    class Programme(models.TextChoices):
        OPZ = "opz", _("OPZ (2014–2020)")
        OPZ_PLUS = "opz_plus", _("OPZ+ (2021–2027)")

    programme = models.CharField(_("programme"), max_length=16, choices=Programme.choices)
    call = models.CharField(_("call"), max_length=100, help_text=_("E.g. 03_19_106"))
    registration_number = models.CharField(
        _("registration number"),
        max_length=60,
        unique=True,
        validators=[validate_esf_registration_number],
    )
    name = models.CharField(_("project title"), max_length=300)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    beneficiary = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="esf_projects",
        verbose_name=_("beneficiary"),
    )
    partners = models.ManyToManyField(
        Organization, blank=True, related_name="esf_partnerships", verbose_name=_("partners")
    )
    retention_until = models.DateField(
        _("retention until"),
        help_text=_("The project's records and documents cannot be deleted before this day."),
    )
    history = HistoricalRecords(m2m_fields=[partners])

    class Meta:
        verbose_name = _("ESF project")
        verbose_name_plural = _("ESF projects")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="esf_project_period"
            ),
            models.CheckConstraint(
                condition=Q(retention_until__gte=models.F("ends_on")),
                name="esf_project_retention_after_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end of the project must not precede its start.")
        if self.ends_on and self.retention_until and self.retention_until < self.ends_on:
            errors["retention_until"] = _(
                "Retention must last at least until the end of the project."
            )
        if errors:
            raise ValidationError(errors)


class BodyUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user rows for bodies, with a real foreign key (deleted with the body)."""

    content_object = models.ForeignKey(Body, on_delete=models.CASCADE)


class BodyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Body, on_delete=models.CASCADE)
