"""What an object-permission check costs next to a model-level permission check.

A steering-group member's ``workflow.permissions.can_vote(user, process)`` (django-guardian,
per-object rows granted by the membership service) against the bare model-level
``user.has_perm("workflow.vote")`` (Django's ModelBackend), in the same run. Every round gets a
fresh copy of the user object, so that no permission cache on it hides the queries; a third
figure shows the same object check through a prefetched guardian ``ObjectPermissionChecker``.

Run: ``python -m benchmarks.bench_permissions`` (or ``make bench``).
"""

from __future__ import annotations

import copy
import datetime as dt

from benchmarks.harness import measure, report, setup_django, throwaway_database


def build_scenario() -> tuple[object, object]:
    """A process with a steering group and one member appointed through the service."""
    from django.contrib.auth import get_user_model

    from stakeholders import services as stakeholder_services
    from stakeholders.models import Body, Membership, Territory
    from workflow.services import process_create

    user_model = get_user_model()
    admin = user_model.objects.create_superuser("bench-admin", "admin@example.cz", "bench-pass")
    member_user = user_model.objects.create_user("bench-member", "member@example.cz", "bench-pass")
    territory = stakeholder_services.territory_create(
        actor=admin, kind=Territory.Kind.ORP, code="3209", name="Benchmarkov"
    )
    process = process_create(
        actor=admin,
        territory=territory,
        title="Komunitní plán sociálních služeb",
        period_start_year=2025,
        period_end_year=2027,
    )
    steering_group = stakeholder_services.body_create(
        actor=admin, kind=Body.Kind.STEERING_GROUP, name="Řídící skupina", process=process
    )
    person = stakeholder_services.person_create(
        actor=admin, first_name="Jana", last_name="Členová", user=member_user
    )
    stakeholder_services.membership_create(
        actor=admin,
        person=person,
        body=steering_group,
        role=Membership.Role.MEMBER,
        triad_side=Membership.TriadSide.PROVIDER,
        valid_from=dt.date(2025, 1, 1),
    )
    member = user_model.objects.get(pk=member_user.pk)
    return member, process


def main() -> None:
    setup_django()
    from guardian.core import ObjectPermissionChecker

    from workflow.permissions import can_vote

    with throwaway_database() as vendor:
        member, process = build_scenario()
        # A correctness check of the scenario, not of speed: the benchmark must measure a grant.
        if not can_vote(copy.copy(member), process):
            raise SystemExit("The member cannot vote: the scenario is broken.")

        baseline = measure(
            'user.has_perm("workflow.vote")  [model-level, fresh user]',
            lambda: copy.copy(member).has_perm("workflow.vote"),
        )
        object_check = measure(
            "can_vote(user, process)  [object-level, fresh user]",
            lambda: can_vote(copy.copy(member), process),
        )
        checker = ObjectPermissionChecker(member)
        checker.prefetch_perms([process])
        cached = measure(
            'checker.has_perm("vote", process)  [prefetched checker]',
            lambda: checker.has_perm("vote", process),
        )
        report(
            f"bench_permissions: a member's permission checks ({vendor})",
            baseline,
            [object_check, cached],
        )


if __name__ == "__main__":
    main()
