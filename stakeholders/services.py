"""Every write on stakeholders, and the one place that turns memberships into object permissions.

Each service runs in a transaction, records the acting user and a reason in the history, and
checks the actor's permission before acting (superusers, the installation's administrators,
may do everything).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from stakeholders import roles
from stakeholders.exceptions import PermissionDenied, ValidationFailed
from stakeholders.models import (
    Body,
    BodyUserObjectPermission,
    EsfProject,
    Membership,
    Organization,
    Person,
    TargetGroup,
    Territory,
    TerritoryMunicipality,
)

Actor = AbstractBaseUser | AnonymousUser | None
M = TypeVar("M", bound=models.Model)


def record_save(obj: M, *, actor: Actor, reason: str, validate: bool = True) -> M:
    """Validate and save a historised model, recording the actor and the reason in its history.

    ``validate=False`` is for rows a service built entirely from values it has already checked
    (a stage change of a locked row, its transition record): model validation would only repeat
    queries; the database constraints still hold.
    """
    if validate:
        try:
            # Protected state-machine fields change only through their transitions.
            protected = [f.name for f in obj._meta.fields if getattr(f, "protected", False)]
            obj.full_clean(exclude=protected)
        except ValidationError as exc:
            raise ValidationFailed(
                _("The data are not valid."),
                errors=exc.message_dict
                if hasattr(exc, "error_dict")
                else {"__all__": exc.messages},
            ) from exc
    obj._history_user = actor if actor is not None and actor.is_authenticated else None  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save()
    return obj


def require_superuser(actor: Actor, what: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_superuser:
        raise PermissionDenied(
            _("Only a system administrator may manage %(what)s.") % {"what": what}
        )


# --- reference data -------------------------------------------------------------------------


@transaction.atomic
def territory_create(
    *, actor: Actor, kind: str, code: str, name: str, reason: str = ""
) -> Territory:
    """Create a territory. Needs: superuser."""
    require_superuser(actor, _("territory"))
    return record_save(Territory(kind=kind, code=code, name=name), actor=actor, reason=reason)


@transaction.atomic
def territory_add_municipality(
    *,
    actor: Actor,
    territory: Territory,
    municipality: Territory,
    plans_independently: bool = False,
    reason: str = "",
) -> TerritoryMunicipality:
    """Add a municipality to a territory (or record that it plans on its own). Needs: superuser."""
    require_superuser(actor, _("territory"))
    if municipality.kind != Territory.Kind.MUNICIPALITY:
        raise ValidationFailed(
            _("Only a municipality can be added to a territory."),
            errors={"municipality": [_("The selected territory is not a municipality.")]},
        )
    link = TerritoryMunicipality.objects.filter(
        territory=territory, municipality=municipality
    ).first()
    link = link or TerritoryMunicipality(territory=territory, municipality=municipality)
    link.plans_independently = plans_independently
    return record_save(link, actor=actor, reason=reason)


@transaction.atomic
def target_group_create(
    *, actor: Actor, code: str, name: str, description: str = "", order: int = 0, reason: str = ""
) -> TargetGroup:
    require_superuser(actor, _("target groups"))
    return record_save(
        TargetGroup(code=code, name=name, description=description, order=order),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def organization_create(*, actor: Actor, reason: str = "", **fields: Any) -> Organization:
    """Create an organisation; the IČO is checked (8 digits, mod-11). Needs: any signed-in user."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Only a signed-in user may create an organisation."))
    return record_save(Organization(**fields), actor=actor, reason=reason)


@transaction.atomic
def person_create(
    *, actor: Actor, first_name: str, last_name: str, reason: str = "", **fields: Any
) -> Person:
    """Create a person record. Needs: any signed-in user."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Only a signed-in user may create a person."))
    if fields.get("consents_to_public_name") and not fields.get("consent_recorded_at"):
        fields["consent_recorded_at"] = timezone.now()
    person = record_save(
        Person(first_name=first_name, last_name=last_name, **fields), actor=actor, reason=reason
    )
    if person.user_id:
        permissions_sync_user(user=person.user)
    return person


@transaction.atomic
def person_link_user(*, actor: Actor, person: Person, user: Any | None, reason: str = "") -> Person:
    """Link (or unlink) a person to a login; the permissions follow. Needs: superuser."""
    require_superuser(actor, _("user accounts"))
    previous = person.user
    person.user = user
    record_save(person, actor=actor, reason=reason)
    for affected in {u for u in (previous, user) if u is not None}:
        permissions_sync_user(user=affected)
    return person


@transaction.atomic
def esf_project_create(
    *, actor: Actor, partners: Iterable[Organization] = (), reason: str = "", **fields: Any
) -> EsfProject:
    """Create an ESF project record. Needs: superuser."""
    require_superuser(actor, _("ESF projects"))
    project = record_save(EsfProject(**fields), actor=actor, reason=reason)
    project.partners.set(list(partners))
    return project


# --- bodies and memberships -----------------------------------------------------------------


def _can_manage_membership(actor: Actor, body: Body) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    return actor.is_superuser or actor.has_perm(roles.MANAGE_MEMBERSHIP, body)


@transaction.atomic
def body_create(
    *,
    actor: Actor,
    kind: str,
    name: str,
    territory: Territory | None = None,
    process: Any | None = None,
    target_group: TargetGroup | None = None,
    reason: str = "",
    **rules: Any,
) -> Body:
    """Create a body of a territory or of a planning process.

    Needs: superuser, or for a body of a process the process's ``workflow.manage_process``.
    Council bodies get the rules of Act 128/2000 (quorum: more than half of all members;
    a resolution needs a majority of all members) unless rules say otherwise.
    """
    allowed = (
        actor is not None
        and actor.is_authenticated
        and (
            actor.is_superuser
            or (process is not None and actor.has_perm(roles.MANAGE_PROCESS, process))
        )
    )
    if not allowed:
        raise PermissionDenied(_("You may not create bodies of this process."))
    if kind in Body.COUNCIL_KINDS:
        rules.setdefault("majority_rule", Body.MajorityRule.MAJORITY_OF_ALL)
    body = record_save(
        Body(
            kind=kind,
            name=name,
            territory=territory,
            process=process,
            target_group=target_group,
            **rules,
        ),
        actor=actor,
        reason=reason,
    )
    permissions_sync_users(users=_users_affected_by_body(body))
    return body


@transaction.atomic
def membership_create(
    *,
    actor: Actor,
    person: Person,
    body: Body,
    role: str = Membership.Role.MEMBER,
    triad_side: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    appointing_resolution: str = "",
    reason: str = "",
) -> Membership:
    """Appoint a person to a body; their object permissions follow at once.

    Needs: ``stakeholders.manage_membership`` on the body (the process coordinator) or superuser.
    Keeps: the role is one the body's kind allows; valid_to is not before valid_from.
    """
    if not _can_manage_membership(actor, body):
        raise PermissionDenied(
            _("You may not manage memberships of the body %(body)s.") % {"body": body}
        )
    allowed_roles = roles.ALLOWED_ROLES.get(body.kind, frozenset())
    if role not in allowed_roles:
        raise ValidationFailed(
            _("The role %(role)s is not allowed in a body of the kind %(kind)s.")
            % {"role": Membership.Role(role).label, "kind": body.get_kind_display()},
            errors={"role": [_("This role is not allowed in this body.")]},
        )
    membership = record_save(
        Membership(
            person=person,
            body=body,
            role=role,
            triad_side=triad_side,
            valid_from=valid_from or timezone.localdate(),
            valid_to=valid_to,
            appointing_resolution=appointing_resolution,
        ),
        actor=actor,
        reason=reason,
    )
    if person.user_id:
        permissions_sync_user(user=person.user)
    return membership


@transaction.atomic
def membership_end(
    *, actor: Actor, membership: Membership, reason: str, ended_on: dt.date | None = None
) -> Membership:
    """End a membership now; the permissions it granted are revoked at once.

    ``ended_on`` (default today) is recorded as the last day of the membership.
    Needs: ``stakeholders.manage_membership`` on the body, or superuser. A reason is required.
    """
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not _can_manage_membership(actor, membership.body):
        raise PermissionDenied(
            _("You may not manage memberships of the body %(body)s.") % {"body": membership.body}
        )
    if not reason.strip():
        raise ValidationFailed(
            _("Give the reason for ending the membership."),
            errors={"end_reason": [_("A reason is required.")]},
        )
    if membership.ended_at is not None:
        raise ValidationFailed(_("The membership has already ended."))
    last_day = ended_on or timezone.localdate()
    membership.valid_to = max(last_day, membership.valid_from)
    membership.ended_at = timezone.now()
    membership.end_reason = reason
    record_save(membership, actor=actor, reason=reason)
    if membership.person.user_id:
        permissions_sync_user(user=membership.person.user)
    return membership


@transaction.atomic
def membership_delete(*, actor: Actor, membership: Membership, reason: str) -> None:
    """Delete a membership entered by mistake; its permissions are revoked in the same transaction.

    Needs: ``stakeholders.manage_membership`` on the body, or superuser.
    """
    if not _can_manage_membership(actor, membership.body):
        raise PermissionDenied(
            _("You may not manage memberships of the body %(body)s.") % {"body": membership.body}
        )
    user = membership.person.user
    membership._history_user = actor if actor is not None and actor.is_authenticated else None  # type: ignore[attr-defined]
    membership._change_reason = reason  # type: ignore[attr-defined]
    membership.delete()
    if user is not None:
        permissions_sync_user(user=user)


# --- memberships → django-guardian object permissions ----------------------------------------


@dataclass(frozen=True)
class SyncResult:
    granted: int
    revoked: int


def _permission_ids() -> dict[str, int]:
    """'app_label.codename' → Permission id for every permission the role table manages."""
    wanted = {tuple(perm.split(".", 1)) for perm in roles.MANAGED_PERMISSIONS}
    rows = Permission.objects.filter(
        content_type__app_label__in={app for app, _c in wanted},
        codename__in={codename for _a, codename in wanted},
    ).values_list("content_type__app_label", "codename", "id")
    return {f"{app}.{codename}": pk for app, codename, pk in rows if (app, codename) in wanted}


def _process_model() -> type[models.Model]:
    # Reached through the body's relation, so stakeholders needs no import of workflow.
    return Body._meta.get_field("process").related_model  # type: ignore[return-value]


def _process_permission_model() -> type[models.Model]:
    from django.apps import apps

    return apps.get_model("workflow", "PlanningProcessUserObjectPermission")


def _resolve(target: str, body: Body) -> tuple[str, list[int]]:
    """The objects a grant target names, as ("process" | "body", ids)."""
    if target == "body":
        return "body", [body.pk]
    if target == "process":
        return "process", [body.process_id] if body.process_id else []
    if target == "process_bodies":
        if not body.process_id:
            return "body", []
        return "body", list(
            Body.objects.filter(process_id=body.process_id).values_list("pk", flat=True)
        )
    if target == "territory_processes":
        if not body.territory_id:
            return "process", []
        return "process", list(
            _process_model()
            .objects.filter(territory_id=body.territory_id)
            .values_list("pk", flat=True)
        )
    if target == "territory_council_bodies":
        if not body.territory_id:
            return "body", []
        return "body", list(
            Body.objects.filter(
                territory_id=body.territory_id, kind__in=Body.COUNCIL_KINDS
            ).values_list("pk", flat=True)
        )
    raise ValueError(f"unknown grant target {target!r}")


def desired_permissions(user: Any, on: dt.date | None = None) -> set[tuple[str, int, int]]:
    """(kind, object id, permission id) that the user's current memberships grant."""
    perm_ids = _permission_ids()
    wanted: set[tuple[str, int, int]] = set()
    memberships = (
        Membership.objects.current(on)
        .filter(person__user=user, body__is_active=True)
        .select_related("body")
    )
    for membership in memberships:
        for target, perm in roles.grants_for(membership.body.kind, membership.role):
            kind, ids = _resolve(target, membership.body)
            wanted.update((kind, pk, perm_ids[perm]) for pk in ids)
    return wanted


@transaction.atomic
def permissions_sync_user(*, user: Any, on: dt.date | None = None) -> SyncResult:
    """Make the user's guardian rows equal to what their current memberships grant.

    Only rows of permissions in the role table are touched; rows granted by hand for other
    permissions stay. The user row is locked so that concurrent syncs of one user serialise.
    """
    user_model = get_user_model()
    user_model.objects.select_for_update().filter(pk=user.pk).first()
    wanted = desired_permissions(user, on)
    managed_ids = set(_permission_ids().values())
    process_perm_model = _process_permission_model()
    tables: dict[str, type[models.Model]] = {
        "process": process_perm_model,
        "body": BodyUserObjectPermission,
    }
    granted = revoked = 0
    for kind, table in tables.items():
        existing = {
            (kind, obj_id, perm_id): row_id
            for row_id, obj_id, perm_id in table.objects.filter(
                user=user, permission_id__in=managed_ids
            ).values_list("pk", "content_object_id", "permission_id")
        }
        wanted_here = {key for key in wanted if key[0] == kind}
        stale = [row_id for key, row_id in existing.items() if key not in wanted_here]
        missing = wanted_here - existing.keys()
        if stale:
            table.objects.filter(pk__in=stale).delete()
        if missing:
            table.objects.bulk_create(
                table(user=user, content_object_id=obj_id, permission_id=perm_id)
                for _k, obj_id, perm_id in missing
            )
        granted += len(missing)
        revoked += len(stale)
        changes = [(key, "permission_granted") for key in missing] + [
            (key, "permission_revoked") for key, row_id in existing.items() if row_id in stale
        ]
        if changes:
            _audit_permission_changes(user, kind, changes)
    return SyncResult(granted=granted, revoked=revoked)


def _audit_permission_changes(
    user: Any, kind: str, changes: list[tuple[tuple[str, int, int], str]]
) -> None:
    """One audit event per chain (the process the grant reaches) and direction."""
    codenames = {pk: perm for perm, pk in _permission_ids().items()}
    if kind == "process":
        chain_of = {obj_id: obj_id for (_k, obj_id, _p), _e in changes}
    else:
        body_ids = {obj_id for (_k, obj_id, _p), _e in changes}
        chain_of = dict(Body.objects.filter(pk__in=body_ids).values_list("pk", "process_id"))
    grouped: dict[tuple[int | None, str], dict[int, list[str]]] = {}
    for (_k, obj_id, perm_id), event in changes:
        objects = grouped.setdefault((chain_of.get(obj_id), event), {})
        objects.setdefault(obj_id, []).append(codenames.get(perm_id, str(perm_id)))
    for (process_id, event), objects in sorted(grouped.items(), key=lambda item: str(item[0])):
        audit_record(
            process_id=process_id,
            kind=event,
            actor_id=None,
            object_ref=("auth.user", str(user.pk)),
            payload={
                "user_ref_id": user.pk,
                "target": kind,
                "grants": [
                    {"object_id": obj_id, "permissions": sorted(perms)}
                    for obj_id, perms in sorted(objects.items())
                ],
            },
        )


def permissions_sync_users(*, users: Iterable[Any], on: dt.date | None = None) -> SyncResult:
    granted = revoked = 0
    for user in sorted({u for u in users if u is not None}, key=lambda u: u.pk):
        result = permissions_sync_user(user=user, on=on)
        granted += result.granted
        revoked += result.revoked
    return SyncResult(granted=granted, revoked=revoked)


def _users_affected_by_body(body: Body) -> list[Any]:
    """Users whose grants may reach this body: members of its process or territory bodies."""
    scope = (
        models.Q(body__process_id=body.process_id)
        if body.process_id
        else models.Q(body__territory_id=body.territory_id)
    )
    user_model = get_user_model()
    user_ids = Membership.objects.filter(scope, person__user__isnull=False).values("person__user")
    return list(user_model.objects.filter(pk__in=user_ids))


def permissions_sync_for_process(*, process: Any) -> SyncResult:
    """After a process is created: members of its bodies and of its territory's council bodies."""
    user_model = get_user_model()
    user_ids = Membership.objects.filter(
        models.Q(body__process_id=process.pk)
        | models.Q(
            body__territory_id=process.territory_id,
            body__kind__in=[*Body.COUNCIL_KINDS, Body.Kind.SECRETARIAT],
        ),
        person__user__isnull=False,
    ).values("person__user")
    return permissions_sync_users(users=user_model.objects.filter(pk__in=user_ids))


def permissions_sync_all(*, on: dt.date | None = None) -> SyncResult:
    """Re-sync everyone who has or had a membership: memberships starting or expiring by date.

    Run by Celery beat; idempotent (a second run changes nothing).
    """
    user_model = get_user_model()
    with_memberships = Membership.objects.filter(person__user__isnull=False).values("person__user")
    process_perm_model = _process_permission_model()
    with_rows = set(process_perm_model.objects.values_list("user_id", flat=True)) | set(
        BodyUserObjectPermission.objects.values_list("user_id", flat=True)
    )
    users = user_model.objects.filter(
        models.Q(pk__in=with_memberships) | models.Q(pk__in=with_rows)
    )
    return permissions_sync_users(users=users, on=on)
