"""Celery task of personal data: the daily pseudonymisation after ESF retention dates."""

from __future__ import annotations

from celery import shared_task

from workflow.services import gdpr


@shared_task(name="workflow.tasks_gdpr.retention_pseudonymise_due")
def retention_pseudonymise_due() -> dict[str, int]:
    """Pseudonymise the records of ESF projects whose retention date has passed (idempotent)."""
    result = gdpr.retention_pseudonymise_due()
    return {
        "projects": len(result.project_ids),
        "persons": len(result.person_ids),
        "attendances": result.attendances,
        "comments": result.comments,
    }
