"""Celery tasks of the public consultation: thin, idempotent wrappers around services.

Beat only notifies: whether a consultation is open is decided by the clock where comments are
written, never by these tasks.
"""

from __future__ import annotations

from celery import shared_task

from workflow.services import consultation as services


@shared_task(name="workflow.tasks_consultation.comment_receipt_send")
def comment_receipt_send(comment_id: int) -> bool:
    return services.comment_receipt_send(comment_id=comment_id)


@shared_task(name="workflow.tasks_consultation.consultation_reminders_send")
def consultation_reminders_send() -> int:
    return services.consultation_reminders_send()


@shared_task(name="workflow.tasks_consultation.consultation_digest_send")
def consultation_digest_send() -> int:
    return services.consultation_digest_send()


@shared_task(name="workflow.tasks_consultation.consultation_phase_events_record")
def consultation_phase_events_record() -> int:
    return services.consultation_phase_events_record()
