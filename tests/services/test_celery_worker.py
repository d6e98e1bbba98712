"""Tasks sent through Redis run in a real Celery worker process on the test database."""

from __future__ import annotations

import os

import pytest
from celery.result import EagerResult
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.celery import worker_info
from stakeholders.models import Membership
from stakeholders.tasks import memberships_sync_due_permissions
from tests.factories import BodyFactory, PersonFactory, PlanningProcessFactory, UserFactory
from workflow.models import PlanningProcessUserObjectPermission
from workflow.permissions import can_vote

pytestmark = [pytest.mark.services]


def test_task_runs_in_the_worker_process_not_in_the_test_process(celery_worker):
    result = worker_info.delay()

    info = result.get(timeout=30)

    assert not isinstance(result, EagerResult)
    assert info["pid"] != os.getpid()
    assert info["pid"] == celery_worker.pid
    assert info["worker"] == celery_worker.nodename


def test_membership_sync_task_in_the_worker_grants_process_permissions(celery_worker):
    process = PlanningProcessFactory()
    steering_group = BodyFactory(process=process)
    user = UserFactory()
    person = PersonFactory(user=user)
    # Created directly, not through membership_create, so that no permission sync has run yet.
    Membership.objects.create(
        person=person,
        body=steering_group,
        role=Membership.Role.MEMBER,
        triad_side=Membership.TriadSide.PROVIDER,
        valid_from=timezone.localdate(),
    )
    rows = PlanningProcessUserObjectPermission.objects.filter(user=user, content_object=process)
    assert not rows.exists()

    result = memberships_sync_due_permissions.delay()
    counts = result.get(timeout=30)

    assert not isinstance(result, EagerResult)
    assert counts["granted"] > 0
    assert {"view_planningprocess", "vote", "approve_stage", "approve_document"} <= set(
        rows.values_list("permission__codename", flat=True)
    )
    assert can_vote(get_user_model().objects.get(pk=user.pk), process)
