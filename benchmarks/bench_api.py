"""The API's process list for a member who may see 50 of 2,000 processes, beside a bare DRF view.

2,000 planning processes in 40 territories; the member sits in the steering groups of 50 of
them (appointed through the membership service, so that the object permissions are the real
ones), and other users hold permissions on the rest. Each request goes through Django's whole
stack in-process (the test client), authenticated by an API token:

* baseline: a bare DRF view with the same token authentication and permission class that
  returns a constant (``/bench/bare/``);
* ``GET /api/v1/processes/`` — the first page (50 rows) of the processes the member may see;
* the same with ``?stage=preparation`` (a filter on top of the permission filter).

The ratio to the bare view is printed, with the queries of each request: the list's query count
does not depend on the number of processes (``tests/api/test_queries.py`` asserts it).

Run: ``python -m benchmarks.bench_api`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from benchmarks.harness import measure, report, setup_django, throwaway_database

PROCESSES = 2000
TERRITORIES = 40
VISIBLE = 50


def __getattr__(name: str) -> Any:
    """``urlpatterns`` of this module as the benchmark's URLconf: the bare view, then the site
    (built on first use, after Django is set up)."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import include, path
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class BareView(APIView):
        authentication_classes = [TokenAuthentication]
        permission_classes = [IsAuthenticated]

        def get(self, request: Request) -> Response:
            return Response({"ok": True})

    return [path("bench/bare/", BareView.as_view()), path("", include("config.urls"))]


def build_scenario() -> str:
    """The processes, the member's 50 memberships and other users' grants; the member's key."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from stakeholders import services as stakeholder_services
    from stakeholders.models import Body, Membership, Territory
    from stakeholders.services_tokens import api_token_issue
    from workflow.models import PlanningProcess, PlanningProcessUserObjectPermission

    user_model = get_user_model()
    admin = user_model.objects.create_superuser("bench-admin", "admin@example.cz", "bench-pass")
    member = user_model.objects.create_user("bench-member", "member@example.cz", "bench-pass")
    others = [
        user_model.objects.create_user(f"bench-other-{i}", f"o{i}@example.cz", "bench-pass")
        for i in range(20)
    ]
    territories = [
        stakeholder_services.territory_create(
            actor=admin, kind=Territory.Kind.ORP, code=f"{3100 + i}", name=f"ORP Benchmarkov {i}"
        )
        for i in range(TERRITORIES)
    ]
    # Built directly: the benchmark reads processes, it does not measure creating them.
    PlanningProcess.objects.bulk_create(
        PlanningProcess(
            territory=territories[i % TERRITORIES],
            title=f"Komunitní plán sociálních služeb {i}",
            period_start_year=2015 + i % 10,
            period_end_year=2027,
        )
        for i in range(PROCESSES)
    )
    processes = list(PlanningProcess.objects.order_by("pk"))
    view = Permission.objects.get(
        content_type__app_label="workflow", codename="view_planningprocess"
    )
    PlanningProcessUserObjectPermission.objects.bulk_create(
        PlanningProcessUserObjectPermission(
            user=others[i % len(others)], content_object=process, permission=view
        )
        for i, process in enumerate(processes[VISIBLE:])
    )
    person = stakeholder_services.person_create(
        actor=admin, first_name="Jana", last_name="Členová", user=member
    )
    for process in processes[:: PROCESSES // VISIBLE][:VISIBLE]:
        body = stakeholder_services.body_create(
            actor=admin, kind=Body.Kind.STEERING_GROUP, name="Řídící skupina", process=process
        )
        stakeholder_services.membership_create(
            actor=admin,
            person=person,
            body=body,
            role=Membership.Role.MEMBER,
            triad_side=Membership.TriadSide.PROVIDER,
            valid_from=timezone.localdate() - dt.timedelta(days=1),
        )
    return api_token_issue(actor=member, reason="Benchmark").key


def main() -> None:
    setup_django()
    from django.apps import apps
    from django.conf import settings
    from django.test import Client

    # Build the schema from the models: the scratch database needs no migration history.
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    settings.ROOT_URLCONF = "benchmarks.bench_api"
    with throwaway_database() as vendor:
        key = build_scenario()
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {key}")

        def get(path: str) -> Any:
            def operation() -> Any:
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {response.status_code}")
                return response

            return operation

        first = client.get("/api/v1/processes/").json()
        # A correctness check of the scenario, not of speed: the member sees exactly 50.
        if first["count"] != VISIBLE or len(first["results"]) != VISIBLE:
            raise SystemExit(f"The member sees {first['count']} processes: scenario broken.")

        baseline = measure("bare DRF view (token auth)", get("/bench/bare/"))
        listing = measure(
            f"GET /api/v1/processes/  [{VISIBLE} of {PROCESSES}]", get("/api/v1/processes/")
        )
        filtered = measure(
            "GET /api/v1/processes/?stage=preparation", get("/api/v1/processes/?stage=preparation")
        )
        report(
            f"bench_api: the process list over the API ({vendor})", baseline, [listing, filtered]
        )
        print(
            f"  the list costs {listing.queries_per_op - baseline.queries_per_op:.0f} queries "
            "more than the bare view, whatever the number of processes"
        )


if __name__ == "__main__":
    main()
