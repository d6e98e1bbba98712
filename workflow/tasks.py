"""Celery tasks of the planning cycle: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.models import Membership
from workflow import services
from workflow.models import StageTransition


@shared_task(name="workflow.tasks.stage_transition_notify")
def stage_transition_notify(transition_id: int) -> int:
    """Tell the steering group and the coordinator that the process moved. Sent once."""
    with transaction.atomic():
        record = (
            StageTransition.objects.select_for_update()
            .select_related("process")
            .filter(pk=transition_id, notified_at__isnull=True)
            .first()
        )
        if record is None:
            return 0
        recipients = sorted(
            set(
                Membership.objects.current()
                .filter(body__process_id=record.process_id, body__kind="steering_group")
                .exclude(person__email="")
                .values_list("person__email", flat=True)
            )
        )
        if recipients:
            subject = _("%(process)s: %(stage)s") % {
                "process": record.process,
                "stage": record.get_to_stage_display(),
            }
            body = _("The planning process moved from %(from)s to %(to)s.\nReason: %(reason)s") % {
                "from": record.get_from_stage_display(),
                "to": record.get_to_stage_display(),
                "reason": record.reason,
            }
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        record.notified_at = timezone.now()
        record._change_reason = "Notification sent"  # type: ignore[attr-defined]
        record.save(update_fields=["notified_at"])
        return len(recipients)


@shared_task(name="workflow.tasks.stage_deadlines_notify")
def stage_deadlines_notify() -> int:
    return services.stage_deadlines_notify()


@shared_task(name="workflow.tasks.decisions_close_due")
def decisions_close_due() -> int:
    return services.decisions_close_due()


# Registers the consultation and the meeting tasks.
from workflow import tasks_consultation, tasks_meetings  # noqa: E402, F401
