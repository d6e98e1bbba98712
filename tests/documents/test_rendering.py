"""DOCX rendering: the built-in Czech templates, the plan from the structured content, errors
that name the problem, uploaded templates per territory, and (when LibreOffice is there) PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from documents.management.commands.build_docx_templates import build_all
from documents.models.plan import ActivityCost, DocxTemplate
from documents.plan_selectors import plan_tree_load
from documents.services import generation, rendering
from documents.services import plan as plan_services
from documents.services.plan import CostInput
from stakeholders.exceptions import ApplicationError, PermissionDenied
from tests.factories import EsfProjectFactory, OrganizationFactory
from tests.stakeholders.conftest import World


def make_docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


# --- built-in templates -----------------------------------------------------------------------

HEADINGS = {
    "community_plan": "Střednědobý plán rozvoje sociálních služeb",
    "minutes": "Zápis z jednání",
    "attendance_list": "Prezenční listina",
    "settlement_of_comments": "Vypořádání připomínek",
    "resolution_extract": "Výpis z usnesení",
}


@pytest.mark.parametrize("kind", list(rendering.BUILTIN_TEMPLATES))
def test_builtin_templates_render_their_contracts(kind):
    template = rendering.builtin_template_path(kind).read_bytes()
    assert rendering.validate_template(template, kind) == []
    text = docx_text(rendering.render_docx(template, rendering.sample_context(kind)))
    assert HEADINGS[kind] in text
    assert "{{" not in text and "{%" not in text


def test_builtin_templates_are_what_the_build_command_writes(tmp_path):
    for path in build_all(tmp_path):
        committed = rendering.BUILTIN_TEMPLATE_DIR / path.name
        with zipfile.ZipFile(path) as built, zipfile.ZipFile(committed) as stored:
            assert built.read("word/document.xml") == stored.read("word/document.xml"), path.name


def test_minutes_show_votes_and_quorum():
    context = rendering.sample_context("minutes")
    context["is_quorate"] = False
    text = docx_text(rendering.render_docx(rendering.builtin_template_path("minutes"), context))
    assert "Hlasování: pro 7, proti 0, zdržel se 0. Výsledek: přijato." in text
    assert "Orgán není usnášeníschopný." in text
    assert "Přítomno 7 z 9 členů" in text


def test_attendance_list_has_signature_column_blank_rows_and_gdpr_clause():
    context = rendering.sample_context("attendance_list")
    context["blank_rows"] = 5
    content = rendering.render_docx(rendering.builtin_template_path("attendance_list"), context)
    document = docx.Document(io.BytesIO(content))
    people = document.tables[1]
    assert [c.text for c in people.rows[0].cells][-1] == "Podpis"
    assert [c.text for c in people.rows[1].cells][:4] == [
        "1",
        "Jana Nováková",
        "Charita",
        "poskytovatel",
    ]
    assert len(document.tables[2].rows) == 1 + 5
    text = docx_text(content)
    assert "GDPR" in text and "LOGOLINK" in text


def test_settlement_lists_category_not_private_name():
    context = rendering.sample_context("settlement_of_comments")
    text = docx_text(
        rendering.render_docx(rendering.builtin_template_path("settlement_of_comments"), context)
    )
    for column in ("Č.", "Datum doručení", "Připomínkující", "Vypořádání", "Odůvodnění"):
        assert column in text
    assert "poskytovatel sociálních služeb" in text


def test_resolution_extract_lists_points_with_verbs():
    context = rendering.sample_context("resolution_extract")
    context["points"].append(
        {
            "number": "2",
            "verb": "ukládá",
            "text": "zveřejnit plán",
            "responsible": "tajemník",
            "deadline": "31. 7. 2025",
        }
    )
    text = docx_text(
        rendering.render_docx(rendering.builtin_template_path("resolution_extract"), context)
    )
    assert "1. schvaluje Komunitní plán" in text
    assert "2. ukládá zveřejnit plán" in text
    assert "Zodpovídá: tajemník, termín: 31. 7. 2025" in text
    assert "Hlasování: pro 15, proti 0, zdržel se 1." in text


def test_values_are_escaped_not_interpreted():
    context = rendering.sample_context("resolution_extract")
    context["title"] = 'Plán <w:p> & {{ 7*7 }} "citace"'
    content = rendering.render_docx(rendering.builtin_template_path("resolution_extract"), context)
    assert 'Plán <w:p> & {{ 7*7 }} "citace"' in docx_text(content)


def test_only_plain_data_is_accepted(world):
    context = rendering.sample_context("minutes")
    context["body"] = world.steering_group
    with pytest.raises(TypeError, match="plain data"):
        rendering.render_docx(rendering.builtin_template_path("minutes"), context)
    context["body"] = Decimal("1.5")
    with pytest.raises(TypeError):
        rendering.render_docx(rendering.builtin_template_path("minutes"), context)


# --- errors that name the problem -------------------------------------------------------------


def test_unknown_variable_is_named():
    with pytest.raises(rendering.TemplateRenderError) as exc:
        rendering.render_docx(make_docx("Dobrý den {{ nazev_obce }}"), {})
    assert "nazev_obce" in exc.value.message
    assert exc.value.code == "template_undefined"


def test_unknown_field_is_named():
    with pytest.raises(rendering.TemplateRenderError) as exc:
        rendering.render_docx(make_docx("{{ plan.rozpocet }}"), {"plan": {"title": "x"}})
    assert "rozpocet" in exc.value.message


def test_syntax_error_names_the_line_and_text():
    template = make_docx("Úvod", "Druhý odstavec", "Chyba {% for x in %} zde")
    with pytest.raises(rendering.TemplateRenderError) as exc:
        rendering.render_docx(template, {})
    assert exc.value.code == "template_syntax"
    assert "line" in exc.value.message or "řádku" in exc.value.message
    assert "Chyba" in exc.value.message


def test_validation_lists_every_unknown_variable_at_once():
    template = make_docx("{{ body }} {{ neznama }}", "{{ dalsi_neznama }}")
    problems = rendering.validate_template(template, "minutes")
    assert len(problems) == 2
    assert any("neznama" in p for p in problems) and any("dalsi_neznama" in p for p in problems)


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken", make_docx("x")[:200]])
def test_broken_files_are_reported(content):
    assert rendering.validate_template(content, "minutes")
    with pytest.raises(rendering.TemplateRenderError):
        rendering.render_docx(content, {})


# --- the community plan from the structured content -------------------------------------------


def build_rich_plan(world: World, *, activities: int = 12) -> list[str]:
    actor = world.superuser
    plan_services.plan_vision_set(
        actor=actor, process=world.process, text="Dostupné a kvalitní sociální služby."
    )
    for kind in ("preparation", "resources_and_needs", "obligations", "monitoring", "changes"):
        plan_services.plan_section_set(
            actor=actor, process=world.process, kind=kind, text=f"Text kapitoly {kind}."
        )
    priority = plan_services.plan_priority_create(
        actor=actor,
        process=world.process,
        number="1",
        title="Péče v domácím prostředí",
        working_group=world.wg_seniors,
        target_groups=[world.seniors],
    )
    measures = [
        plan_services.plan_measure_create(
            actor=actor, priority=priority, number=f"1.{n}", title=f"Opatření {n}"
        )
        for n in (1, 2)
    ]
    org = OrganizationFactory(name="Charita Horažďovice")
    texts = []
    for n in range(1, activities + 1):
        measure = measures[n % 2]
        title = f"Aktivita číslo {n} & <spol.>"
        description = f"Popis aktivity {n}: terénní péče o seniory v obci {n}."
        plan_services.plan_activity_create(
            actor=actor,
            measure=measure,
            number=f"{measure.number}.{n}",
            title=title,
            description=description,
            responsible_organization=org,
            starts_year=2025,
            ends_year=2027,
            costs=[
                CostInput(ActivityCost.Source.MUNICIPALITY, Decimal("1000")),
                CostInput(ActivityCost.Source.STATE_SUBSIDY, Decimal("2500")),
            ],
        )
        texts += [title, description]
    plan_services.plan_pipeline_item_create(
        actor=actor,
        process=world.process,
        title="Denní stacionář pro seniory",
        measure=measures[0],
        implementer_name="Spolek Senior",
        budget=Decimal("3500000"),
        support_promised=True,
    )
    return texts


def test_generated_plan_opens_and_contains_every_activity(world):
    texts = build_rich_plan(world)
    context = generation.community_plan_context(plan_tree_load(world.process))
    content = rendering.render_docx(rendering.builtin_template_path("community_plan"), context)
    text = docx_text(content)
    for snippet in texts:
        assert snippet in text
    for heading in (
        "1. Popis způsobu zpracování plánu",
        "2. Popis a analýza existujících zdrojů a potřeb osob, včetně ekonomické analýzy",
        "3. Strategie zajištění a rozvoje sociálních služeb",
        "4. Povinnosti zúčastněných subjektů",
        "5. Způsob sledování a vyhodnocování plnění plánu",
        "6. Postup pro provádění změn v poskytování sociálních služeb",
    ):
        assert heading in text
    assert "Priorita 1: Péče v domácím prostředí" in text
    assert "Opatření 1.2: Opatření 2" in text
    assert "Denní stacionář pro seniory" in text
    assert "LOGOLINK" not in text  # no ESF project
    cost_table = docx.Document(io.BytesIO(content)).tables[0]
    totals = [cell.text for cell in cost_table.rows[-1].cells]
    assert totals[1] == "Celkem"
    assert totals[3] == "12\u00a0000"  # municipality
    assert totals[5] == "30\u00a0000"  # state subsidy
    assert totals[-1] == "42\u00a0000"


def test_plan_numbering_sorts_numerically(world):
    build_rich_plan(world, activities=11)
    context = generation.community_plan_context(plan_tree_load(world.process))
    numbers = [a["number"] for a in context["activities"]]
    assert numbers[:3] == ["1.1.2", "1.1.4", "1.1.6"]
    assert numbers.index("1.1.10") > numbers.index("1.1.8")


def test_plan_of_an_esf_project_carries_the_logo_strip(world):
    build_rich_plan(world, activities=1)
    process = world.process
    process.esf_project = EsfProjectFactory()
    process.save()
    context = generation.community_plan_context(plan_tree_load(process))
    text = docx_text(
        rendering.render_docx(rendering.builtin_template_path("community_plan"), context)
    )
    assert "LOGOLINK" in text
    assert process.esf_project.registration_number in text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_generated_plan_converts_to_pdf(world, tmp_path):
    texts = build_rich_plan(world, activities=3)
    context = generation.community_plan_context(plan_tree_load(world.process))
    source = tmp_path / "plan.docx"
    source.write_bytes(
        rendering.render_docx(rendering.builtin_template_path("community_plan"), context)
    )
    subprocess.run(  # noqa: S603
        [
            shutil.which("soffice"),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    pdf = tmp_path / "plan.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        out = subprocess.run(  # noqa: S603
            [shutil.which("pdftotext"), str(pdf), "-"], check=True, capture_output=True
        ).stdout.decode()
        assert texts[1].split(":")[0] in out


# --- templates uploaded by a territory --------------------------------------------------------


def own_minutes_template(marker: str) -> bytes:
    return make_docx(f"{marker} – zápis {{{{ number }}}}", "{{ body }}, {{ date }}")


def test_territory_template_is_validated_stored_and_preferred(world):
    coordinator = world.users["coordinator"]
    first = generation.docx_template_upload(
        actor=coordinator,
        kind="minutes",
        territory=world.territory,
        name="Zápis města",
        content=own_minutes_template("Horažďovice"),
        filename="zapis.docx",
    )
    second = generation.docx_template_upload(
        actor=coordinator,
        kind="minutes",
        territory=world.territory,
        name="Zápis města v2",
        content=own_minutes_template("Horažďovice v2"),
    )
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert len(second.sha256) == 64
    content, label = generation.docx_template_for(world.process, "minutes")
    assert label == second.label
    rendered = rendering.render_docx(content, rendering.sample_context("minutes"))
    assert "Horažďovice v2 – zápis 1/2025" in docx_text(rendered)
    # another territory's process still uses the built-in template
    _content, other_label = generation.docx_template_for(world.other_process, "minutes")
    assert other_label == "builtin:zapis.docx"


def test_broken_upload_is_refused_with_its_problems_and_nothing_stored(world):
    with pytest.raises(rendering.TemplateRenderError) as exc:
        generation.docx_template_upload(
            actor=world.users["coordinator"],
            kind="minutes",
            territory=world.territory,
            name="Rozbitá",
            content=make_docx("{{ neznama_promenna }}", "{% if %}"),
        )
    assert exc.value.problems
    assert not DocxTemplate.objects.exists()


@pytest.mark.parametrize(
    ("who", "territory_attr"),
    [
        ("wg_member", "territory"),
        ("sg_member", "territory"),
        ("other_coordinator", "territory"),
        ("coordinator", None),  # the installation's default is the administrator's
    ],
)
def test_who_may_not_upload_templates(world, who, territory_attr):
    with pytest.raises(PermissionDenied):
        generation.docx_template_upload(
            actor=world.users[who],
            kind="minutes",
            territory=getattr(world, territory_attr) if territory_attr else None,
            name="Zápis",
            content=own_minutes_template("x"),
        )


def test_altered_stored_template_is_refused(world):
    template = generation.docx_template_upload(
        actor=world.superuser,
        kind="minutes",
        territory=None,
        name="Výchozí",
        content=own_minutes_template("Výchozí"),
    )
    Path(template.file.path).write_bytes(own_minutes_template("Podvržená"))
    with pytest.raises(ApplicationError) as exc:
        generation.docx_template_for(world.process, "minutes")
    assert exc.value.code == "template_tampered"
