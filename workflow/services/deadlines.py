"""Stage deadlines: reminders to the coordinator, each threshold announced once."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.models import Membership
from workflow.models import DeadlineNotice, StageDeadline

logger = logging.getLogger(__name__)

# Most urgent first: (threshold, days left at most; None = overdue).
THRESHOLDS: tuple[tuple[str, int | None], ...] = (
    (DeadlineNotice.Threshold.OVERDUE, None),
    (DeadlineNotice.Threshold.DUE_IN_1, 1),
    (DeadlineNotice.Threshold.DUE_IN_7, 7),
    (DeadlineNotice.Threshold.DUE_IN_14, 14),
)
SEVERITY = {threshold: rank for rank, (threshold, _days) in enumerate(THRESHOLDS)}


def threshold_reached(due_on: dt.date, today: dt.date) -> str | None:
    """The most urgent threshold a deadline has reached on a day, or None."""
    days_left = (due_on - today).days
    for threshold, days in THRESHOLDS:
        if (days is None and days_left < 0) or (days is not None and 0 <= days_left <= days):
            return threshold
    return None


def coordinator_emails(process_id: int, on: dt.date) -> list[str]:
    emails = (
        Membership.objects.current(on)
        .filter(body__process_id=process_id, role=Membership.Role.COORDINATOR)
        .exclude(person__email="")
        .values_list("person__email", flat=True)
    )
    return sorted(set(emails))


def stage_deadlines_notify(*, today: dt.date | None = None) -> int:
    """E-mail the coordinator about the current stage's deadline at 14, 7, 1 days and overdue.

    Each threshold is sent once per planned date, never twice: the sending is recorded under a
    unique constraint in the same transaction, so that two workers cannot both send it. When
    several thresholds passed while nothing ran, only the most urgent is sent. Returns the
    number of e-mails sent.
    """
    day = today or timezone.localdate()
    sent = 0
    deadlines = StageDeadline.objects.select_related("process").filter(
        stage=F("process__stage"), due_on__lte=day + dt.timedelta(days=14)
    )
    for deadline in deadlines:
        threshold = threshold_reached(deadline.due_on, day)
        if threshold is None:
            continue
        already = DeadlineNotice.objects.filter(deadline=deadline, due_on=deadline.due_on)
        if any(SEVERITY[n.threshold] <= SEVERITY[threshold] for n in already):
            continue
        recipients = coordinator_emails(deadline.process_id, day)
        try:
            with transaction.atomic():
                DeadlineNotice.objects.create(
                    deadline=deadline,
                    threshold=threshold,
                    due_on=deadline.due_on,
                    recipients=len(recipients),
                )
                # Sent inside the transaction: a failed sending rolls the record back, so the
                # next run tries again; a concurrent run waits on the unique row and skips.
                if recipients:
                    _send(deadline, threshold, recipients, day)
        except IntegrityError:
            logger.info("deadline notice %s/%s already sent", deadline.pk, threshold)
            continue
        sent += 1 if recipients else 0
    return sent


def _send(deadline: StageDeadline, threshold: str, recipients: list[str], today: dt.date) -> None:
    process = deadline.process
    days_left = (deadline.due_on - today).days
    if threshold == DeadlineNotice.Threshold.OVERDUE:
        subject = _("Overdue: %(stage)s of %(process)s") % {
            "stage": deadline.get_stage_display(),
            "process": process,
        }
    else:
        subject = _("%(days)s days left: %(stage)s of %(process)s") % {
            "days": max(days_left, 0),
            "stage": deadline.get_stage_display(),
            "process": process,
        }
    body = _(
        "The stage %(stage)s of the planning process %(process)s is planned to end on %(due)s."
    ) % {
        "stage": deadline.get_stage_display(),
        "process": process,
        "due": deadline.due_on.strftime("%d. %m. %Y"),
    }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
