"""The role → object-permission table, as data.

A membership's role in a body of a given kind grants permissions on objects reached through that
body: the body itself, its planning process, every body of that process, or (for council bodies,
which belong to a territory) every planning process and council body of the territory.
Permission codenames are strings, so this module imports no other app.

``permissions.sync`` in ``stakeholders.services`` is the only code that turns this table into
django-guardian rows.
"""

from __future__ import annotations

from typing import Final, Literal

Target = Literal[
    "body",  # the body the membership is in
    "process",  # the planning process the body belongs to
    "process_bodies",  # every body of that process
    "territory_processes",  # every planning process of the body's territory
    "territory_council_bodies",  # every council body of the body's territory
]
Grant = tuple[Target, str]

# Body kinds (values of stakeholders.models.Body.Kind)
STEERING_GROUP: Final = "steering_group"
WORKING_GROUP: Final = "working_group"
BOARD: Final = "board"
ASSEMBLY: Final = "assembly"
DSO_ASSEMBLY: Final = "dso_assembly"
SECRETARIAT: Final = "secretariat"
AUDIT: Final = "audit"
ANY: Final = "*"

VIEW_PROCESS = "workflow.view_planningprocess"
CHANGE_PROCESS = "workflow.change_planningprocess"
MANAGE_PROCESS = "workflow.manage_process"
VIEW_HISTORY = "workflow.view_process_history"
EDIT_DRAFT = "workflow.edit_draft"
TRANSITION_STAGE = "workflow.transition_stage"
APPROVE_STAGE = "workflow.approve_stage"
APPROVE_DOCUMENT = "workflow.approve_document"
VOTE = "workflow.vote"

VIEW_BODY = "stakeholders.view_body"
CHANGE_BODY = "stakeholders.change_body"
MANAGE_MEMBERSHIP = "stakeholders.manage_membership"
VOTE_IN_BODY = "stakeholders.vote_in_body"
EDIT_TARGET_GROUP_PART = "stakeholders.edit_target_group_part"
RECORD_RESOLUTION = "stakeholders.record_resolution"

_COORDINATOR: tuple[Grant, ...] = (
    ("process", VIEW_PROCESS),
    ("process", CHANGE_PROCESS),
    ("process", MANAGE_PROCESS),
    ("process", VIEW_HISTORY),
    ("process", EDIT_DRAFT),
    ("process", TRANSITION_STAGE),
    ("process_bodies", VIEW_BODY),
    ("process_bodies", CHANGE_BODY),
    ("process_bodies", MANAGE_MEMBERSHIP),
)
_METHODOLOGIST: tuple[Grant, ...] = (
    ("process", VIEW_PROCESS),
    ("process", VIEW_HISTORY),
    ("process", EDIT_DRAFT),
    ("process_bodies", VIEW_BODY),
)
_STEERING_VOTER: tuple[Grant, ...] = (
    ("process", VIEW_PROCESS),
    ("process", VOTE),
    ("process", APPROVE_STAGE),
    ("process", APPROVE_DOCUMENT),
    ("body", VOTE_IN_BODY),
    ("process_bodies", VIEW_BODY),
)
_WORKING_VOTER: tuple[Grant, ...] = (
    ("process", VIEW_PROCESS),
    ("body", VIEW_BODY),
    ("body", VOTE_IN_BODY),
    ("body", EDIT_TARGET_GROUP_PART),
)
_PROCESS_OBSERVER: tuple[Grant, ...] = (
    ("process", VIEW_PROCESS),
    ("body", VIEW_BODY),
)
_PROCESS_SECRETARY: tuple[Grant, ...] = (
    ("process", VIEW_PROCESS),
    ("body", VIEW_BODY),
    ("body", RECORD_RESOLUTION),
)
_AUDITOR: tuple[Grant, ...] = (
    ("process", VIEW_PROCESS),
    ("process", VIEW_HISTORY),
    ("process_bodies", VIEW_BODY),
)
_COUNCIL_SECRETARY: tuple[Grant, ...] = (
    ("body", VIEW_BODY),
    ("body", RECORD_RESOLUTION),
    ("territory_processes", VIEW_PROCESS),
)
_COUNCIL_MEMBER: tuple[Grant, ...] = (
    ("body", VIEW_BODY),
    ("body", VOTE_IN_BODY),
    ("territory_processes", VIEW_PROCESS),
)
_SECRETARIAT_STAFF: tuple[Grant, ...] = (
    ("territory_council_bodies", VIEW_BODY),
    ("territory_council_bodies", RECORD_RESOLUTION),
    ("territory_processes", VIEW_PROCESS),
)

ROLE_GRANTS: Final[dict[tuple[str, str], tuple[Grant, ...]]] = {
    (ANY, "coordinator"): _COORDINATOR,
    (ANY, "methodologist"): _METHODOLOGIST,
    (STEERING_GROUP, "chair"): _STEERING_VOTER,
    (STEERING_GROUP, "deputy"): _STEERING_VOTER,
    (STEERING_GROUP, "member"): _STEERING_VOTER,
    (STEERING_GROUP, "secretary"): _PROCESS_SECRETARY,
    (STEERING_GROUP, "observer"): _PROCESS_OBSERVER,
    (WORKING_GROUP, "chair"): _WORKING_VOTER,
    (WORKING_GROUP, "deputy"): _WORKING_VOTER,
    (WORKING_GROUP, "member"): _WORKING_VOTER,
    (WORKING_GROUP, "secretary"): _PROCESS_OBSERVER,
    (WORKING_GROUP, "observer"): _PROCESS_OBSERVER,
    (AUDIT, "auditor"): _AUDITOR,
    (BOARD, "secretary"): _COUNCIL_SECRETARY,
    (ASSEMBLY, "secretary"): _COUNCIL_SECRETARY,
    (DSO_ASSEMBLY, "secretary"): _COUNCIL_SECRETARY,
    (BOARD, "chair"): _COUNCIL_MEMBER,
    (BOARD, "deputy"): _COUNCIL_MEMBER,
    (BOARD, "member"): _COUNCIL_MEMBER,
    (ASSEMBLY, "chair"): _COUNCIL_MEMBER,
    (ASSEMBLY, "deputy"): _COUNCIL_MEMBER,
    (ASSEMBLY, "member"): _COUNCIL_MEMBER,
    (DSO_ASSEMBLY, "chair"): _COUNCIL_MEMBER,
    (DSO_ASSEMBLY, "deputy"): _COUNCIL_MEMBER,
    (DSO_ASSEMBLY, "member"): _COUNCIL_MEMBER,
    (SECRETARIAT, "secretary"): _SECRETARIAT_STAFF,
    (SECRETARIAT, "member"): _SECRETARIAT_STAFF,
    (SECRETARIAT, "chair"): _SECRETARIAT_STAFF,
}

# Which roles a body of each kind may have at all (a membership outside this is refused).
ALLOWED_ROLES: Final[dict[str, frozenset[str]]] = {
    STEERING_GROUP: frozenset(
        {"chair", "deputy", "member", "secretary", "coordinator", "methodologist", "observer"}
    ),
    WORKING_GROUP: frozenset(
        {"chair", "deputy", "member", "secretary", "coordinator", "methodologist", "observer"}
    ),
    BOARD: frozenset({"chair", "deputy", "member", "secretary", "observer"}),
    ASSEMBLY: frozenset({"chair", "deputy", "member", "secretary", "observer"}),
    DSO_ASSEMBLY: frozenset({"chair", "deputy", "member", "secretary", "observer"}),
    SECRETARIAT: frozenset({"chair", "member", "secretary"}),
    AUDIT: frozenset({"auditor"}),
}

# Every codename this table may grant; sync only ever touches rows of these permissions.
MANAGED_PERMISSIONS: Final[frozenset[str]] = frozenset(
    perm for grants in ROLE_GRANTS.values() for _target, perm in grants
)


def grants_for(body_kind: str, role: str) -> tuple[Grant, ...]:
    """The grants of a role in a body of a kind; body-specific entries win over generic ones."""
    return ROLE_GRANTS.get((body_kind, role)) or ROLE_GRANTS.get((ANY, role), ())
