"""Reads of planning processes, always filtered to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from stakeholders import roles
from stakeholders.exceptions import NotFound
from workflow.models import PlanningProcess


def process_list(*, actor: Any) -> QuerySet[PlanningProcess]:
    """Processes the actor may see; none for the anonymous public (it uses the public portal)."""
    base = PlanningProcess.objects.select_related("territory", "esf_project")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return base.none()
    if actor.is_superuser:
        return base.all()
    visible = get_objects_for_user(
        actor, roles.VIEW_PROCESS, klass=PlanningProcess, accept_global_perms=False
    )
    return base.filter(pk__in=visible.values("pk"))


def process_get(*, actor: Any, pk: int) -> PlanningProcess:
    """One process, or NotFound when it does not exist or the actor may not see it."""
    try:
        return process_list(actor=actor).get(pk=pk)
    except (PlanningProcess.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Planning process not found.")) from None
