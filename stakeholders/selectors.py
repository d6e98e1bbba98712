"""Reads of stakeholders, filtered to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from stakeholders import roles
from stakeholders.models import Body, Membership, Organization, Person, Territory


def body_list(*, actor: Any) -> QuerySet[Body]:
    base = Body.objects.select_related("territory", "process", "target_group")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return base.none()
    if actor.is_superuser:
        return base.all()
    visible = get_objects_for_user(actor, roles.VIEW_BODY, klass=Body, accept_global_perms=False)
    return base.filter(pk__in=visible.values("pk"))


def membership_list(*, actor: Any) -> QuerySet[Membership]:
    """Memberships of the bodies the actor may see, plus the actor's own."""
    base = Membership.objects.select_related("person", "body")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return base.none()
    if actor.is_superuser:
        return base.all()
    return base.filter(Q(body__in=body_list(actor=actor).values("pk")) | Q(person__user=actor))


def person_list(*, actor: Any) -> QuerySet[Person]:
    """People who sit in a body the actor may see, the actor's own record, and the records the
    actor created (so that a coordinator can appoint a person they have just entered)."""
    base = Person.objects.select_related("organization", "user")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return base.none()
    if actor.is_superuser:
        return base.all()
    created_by_actor = Person.history.filter(history_type="+", history_user=actor).values("id")
    return base.filter(
        Q(memberships__body__in=body_list(actor=actor).values("pk"))
        | Q(user=actor)
        | Q(pk__in=created_by_actor)
    ).distinct()


def _signed_in(actor: Any) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_active


def territory_list(
    *,
    actor: Any,
    kind: str | None = None,
    code: str | None = None,
    search: str | None = None,
    mine: bool = False,
) -> QuerySet[Territory]:
    """Territories by name: reference data (the official codes of regions, ORPs, associations
    and municipalities) that every signed-in user reads, as in the administration; nothing for
    the anonymous. ``mine`` keeps the territories where the actor sees a body (a council body
    of the territory, or a body of one of its processes)."""
    if not _signed_in(actor):
        return Territory.objects.none()
    territories = Territory.objects.order_by("name", "pk")
    if kind:
        territories = territories.filter(kind=kind)
    if code:
        territories = territories.filter(code=code)
    if search:
        territories = territories.filter(Q(name__icontains=search) | Q(code=search))
    if mine:
        bodies = body_list(actor=actor)
        territories = territories.filter(
            Q(pk__in=bodies.filter(territory__isnull=False).values("territory_id"))
            | Q(pk__in=bodies.filter(process__isnull=False).values("process__territory_id"))
        )
    return territories


def organization_list(
    *,
    actor: Any,
    kind: str | None = None,
    ico: str | None = None,
    territory_id: int | None = None,
    search: str | None = None,
) -> QuerySet[Organization]:
    """Organisations by name: reference data (commissioners, providers with their IČO and
    registry id, user organisations) that every signed-in user reads, as in the
    administration; nothing for the anonymous."""
    if not _signed_in(actor):
        return Organization.objects.none()
    organizations = Organization.objects.order_by("name", "pk")
    if kind:
        organizations = organizations.filter(kind=kind)
    if ico:
        organizations = organizations.filter(ico=ico)
    if territory_id is not None:
        organizations = organizations.filter(territory_id=territory_id)
    if search:
        organizations = organizations.filter(
            Q(name__icontains=search) | Q(ico=search) | Q(provider_registry_id=search)
        )
    return organizations
