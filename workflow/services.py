"""Every write on the planning cycle. The stage machine's transition service arrives here too."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stakeholders.models import EsfProject, Organization, Territory
from stakeholders.services import (
    Actor,
    permissions_sync_for_process,
    record_save,
    require_superuser,
)
from workflow.models import PlanningProcess


@transaction.atomic
def process_create(
    *,
    actor: Actor,
    territory: Territory,
    title: str,
    period_start_year: int,
    period_end_year: int,
    esf_project: EsfProject | None = None,
    coordinator_organization: Organization | None = None,
    reason: str = "",
    **fields: Any,
) -> PlanningProcess:
    """Open a planning process in preparation for a territory and a plan period.

    Needs: superuser (the installation's administrator sets up processes and their coordinator).
    Side effects: members of the territory's council bodies get read access to the new process.
    """
    require_superuser(actor, _("planning processes"))
    process = record_save(
        PlanningProcess(
            territory=territory,
            title=title,
            period_start_year=period_start_year,
            period_end_year=period_end_year,
            esf_project=esf_project,
            coordinator_organization=coordinator_organization,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            **fields,
        ),
        actor=actor,
        reason=reason or "Založení plánovacího procesu",
    )
    permissions_sync_for_process(process=process)
    return process
