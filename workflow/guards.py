"""Guard rules of stage transitions: each a named, tested rule reporting unmet conditions.

Which rules apply to which transition is configuration: ``DEFAULT_RULES`` holds what every
installation applies, and ``workflow.models.GuardRule`` rows add rules or tighten parameters,
installation-wide or for one territory. A rule whose data does not exist in KomPlan yet blocks
with a "not available yet" condition; no rule passes by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.models import Body, Membership
from workflow.models import GuardRule, PlanningProcess, Transition


@dataclass(frozen=True)
class UnmetCondition:
    """One reason why a transition cannot happen: a stable code and a message in the UI language."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class GuardContext:
    process: PlanningProcess
    transition: str
    today: dt.date
    params: dict[str, Any] = field(default_factory=dict)


RuleFunction = Callable[[GuardContext], list[UnmetCondition]]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    description: str
    check: RuleFunction
    defaults: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, RuleSpec] = {}


def rule(code: str, description: str, **defaults: Any) -> Callable[[RuleFunction], RuleFunction]:
    def register(check: RuleFunction) -> RuleFunction:
        REGISTRY[code] = RuleSpec(
            code=code, description=description, check=check, defaults=defaults
        )
        return check

    return register


def not_available(code: str, what: str) -> list[UnmetCondition]:
    return [
        UnmetCondition(
            code=f"{code}.not_available",
            message=_("This cannot be checked yet: %(what)s is not available in KomPlan yet.")
            % {"what": what},
        )
    ]


# --- the rules ------------------------------------------------------------------------------

TRIAD_SIDES = (
    Membership.TriadSide.COMMISSIONER,
    Membership.TriadSide.PROVIDER,
    Membership.TriadSide.USER,
)


@rule(
    "steering_group_complete",
    "A steering group with a chair and voting members from all three sides of the triad.",
)
def steering_group_complete(ctx: GuardContext) -> list[UnmetCondition]:
    steering = ctx.process.bodies.filter(kind=Body.Kind.STEERING_GROUP, is_active=True).first()
    if steering is None:
        return [
            UnmetCondition("steering_group_missing", _("The process has no steering group yet."))
        ]
    current = Membership.objects.current(ctx.today).filter(body=steering)
    unmet = []
    if not current.filter(role=Membership.Role.CHAIR).exists():
        unmet.append(
            UnmetCondition("steering_group_no_chair", _("The steering group has no chair."))
        )
    voting = current.filter(role__in=Membership.VOTING_ROLES)
    present_sides = set(voting.values_list("triad_side", flat=True))
    missing = [side for side in TRIAD_SIDES if side not in present_sides]
    if missing:
        labels = ", ".join(str(Membership.TriadSide(side).label) for side in missing)
        unmet.append(
            UnmetCondition(
                "steering_group_triad_incomplete",
                _("The steering group has no voting member for: %(sides)s.") % {"sides": labels},
            )
        )
    return unmet


@rule("founding_charter_approved", "A founding charter (základní listina) approved by the board.")
def founding_charter_approved(ctx: GuardContext) -> list[UnmetCondition]:
    from django.apps import apps

    from workflow.models import Resolution

    try:
        version_model = apps.get_model("documents", "DocumentVersion")
    except LookupError:
        return not_available("founding_charter_approved", _("the record of the founding charter"))
    approved = version_model.objects.filter(
        document__process=ctx.process,
        document__kind="founding_charter",
        status__in=["approved", "published", "superseded"],
    )
    if not approved.exists():
        return [
            UnmetCondition(
                "founding_charter_not_approved",
                _("The process has no approved version of the founding charter."),
            )
        ]
    adopted_by_board = Resolution.objects.filter(
        body__kind=Body.Kind.BOARD,
        body__territory_id=ctx.process.territory_id,
        outcome=Resolution.Outcome.ADOPTED,
        document_action=Resolution.DocumentAction.APPROVE,
        document_version__in=approved,
    ).filter(document_sha256=models.F("document_version__sha256"))
    if not adopted_by_board.exists():
        return [
            UnmetCondition(
                "founding_charter_no_board_resolution",
                _("The board (rada) has not adopted a resolution approving the founding charter."),
            )
        ]
    return []


@rule(
    "required_analyses_approved",
    "Each required analysis has an approved version.",
    kinds=[
        "socio_demographic_analysis",
        "provider_analysis",
        "resources_analysis",
        "user_needs_survey",
    ],
)
def required_analyses_approved(ctx: GuardContext) -> list[UnmetCondition]:
    from documents.models import Document

    approved_kinds = set(
        _approved_versions(ctx.process)
        .filter(document__kind__in=ctx.params.get("kinds", []))
        .values_list("document__kind", flat=True)
    )
    unmet = []
    for kind in ctx.params.get("kinds", []):
        if kind not in approved_kinds:
            label = Document.Kind(kind).label if kind in Document.Kind.values else kind
            unmet.append(
                UnmetCondition(
                    "analysis_not_approved",
                    _("The %(analysis)s has no approved version.") % {"analysis": label},
                )
            )
    return unmet


@rule("draft_plan_approved", "A draft plan version approved by the steering group.")
def draft_plan_approved(ctx: GuardContext) -> list[UnmetCondition]:
    if not _approved_versions(ctx.process).filter(document__kind="community_plan").exists():
        return [
            UnmetCondition(
                "draft_plan_not_approved",
                _("No version of the draft plan has been approved by the steering group."),
            )
        ]
    return []


@rule("working_group_parts_present", "Every active working group's part of the plan is present.")
def working_group_parts_present(ctx: GuardContext) -> list[UnmetCondition]:
    from documents.models import Priority

    groups = ctx.process.bodies.filter(kind=Body.Kind.WORKING_GROUP, is_active=True)
    with_part = set(
        Priority.objects.filter(process=ctx.process, working_group__in=groups).values_list(
            "working_group_id", flat=True
        )
    )
    missing = [group.name for group in groups.order_by("name") if group.pk not in with_part]
    if missing:
        return [
            UnmetCondition(
                "working_group_part_missing",
                _("These working groups have no part in the plan yet: %(groups)s.")
                % {"groups": ", ".join(missing)},
            )
        ]
    return []


def _approved_versions(process: PlanningProcess) -> Any:
    """Versions of the process's documents that the steering group approved at some point."""
    from documents.models import DocumentVersion

    return DocumentVersion.objects.filter(
        document__process=process,
        status__in=[
            DocumentVersion.Status.APPROVED,
            DocumentVersion.Status.PUBLISHED,
            DocumentVersion.Status.SUPERSEDED,
        ],
    )


def _latest_consultation(process: PlanningProcess) -> Any:
    from workflow.models import ConsultationPeriod

    return ConsultationPeriod.objects.filter(process=process).order_by("-opens_at", "-pk").first()


@rule("consultation_scheduled", "A public consultation is scheduled on the approved draft.")
def consultation_scheduled(ctx: GuardContext) -> list[UnmetCondition]:
    consultation = _latest_consultation(ctx.process)
    if consultation is None or consultation.is_closed_at():
        return [
            UnmetCondition(
                "consultation_not_scheduled",
                _("No public consultation is scheduled on a published version of the plan."),
            )
        ]
    return []


@rule("consultation_closed", "The consultation has closed by the clock (Europe/Prague).")
def consultation_closed(ctx: GuardContext) -> list[UnmetCondition]:
    consultation = _latest_consultation(ctx.process)
    if consultation is None:
        return [
            UnmetCondition(
                "consultation_not_scheduled", _("The process has had no public consultation.")
            )
        ]
    if not consultation.is_closed_at():
        return [
            UnmetCondition(
                "consultation_still_open",
                _("The public consultation is open until %(when)s.")
                % {"when": consultation.closes_local.strftime("%d. %m. %Y %H:%M")},
            )
        ]
    return []


@rule("comments_settled", "Every comment is settled, with a justification where required.")
def comments_settled(ctx: GuardContext) -> list[UnmetCondition]:
    from workflow.models import Comment

    # Justifications are also a database constraint; checked here so that the message is clear.
    open_comments = list(
        Comment.objects.filter(consultation__process=ctx.process)
        .filter(Q(decision="") | (~Q(decision="accepted") & Q(justification="")))
        .order_by("consultation_id", "number")
        .values_list("receipt_number", flat=True)
    )
    if not open_comments:
        return []
    shown = ", ".join(open_comments[:20]) + (" …" if len(open_comments) > 20 else "")
    return [
        UnmetCondition(
            "comments_unsettled",
            _("%(count)s comments are not settled yet: %(numbers)s")
            % {"count": len(open_comments), "numbers": shown},
        )
    ]


@rule("settlement_document_exists", "The settlement of comments exists as a document.")
def settlement_document_exists(ctx: GuardContext) -> list[UnmetCondition]:
    from documents.models import Document, DocumentVersion

    versions = DocumentVersion.objects.filter(
        document__process=ctx.process, document__kind=Document.Kind.SETTLEMENT_OF_COMMENTS
    )
    if not versions.exists():
        return [
            UnmetCondition(
                "settlement_missing",
                _("The settlement of comments has not been added to the documents yet."),
            )
        ]
    if not versions.filter(status__in=("approved", "published")).exists():
        return [
            UnmetCondition(
                "settlement_not_approved",
                _("The settlement of comments has no approved version yet."),
            )
        ]
    return []


@rule(
    "approving_resolution_matches_plan",
    "The last body of the approval chain adopted the plan version whose sha256 was submitted.",
)
def approving_resolution_matches_plan(ctx: GuardContext) -> list[UnmetCondition]:
    from workflow.services.resolutions import approving_resolution_conditions

    return approving_resolution_conditions(ctx.process)


@rule("returning_resolution", "A council resolution that returns the plan to the working groups.")
def returning_resolution(ctx: GuardContext) -> list[UnmetCondition]:
    from workflow.services.resolutions import returning_resolution_conditions

    return returning_resolution_conditions(ctx.process)


@rule("plan_period_over", "The plan period has ended (Europe/Prague).")
def plan_period_over(ctx: GuardContext) -> list[UnmetCondition]:
    last_day = dt.date(ctx.process.period_end_year, 12, 31)
    if ctx.today <= last_day:
        return [
            UnmetCondition(
                "plan_period_not_over",
                _("The plan period ends on %(day)s; the cycle can be closed after that.")
                % {"day": last_day.strftime("%d. %m. %Y")},
            )
        ]
    return []


@rule(
    "final_evaluation_approved",
    "The final evaluation of the plan is approved.",
    kind="action_plan_evaluation",
)
def final_evaluation_approved(ctx: GuardContext) -> list[UnmetCondition]:
    """An evaluation approved in or after the last year of the plan period (Europe/Prague)."""
    first_day = timezone.make_aware(dt.datetime(ctx.process.period_end_year, 1, 1))
    evaluated = _approved_versions(ctx.process).filter(
        document__kind=ctx.params.get("kind", "action_plan_evaluation"),
        approved_at__gte=first_day,
    )
    if not evaluated.exists():
        return [
            UnmetCondition(
                "final_evaluation_not_approved",
                _("The final evaluation of the plan (approved in %(year)s or later) is missing.")
                % {"year": ctx.process.period_end_year},
            )
        ]
    return []


DEFAULT_RULES: dict[str, tuple[str, ...]] = {
    Transition.START_MAPPING: ("founding_charter_approved", "steering_group_complete"),
    Transition.START_WORKING_GROUPS: ("required_analyses_approved",),
    Transition.OPEN_CONSULTATION: (
        "draft_plan_approved",
        "working_group_parts_present",
        "consultation_scheduled",
    ),
    Transition.SUBMIT_TO_COUNCIL: (
        "consultation_closed",
        "comments_settled",
        "settlement_document_exists",
    ),
    Transition.START_IMPLEMENTATION: ("approving_resolution_matches_plan",),
    Transition.CLOSE: ("plan_period_over", "final_evaluation_approved"),
    Transition.REVISE: (),
    Transition.RETURN: ("returning_resolution",),
    Transition.CANCEL: (),
}


def configured_rules(transition: str, territory_id: Any) -> QuerySet[GuardRule]:
    """The active GuardRule rows of a transition: installation-wide and the territory's."""
    return GuardRule.objects.filter(transition=transition, is_active=True).filter(
        Q(territory__isnull=True) | Q(territory_id=territory_id)
    )


def has_configured_rules_sql(transition: str, *, territory_id: str) -> tuple[str, list[Any]]:
    """SQL telling whether GuardRule rows configure the transition for a process's territory.

    ``configured_rules`` as an EXISTS expression, for a service that loads (and locks) the
    process in one round trip and then reads the rows only when there are some (``rules_for``'s
    ``has_configured``). ``territory_id`` is the SQL expression of the process's territory in
    the outer query. Read with every transition, never kept in memory, so a rule added by the
    administrator applies from the next transition on every server.
    """
    quote = connection.ops.quote_name

    def column(field: str) -> str:
        return "r." + quote(GuardRule._meta.get_field(field).column)

    sql = (
        f"EXISTS (SELECT 1 FROM {quote(GuardRule._meta.db_table)} r"  # noqa: S608 (names from _meta)
        f" WHERE {column('is_active')} = %s AND {column('transition')} = %s"
        f" AND ({column('territory')} IS NULL OR {column('territory')} = {territory_id}))"
    )
    return sql, [True, transition]


def rules_for(
    process: PlanningProcess, transition: str, *, has_configured: bool | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The rules a transition of this process must pass, with their effective parameters.

    Defaults first; installation-wide rows, then the territory's rows, add rules or override
    parameters. A row naming a rule that does not exist is reported, not ignored.
    ``has_configured`` is the answer of ``has_configured_rules_sql`` when the caller loaded it with
    the process (False: no row to read); None reads the rows.
    """
    effective: dict[str, dict[str, Any]] = {
        code: dict(REGISTRY[code].defaults) for code in DEFAULT_RULES.get(transition, ())
    }
    if has_configured is False:
        return list(effective.items())
    rows = configured_rules(transition, process.territory_id)
    # Installation-wide rows first, so that a territory's parameters win.
    for row in sorted(rows, key=lambda r: r.territory_id is not None):
        params = effective.setdefault(
            row.rule, dict(REGISTRY[row.rule].defaults) if row.rule in REGISTRY else {}
        )
        params.update(row.params or {})
    return list(effective.items())


def evaluate(
    process: PlanningProcess,
    transition: str,
    *,
    today: dt.date | None = None,
    has_configured: bool | None = None,
) -> list[UnmetCondition]:
    """Every unmet condition of every rule of the transition, all at once.

    ``has_configured`` as for ``rules_for``.
    """
    day = today or timezone.localdate()
    unmet: list[UnmetCondition] = []
    for code, params in rules_for(process, transition, has_configured=has_configured):
        spec = REGISTRY.get(code)
        if spec is None:
            unmet.append(
                UnmetCondition(
                    "unknown_rule",
                    _("The configured rule %(rule)s does not exist; ask the administrator.")
                    % {"rule": code},
                )
            )
            continue
        ctx = GuardContext(process=process, transition=transition, today=day, params=params)
        unmet.extend(spec.check(ctx))
    return unmet
