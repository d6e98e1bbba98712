"""Celery tasks of meetings and resolutions: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task

from workflow.services import meetings, resolutions


@shared_task(name="workflow.tasks_meetings.meeting_invitations_send")
def meeting_invitations_send(meeting_id: int, is_late: bool = False) -> int:
    return meetings.meeting_invitations_send(meeting_id=meeting_id, is_late=is_late)


@shared_task(name="workflow.tasks_meetings.meetings_warn_uninvited")
def meetings_warn_uninvited() -> int:
    return meetings.meetings_warn_uninvited()


@shared_task(name="workflow.tasks_meetings.resolution_points_remind")
def resolution_points_remind() -> int:
    return resolutions.resolution_points_remind()
