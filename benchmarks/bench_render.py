"""What rendering the community plan through the sandbox costs next to a bare docxtpl render.

A plan with 300 activities (5 priorities × 6 measures × 10 activities, each with costs from two
sources, partners and target groups) is loaded from the database and turned into plain data
once; then the built-in plan template is rendered alternately

* through ``documents.services.rendering.render_docx`` (ImmutableSandboxedEnvironment with
  StrictUndefined, autoescape and the size limits), and
* with a bare ``docxtpl.DocxTemplate.render(context)`` (docxtpl's default Jinja environment),

both including opening the template and saving the result. Medians of several runs, the ratio,
and the targets (overhead ≤ 1.3×, median under 1.5 s) are printed, never asserted. Loading the
tree and building the context are timed separately.

Run: ``python -m benchmarks.bench_render`` (or ``make bench``).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from benchmarks.harness import setup_django, throwaway_database

REPEATS = 11
PRIORITIES, MEASURES, ACTIVITIES = 5, 6, 10
TARGET_RATIO = 1.3
TARGET_SECONDS = 1.5


def build_plan() -> Any:
    """A process with 300 activities, created through the plan services."""
    from django.contrib.auth import get_user_model

    from documents.services import plan as plan_services
    from documents.services.plan import CostInput
    from stakeholders import services as stakeholder_services
    from stakeholders.models import Body, Territory
    from workflow.services import process_create

    admin = get_user_model().objects.create_superuser("bench-admin", "a@example.cz", "bench-pass")
    territory = stakeholder_services.territory_create(
        actor=admin, kind=Territory.Kind.ORP, code="3209", name="Benchmarkov"
    )
    process = process_create(
        actor=admin,
        territory=territory,
        title="Komunitní plán sociálních služeb ORP Benchmarkov",
        period_start_year=2025,
        period_end_year=2027,
    )
    seniors = stakeholder_services.target_group_create(actor=admin, code="seniori", name="Senioři")
    group = stakeholder_services.body_create(
        actor=admin,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=process,
        target_group=seniors,
    )
    organizations = [
        stakeholder_services.organization_create(
            actor=admin, kind="provider", name=f"Poskytovatel {n}, z. ú."
        )
        for n in range(10)
    ]
    for section in ("preparation", "resources_and_needs", "obligations", "monitoring", "changes"):
        plan_services.plan_section_set(
            actor=admin, process=process, kind=section, text="Text kapitoly. " * 40
        )
    plan_services.plan_vision_set(actor=admin, process=process, text="Dostupné služby pro všechny.")
    for p in range(1, PRIORITIES + 1):
        priority = plan_services.plan_priority_create(
            actor=admin,
            process=process,
            number=str(p),
            title=f"Priorita číslo {p}",
            description="Popis priority. " * 10,
            working_group=group,
            target_groups=[seniors],
        )
        for m in range(1, MEASURES + 1):
            measure = plan_services.plan_measure_create(
                actor=admin,
                priority=priority,
                number=f"{p}.{m}",
                title=f"Opatření {p}.{m}",
                goal="Cíl opatření. " * 5,
                indicators="Počet klientů",
            )
            for a in range(1, ACTIVITIES + 1):
                plan_services.plan_activity_create(
                    actor=admin,
                    measure=measure,
                    number=f"{p}.{m}.{a}",
                    title=f"Aktivita {p}.{m}.{a} rozvoje terénních služeb",
                    description="Popis aktivity, jejích kroků a výstupů. " * 6,
                    responsible_organization=organizations[a % 10],
                    partners=organizations[:2],
                    target_groups=[seniors],
                    starts_year=2025,
                    starts_month=1,
                    ends_year=2027,
                    ends_month=12,
                    indicators="Počet podpořených osob",
                    costs=[
                        CostInput("municipality", Decimal(10_000 * a)),
                        CostInput("state", Decimal(25_000 * a)),
                    ],
                )
    return process


def ensure_document_tables() -> None:
    """Create the documents app's tables when its migrations are not generated yet."""
    from django.apps import apps
    from django.db import connection

    existing = set(connection.introspection.table_names())
    missing = [
        model
        for model in apps.get_app_config("documents").get_models()
        if model._meta.db_table not in existing
    ]
    if missing:
        with connection.schema_editor() as editor:
            for model in missing:
                editor.create_model(model)


def timed(operation: Callable[[], object]) -> float:
    start = time.perf_counter()
    operation()
    return time.perf_counter() - start


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from docxtpl import DocxTemplate

    from documents.plan_selectors import plan_tree_load
    from documents.services import rendering
    from documents.services.generation import community_plan_context

    with throwaway_database() as vendor:
        ensure_document_tables()
        process = build_plan()
        with CaptureQueriesContext(connection) as queries:
            load_seconds = timed(lambda: plan_tree_load(process))
        tree = plan_tree_load(process)
        context_seconds = timed(lambda: community_plan_context(tree))
        context = community_plan_context(tree)
        template = rendering.builtin_template_path("community_plan").read_bytes()

        def sandboxed() -> bytes:
            return rendering.render_docx(template, context)

        def bare() -> bytes:
            tpl = DocxTemplate(io.BytesIO(template))
            tpl.render(context)
            output = io.BytesIO()
            tpl.save(output)
            return output.getvalue()

        activities = len(context["activities"])
        if activities != PRIORITIES * MEASURES * ACTIVITIES:
            raise SystemExit(f"The scenario is broken: {activities} activities.")
        # A correctness check, not of speed: both renders must contain every activity.
        for render in (sandboxed, bare):
            import docx

            text = "\n".join(p.text for p in docx.Document(io.BytesIO(render())).paragraphs)
            missing = [a["title"] for a in context["activities"] if a["title"] not in text]
            if missing:
                raise SystemExit(f"{render.__name__} lost {len(missing)} activities.")

        ours: list[float] = []
        baseline: list[float] = []
        for _ in range(REPEATS):  # alternate, so that drift affects both alike
            baseline.append(timed(bare))
            ours.append(timed(sandboxed))
        ours_median, bare_median = statistics.median(ours), statistics.median(baseline)
        ratio = ours_median / bare_median
        # Each sandboxed run is paired with the bare run just before it; the median of the pair
        # ratios is less sensitive to a machine whose load drifts during the benchmark.
        paired = statistics.median(o / b for o, b in zip(ours, baseline, strict=True))

        print(f"bench_render: the community plan with {activities} activities ({vendor})")
        print(f"  {'':44}  {'median s':>9}  {'min s':>7}  {'max s':>7}  {'vs baseline':>11}")
        for label, runs, versus in (
            ("bare docxtpl render (default Jinja env)", baseline, "baseline"),
            ("render_docx (sandbox, StrictUndefined, esc.)", ours, f"{ratio:.2f}x"),
        ):
            print(
                f"  {label:44}  {statistics.median(runs):>9.3f}  {min(runs):>7.3f}  "
                f"{max(runs):>7.3f}  {versus:>11}"
            )
        print(
            f"  ({REPEATS} alternating repetitions of each; lower is faster; "
            f"median of paired ratios {paired:.2f}x)"
        )
        print(
            f"  loading the tree: {load_seconds:.3f} s in {len(queries.captured_queries)} queries;"
            f" building the context: {context_seconds:.3f} s"
        )
        print(
            f"  targets: overhead ≤ {TARGET_RATIO}x → {ratio:.2f}x "
            f"({'met' if ratio <= TARGET_RATIO else 'NOT met'}); median < {TARGET_SECONDS} s → "
            f"{ours_median:.3f} s ({'met' if ours_median < TARGET_SECONDS else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
