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
        REGION = "kraj", _("kraj")
        ORP = "orp", _("ORP (obec s rozšířenou působností)")
        DSO = "dso", _("DSO (dobrovolný svazek obcí)")
        MICROREGION = "mikroregion", _("mikroregion")
        MUNICIPALITY = "obec", _("obec")

    kind = models.CharField(_("druh"), max_length=16, choices=Kind.choices)
    code = models.CharField(
        _("kód"), max_length=32, help_text=_("Úřední kód (ČSÚ / RÚIAN), např. 3209 pro ORP.")
    )
    name = models.CharField(_("název"), max_length=200)
    municipalities = models.ManyToManyField(
        "self",
        through="TerritoryMunicipality",
        through_fields=("territory", "municipality"),
        symmetrical=False,
        related_name="member_of",
        verbose_name=_("obce území"),
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("území")
        verbose_name_plural = _("území")
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
        verbose_name=_("obec"),
    )
    plans_independently = models.BooleanField(
        _("plánuje samostatně"),
        default=False,
        help_text=_("Obec leží v území, ale plánuje sociální služby samostatně (není zahrnuta)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("obec v území")
        verbose_name_plural = _("obce v území")
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
        COMMISSIONER = "commissioner", _("zadavatel")
        PROVIDER = "provider", _("poskytovatel sociálních služeb")
        USER_ORGANIZATION = "user_org", _("organizace uživatelů")
        PUBLIC_BODY = "public_body", _("veřejná instituce")
        NGO = "ngo", _("nestátní nezisková organizace")
        CONSULTANCY = "consultancy", _("zpracovatel / metodik")

    kind = models.CharField(_("druh"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("název"), max_length=255)
    ico = models.CharField(
        _("IČO"),
        max_length=8,
        blank=True,
        validators=[validate_ico],
        help_text=_("Identifikační číslo osoby, 8 číslic s kontrolní číslicí."),
    )
    provider_registry_id = models.CharField(
        _("identifikátor v registru poskytovatelů"), max_length=32, blank=True
    )
    address = models.CharField(_("sídlo"), max_length=300, blank=True)
    website = models.URLField(_("web"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("území působnosti"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organizace")
        verbose_name_plural = _("organizace")
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
        verbose_name=_("uživatelský účet"),
    )
    title_before = models.CharField(_("titul před jménem"), max_length=40, blank=True)
    first_name = models.CharField(_("jméno"), max_length=100)
    last_name = models.CharField(_("příjmení"), max_length=100)
    title_after = models.CharField(_("titul za jménem"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organizace"),
    )
    consents_to_public_name = models.BooleanField(
        _("souhlasí se zveřejněním jména"),
        default=False,
        help_text=_("Bez souhlasu se jméno na veřejných výstupech nahrazuje pseudonymem."),
    )
    consent_recorded_at = models.DateTimeField(_("souhlas zaznamenán"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("osoba")
        verbose_name_plural = _("osoby")
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

    code = models.SlugField(_("kód"), max_length=40, unique=True)
    name = models.CharField(_("název"), max_length=200)
    description = models.TextField(_("popis"), blank=True)
    order = models.PositiveSmallIntegerField(_("pořadí"), default=0)
    is_active = models.BooleanField(_("používá se"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cílová skupina")
        verbose_name_plural = _("cílové skupiny")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Body(models.Model):
    """A body that takes part in planning or decides on it, with its quorum and majority rules."""

    class Kind(models.TextChoices):
        STEERING_GROUP = "steering_group", _("řídící skupina")
        WORKING_GROUP = "working_group", _("pracovní skupina")
        BOARD = "board", _("rada")
        ASSEMBLY = "assembly", _("zastupitelstvo")
        DSO_ASSEMBLY = "dso_assembly", _("valná hromada DSO")
        SECRETARIAT = "secretariat", _("sekretariát")
        AUDIT = "audit", _("kontrolní přístup (audit ESF)")

    class QuorumRule(models.TextChoices):
        MORE_THAN_HALF_OF_ALL = "more_than_half_of_all", _("nadpoloviční většina všech členů")
        NONE = "none", _("bez kvóra")

    class MajorityRule(models.TextChoices):
        MAJORITY_OF_VOTING = "majority_of_voting", _("většina hlasujících")
        MAJORITY_OF_PRESENT = "majority_of_present", _("většina přítomných")
        MAJORITY_OF_ALL = "majority_of_all", _("většina všech členů")
        CONSENSUS = "consensus", _("konsenzus (nikdo proti)")

    COUNCIL_KINDS = frozenset({Kind.BOARD, Kind.ASSEMBLY, Kind.DSO_ASSEMBLY})
    PROCESS_KINDS = frozenset({Kind.STEERING_GROUP, Kind.WORKING_GROUP, Kind.AUDIT})

    kind = models.CharField(_("druh"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("název"), max_length=200)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("území"),
    )
    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("plánovací proces"),
    )
    target_group = models.ForeignKey(
        TargetGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="working_groups",
        verbose_name=_("cílová skupina"),
    )
    quorum_rule = models.CharField(
        _("kvórum"),
        max_length=32,
        choices=QuorumRule.choices,
        default=QuorumRule.MORE_THAN_HALF_OF_ALL,
    )
    majority_rule = models.CharField(
        _("většina"),
        max_length=32,
        choices=MajorityRule.choices,
        default=MajorityRule.MAJORITY_OF_VOTING,
    )
    seat_count = models.PositiveSmallIntegerField(
        _("počet mandátů"),
        null=True,
        blank=True,
        help_text=_(
            "Celkový počet členů orgánu (např. 15 zastupitelů), pokud nejsou všichni vedeni "
            "jako členové v systému. Prázdné = počet platných členství."
        ),
    )
    invitation_lead_days = models.PositiveSmallIntegerField(
        _("lhůta pro pozvánku (dny)"), default=7
    )
    is_active = models.BooleanField(_("činný"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("orgán")
        verbose_name_plural = _("orgány")
        ordering = ["kind", "name"]
        permissions = [
            ("manage_membership", _("Spravovat členství v orgánu")),
            ("vote_in_body", _("Hlasovat v orgánu")),
            ("edit_target_group_part", _("Upravovat část plánu za cílovou skupinu")),
            ("record_resolution", _("Zapisovat usnesení orgánu")),
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
            errors["territory"] = _("Orgán patří buď k území, nebo k plánovacímu procesu.")
        if self.kind == self.Kind.WORKING_GROUP and not self.target_group_id:
            errors["target_group"] = _("Pracovní skupina musí mít cílovou skupinu.")
        if self.kind != self.Kind.WORKING_GROUP and self.target_group_id:
            errors["target_group"] = _("Cílovou skupinu má jen pracovní skupina.")
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
        CHAIR = "chair", _("předseda / manažer")
        DEPUTY = "deputy", _("místopředseda")
        MEMBER = "member", _("člen")
        SECRETARY = "secretary", _("tajemník / zapisovatel")
        COORDINATOR = "coordinator", _("koordinátor")
        METHODOLOGIST = "methodologist", _("metodik")
        OBSERVER = "observer", _("pozorovatel / host")
        AUDITOR = "auditor", _("kontrolor (audit ESF)")

    class TriadSide(models.TextChoices):
        COMMISSIONER = "commissioner", _("zadavatel")
        PROVIDER = "provider", _("poskytovatel")
        USER = "user", _("uživatel")
        PUBLIC = "public", _("veřejnost")

    VOTING_ROLES = frozenset({Role.CHAIR, Role.DEPUTY, Role.MEMBER})

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("osoba")
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("orgán")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    triad_side = models.CharField(
        _("strana triády"), max_length=16, choices=TriadSide.choices, blank=True
    )
    valid_from = models.DateField(_("platí od"))
    valid_to = models.DateField(
        _("platí do"), null=True, blank=True, help_text=_("Poslední den členství (včetně).")
    )
    ended_at = models.DateTimeField(_("ukončeno"), null=True, blank=True, editable=False)
    end_reason = models.CharField(_("důvod ukončení"), max_length=300, blank=True)
    appointing_resolution = models.CharField(
        _("jmenováno usnesením"),
        max_length=100,
        blank=True,
        help_text=_("Číslo usnesení, kterým byl člen jmenován, např. 717/24/RM/2023."),
    )
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("členství")
        verbose_name_plural = _("členství")
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
            raise ValidationError({"valid_to": _("Konec členství nesmí předcházet jeho začátku.")})

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

    programme = models.CharField(_("program"), max_length=16, choices=Programme.choices)
    call = models.CharField(_("výzva"), max_length=100, help_text=_("Např. 03_19_106"))
    registration_number = models.CharField(
        _("registrační číslo"),
        max_length=60,
        unique=True,
        validators=[validate_esf_registration_number],
    )
    name = models.CharField(_("název projektu"), max_length=300)
    starts_on = models.DateField(_("zahájení"))
    ends_on = models.DateField(_("ukončení"))
    beneficiary = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="esf_projects",
        verbose_name=_("příjemce"),
    )
    partners = models.ManyToManyField(
        Organization, blank=True, related_name="esf_partnerships", verbose_name=_("partneři")
    )
    retention_until = models.DateField(
        _("archivace do"), help_text=_("Do tohoto dne nelze záznamy a dokumenty projektu smazat.")
    )
    history = HistoricalRecords(m2m_fields=[partners])

    class Meta:
        verbose_name = _("projekt ESF")
        verbose_name_plural = _("projekty ESF")
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
            errors["ends_on"] = _("Konec projektu nesmí předcházet jeho zahájení.")
        if self.ends_on and self.retention_until and self.retention_until < self.ends_on:
            errors["retention_until"] = _("Archivace musí trvat alespoň do konce projektu.")
        if errors:
            raise ValidationError(errors)


class BodyUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user rows for bodies, with a real foreign key (deleted with the body)."""

    content_object = models.ForeignKey(Body, on_delete=models.CASCADE)


class BodyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Body, on_delete=models.CASCADE)
