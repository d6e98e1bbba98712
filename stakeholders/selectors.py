"""Reads of stakeholders, filtered to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from stakeholders import roles
from stakeholders.models import Body, Membership, Person


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
