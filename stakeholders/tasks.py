"""Celery tasks of stakeholders: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task

from stakeholders import services


@shared_task(name="stakeholders.tasks.memberships_sync_due_permissions")
def memberships_sync_due_permissions() -> dict[str, int]:
    """Grant and revoke object permissions of memberships that started or expired by date."""
    result = services.permissions_sync_all()
    return {"granted": result.granted, "revoked": result.revoked}
