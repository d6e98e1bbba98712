"""Write the built-in DOCX templates (templates/docx/*.docx) with python-docx.

The templates are Czech documents with docxtpl tags; their contexts are the contracts in
``documents.services.rendering``. Run ``manage.py build_docx_templates`` after changing this
file and commit the generated files, so that every installation renders the same templates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from documents.services.rendering import BUILTIN_TEMPLATE_DIR, BUILTIN_TEMPLATES

Doc = Any  # docx.document.Document


def _new_document(*, landscape: bool = False) -> Doc:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    # Fixed core properties: the files are reproducible and carry no template tags there.
    props = doc.core_properties
    props.author = "KomPlan"
    props.last_modified_by = "KomPlan"
    props.title = ""
    props.comments = ""
    props.revision = 1
    return doc


def _par(doc: Doc, text: str = "", *, bold: bool = False, size: int | None = None) -> Any:
    paragraph = doc.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    return paragraph


def _tag(doc: Doc, tag: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p ... %})."""
    doc.add_paragraph(f"{{%p {tag} %}}")


def _logolink(doc: Doc) -> None:
    """The ESF logo strip area; the strip itself is placed by the territory's template."""
    _tag(doc, "if esf")
    strip = doc.add_table(rows=1, cols=1)
    strip.style = "Table Grid"
    strip.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell = strip.rows[0].cells[0]
    cell.paragraphs[0].add_run(
        "[LOGOLINK: Evropská unie – Spolufinancováno Evropskou unií | {{ esf.programme }}]"
    ).bold = True
    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.add_paragraph(
        "Projekt {{ esf.name }}, registrační číslo {{ esf.registration_number }}"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _tag(doc, "endif")


def _loop_table(
    doc: Doc,
    headers: Sequence[str],
    loop: str,
    cells: Sequence[str],
    *,
    footer: Sequence[str] | None = None,
    widths: Sequence[float] | None = None,
    font_size: int = 9,
) -> Any:
    """A table: header row, a {%tr for %} row, the repeated row, {%tr endfor %}, a footer."""
    rows = 4 + (1 if footer else 0)
    table = doc.add_table(rows=rows, cols=len(headers))
    table.style = "Table Grid"
    contents: list[Sequence[str]] = [
        headers,
        [f"{{%tr {loop} %}}", *[""] * (len(headers) - 1)],
        cells,
        ["{%tr endfor %}", *[""] * (len(headers) - 1)],
    ]
    if footer:
        contents.append(footer)
    for row_index, values in enumerate(contents):
        for col, value in enumerate(values):
            cell = table.rows[row_index].cells[col]
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(font_size)
            run.bold = row_index == 0 or (footer is not None and row_index == 4)
            if widths:
                cell.width = Cm(widths[col])
    return table


def build_community_plan() -> Doc:
    doc = _new_document(landscape=True)
    _logolink(doc)
    doc.add_heading("Střednědobý plán rozvoje sociálních služeb", level=0)
    _par(doc, "{{ plan.title }}", bold=True, size=14)
    _par(doc, "Území: {{ plan.territory }}")
    _par(doc, "Období: {{ plan.period }}")
    _par(doc, "Dokument vygenerován dne {{ plan.generated_on }} ze strukturovaného obsahu plánu.")

    chapters: list[tuple[str, str | Callable[[], None]]] = [
        ("1. Popis způsobu zpracování plánu", "preparation"),
        (
            "2. Popis a analýza existujících zdrojů a potřeb osob, včetně ekonomické analýzy",
            "resources_and_needs",
        ),
        ("3. Strategie zajištění a rozvoje sociálních služeb", _strategy_chapter(doc)),
        ("4. Povinnosti zúčastněných subjektů", "obligations"),
        ("5. Způsob sledování a vyhodnocování plnění plánu", "monitoring"),
        ("6. Postup pro provádění změn v poskytování sociálních služeb", "changes"),
    ]
    for heading, body in chapters:
        doc.add_heading(heading, level=1)
        if isinstance(body, str):
            _par(doc, f"{{{{ sections.{body} or 'Kapitola dosud nebyla zpracována.' }}}}")
        else:
            body()
    _par(doc)
    _par(doc, "Plán je zpracován podle § 3 písm. h) zákona č. 108/2006 Sb., o sociálních službách.")
    return doc


def _strategy_chapter(doc: Doc) -> Callable[[], None]:
    def write() -> None:
        doc.add_heading("3.1 Vize", level=2)
        _par(doc, "{{ vision or 'Vize dosud nebyla stanovena.' }}")
        doc.add_heading("3.2 Priority, opatření a aktivity", level=2)
        _tag(doc, "for p in priorities")
        _par(doc, "Priorita {{ p.number }}: {{ p.title }}", bold=True, size=13)
        _tag(doc, "if p.working_group")
        _par(doc, "Pracovní skupina: {{ p.working_group }}")
        _tag(doc, "endif")
        _tag(doc, "if p.target_groups")
        _par(doc, "Cílové skupiny: {{ p.target_groups|join(', ') }}")
        _tag(doc, "endif")
        _tag(doc, "if p.description")
        _par(doc, "{{ p.description }}")
        _tag(doc, "endif")
        _tag(doc, "for m in p.measures")
        _par(doc, "Opatření {{ m.number }}: {{ m.title }}", bold=True, size=12)
        _tag(doc, "if m.goal")
        _par(doc, "Cíl: {{ m.goal }}")
        _tag(doc, "endif")
        _tag(doc, "if m.indicators")
        _par(doc, "Indikátory: {{ m.indicators }}")
        _tag(doc, "endif")
        _tag(doc, "for a in m.activities")
        _par(doc, "Aktivita {{ a.number }}: {{ a.title }}", bold=True)
        _tag(doc, "if a.description")
        _par(doc, "{{ a.description }}")
        _tag(doc, "endif")
        _par(
            doc,
            "Odpovědnost: {{ a.responsible or '–' }}; partneři: "
            "{{ a.partners|join(', ') if a.partners else '–' }}; termín: {{ a.period or '–' }}; "
            "stav: {{ a.status }}",
        )
        _tag(doc, "if a.target_groups")
        _par(doc, "Cílové skupiny: {{ a.target_groups|join(', ') }}")
        _tag(doc, "endif")
        _tag(doc, "if a.indicators")
        _par(doc, "Indikátory: {{ a.indicators }}")
        _tag(doc, "endif")
        _par(doc, "Předpokládané náklady celkem: {{ a.total }} Kč")
        _tag(doc, "endfor")
        _tag(doc, "endfor")
        _tag(doc, "endfor")

        doc.add_heading("3.3 Přehled aktivit a předpokládaných nákladů (Kč)", level=2)
        sources = [
            ("municipality", "Obec"),
            ("region", "Kraj"),
            ("state", "Dotace MPSV"),
            ("esf", "ESF"),
            ("health_insurance", "Zdrav. pojišťovny"),
            ("user_payments", "Úhrady uživatelů"),
            ("other", "Ostatní"),
        ]
        _loop_table(
            doc,
            ["Č.", "Aktivita", "Odpovědnost", *[label for _v, label in sources], "Celkem"],
            "for a in activities",
            [
                "{{ a.number }}",
                "{{ a.title }}",
                "{{ a.responsible }}",
                *[f"{{{{ a.cost_by_source.{value} }}}}" for value, _l in sources],
                "{{ a.total }}",
            ],
            footer=[
                "",
                "Celkem",
                "",
                *[f"{{{{ totals.{value} }}}}" for value, _l in sources],
                "{{ totals.total }}",
            ],
            widths=[1.3, 6, 3.5, *[1.9] * len(sources), 2.2],
            font_size=8,
        )

        doc.add_heading("3.4 Zásobník projektů", level=2)
        _tag(doc, "if pipeline")
        _loop_table(
            doc,
            [
                "Projektový záměr",
                "Opatření",
                "Navrhovaný realizátor",
                "Rozpočet (Kč)",
                "Příslib podpory",
                "Stav",
            ],
            "for item in pipeline",
            [
                "{{ item.title }}",
                "{{ item.measure }}",
                "{{ item.implementer }}",
                "{{ item.budget }}",
                "{{ 'ano' if item.support_promised else 'ne' }}"
                "{{ ' – ' ~ item.support_note if item.support_note else '' }}",
                "{{ item.status }}",
            ],
        )
        _tag(doc, "else")
        _par(doc, "Zásobník projektů je prázdný.")
        _tag(doc, "endif")

    return write


def build_minutes() -> Doc:
    doc = _new_document()
    _logolink(doc)
    doc.add_heading("Zápis z jednání", level=0)
    _par(doc, "{{ body }} – zápis č. {{ number }}", bold=True, size=13)
    _par(doc, "Datum: {{ date }}")
    _par(doc, "Místo: {{ place }}")
    _par(doc, "Předsedající: {{ chair }}")
    _par(
        doc,
        "Přítomno {{ present }} z {{ members_total }} členů, omluveno {{ excused }}, "
        "hostů {{ guests }}. Prezenční listina je přílohou zápisu.",
    )
    _par(
        doc,
        "{{ 'Orgán je usnášeníschopný.' if is_quorate else 'Orgán není usnášeníschopný.' }}",
        bold=True,
    )
    _par(doc, "Ověřovatelé zápisu: {{ verifiers|join(', ') if verifiers else '–' }}")
    doc.add_heading("Program jednání", level=1)
    _tag(doc, "for item in agenda")
    _par(doc, "{{ item.number }}. {{ item.title }}")
    _tag(doc, "endfor")
    doc.add_heading("Průběh jednání a přijatá usnesení", level=1)
    _tag(doc, "for item in agenda")
    _par(doc, "{{ item.number }}. {{ item.title }}", bold=True)
    _tag(doc, "if item.discussion")
    _par(doc, "{{ item.discussion }}")
    _tag(doc, "endif")
    _tag(doc, "for d in item.decisions")
    _par(doc, "Usnesení č. {{ d.number }}: {{ d.text }}")
    _par(
        doc,
        "Hlasování: pro {{ d.votes_for }}, proti {{ d.votes_against }}, "
        "zdržel se {{ d.votes_abstained }}. Výsledek: {{ d.outcome }}.",
    )
    _tag(doc, "endfor")
    _tag(doc, "endfor")
    _par(doc)
    _par(doc, "Zapsal(a): {{ recorder }}")
    _par(doc, "Předsedající: {{ chair }}        podpis: ______________________")
    # § 95 Act 128/2000: the minutes are signed by the verifiers named at the meeting.
    _tag(doc, "for v in verifiers")
    _par(doc, "Ověřovatel(ka) zápisu: {{ v }}        podpis: ______________________")
    _tag(doc, "endfor")
    _tag(doc, "if not verifiers")
    _par(doc, "Ověřovatelé zápisu: ______________________        ______________________")
    _tag(doc, "endif")
    return doc


def build_attendance_list() -> Doc:
    doc = _new_document()
    _logolink(doc)
    doc.add_heading("Prezenční listina", level=0)
    _par(doc, "{{ event }}", bold=True, size=13)
    _par(doc, "Typ akce: {{ event_type }}; orgán: {{ body }}")
    _par(doc, "Datum: {{ date }}, čas: {{ time }}, místo: {{ place }}")
    _par(doc, "Organizátor: {{ organizer }}")
    _tag(doc, "if esf")
    _par(doc, "Klíčová aktivita: {{ key_activity }}")
    _tag(doc, "endif")
    _loop_table(
        doc,
        ["Č.", "Jméno a příjmení", "Organizace", "Strana triády", "Podpis"],
        "for r in attendees",
        ["{{ loop.index }}", "{{ r.name }}", "{{ r.organization }}", "{{ r.triad_side }}", ""],
        widths=[1, 5, 5, 3, 4],
        font_size=10,
    )
    _par(doc)
    _tag(doc, "if blank_rows")
    _par(doc, "Další účastníci:")
    _loop_table(
        doc,
        ["Č.", "Jméno a příjmení", "Organizace", "Strana triády", "Podpis"],
        "for n in range(blank_rows)",
        ["{{ attendees|length + loop.index }}", "", "", "", ""],
        widths=[1, 5, 5, 3, 4],
        font_size=10,
    )
    _tag(doc, "endif")
    _par(doc)
    _par(doc, "Počet účastníků: __________")
    _par(doc, "Podpis odpovědné osoby: ______________________")
    _par(doc, "{{ gdpr_notice }}", size=8)
    return doc


def build_settlement() -> Doc:
    doc = _new_document(landscape=True)
    doc.add_heading("Vypořádání připomínek", level=0)
    _par(doc, "Dokument: {{ document }}", bold=True)
    _par(doc, "Připomínkové řízení: {{ consultation }}")
    _par(doc, "Projednáno: {{ decided_by }}")
    _loop_table(
        doc,
        [
            "Č.",
            "Datum doručení",
            "Připomínkující",
            "Část dokumentu",
            "Připomínka",
            "Vypořádání",
            "Odůvodnění",
        ],
        "for c in comments",
        [
            "{{ c.number }}",
            "{{ c.received_on }}",
            "{{ c.submitter }}",
            "{{ c.document_part }}",
            "{{ c.text }}",
            "{{ c.decision }}",
            "{{ c.justification }}",
        ],
        widths=[1, 2.3, 3.5, 3, 7, 2.7, 6],
    )
    _par(doc)
    _par(doc, "Připomínkující jsou uvedeni kategorií nebo organizací (GDPR).", size=8)
    return doc


def build_resolution_extract() -> Doc:
    doc = _new_document()
    doc.add_heading("Výpis z usnesení", level=0)
    _par(doc, "{{ body }}", bold=True, size=13)
    _par(doc, "{{ session }} konané dne {{ date }}")
    _par(doc, "Usnesení č. {{ number }}", bold=True)
    _par(doc, "{{ title }}")
    _par(doc, "Předkládá: {{ submitted_by }}")
    _par(doc, "{{ body }} po projednání:")
    _tag(doc, "for point in points")
    _par(doc, "{{ point.number }}. {{ point.verb }} {{ point.text }}")
    _tag(doc, "if point.responsible or point.deadline")
    _par(doc, "Zodpovídá: {{ point.responsible or '–' }}, termín: {{ point.deadline or '–' }}")
    _tag(doc, "endif")
    _tag(doc, "endfor")
    _par(
        doc,
        "Hlasování: pro {{ votes_for }}, proti {{ votes_against }}, "
        "zdržel se {{ votes_abstained }}. Výsledek: {{ outcome }}.",
    )
    _par(doc)
    _par(doc, "Za správnost výpisu: {{ certified_by }}")
    return doc


def build_esf_report() -> Doc:
    """The ESF report of a period (podklad pro zprávu o realizaci), context built by
    ``workflow.services.esf.report_docx_context``."""
    doc = _new_document(landscape=True)
    _logolink(doc)
    doc.add_heading("Podklad pro zprávu o realizaci projektu ESF", level=0)
    _par(doc, "{{ report.scope }}", bold=True, size=13)
    _par(doc, "Sledované období: {{ report.period }}")
    _par(doc, "Plánovací procesy: {{ report.processes|join('; ') }}")
    _par(
        doc, "Vygenerováno dne {{ report.generated_on }} z evidence jednání, dokumentů a usnesení."
    )

    doc.add_heading("1. Jednání", level=1)
    _par(
        doc,
        "Uskutečněno jednání celkem: {{ meetings_total.meetings }}, z toho veřejných projednání: "
        "{{ meetings_total.hearings }}.",
    )
    _loop_table(
        doc,
        ["Druh jednání", "Jednání", "Přítomno", "Omluveno", "Nepřítomno", "Hosté"],
        "for m in meetings",
        [
            "{{ m.label }}",
            "{{ m.meetings }}",
            "{{ m.present }}",
            "{{ m.excused }}",
            "{{ m.absent }}",
            "{{ m.guests }}",
        ],
        footer=[
            "Celkem",
            "{{ meetings_total.meetings }}",
            "{{ meetings_total.present }}",
            "{{ meetings_total.excused }}",
            "{{ meetings_total.absent }}",
            "{{ meetings_total.guests }}",
        ],
    )

    doc.add_heading("2. Účastníci", level=1)
    _par(
        doc,
        "Jedineční účastníci (každá osoba započtena jednou): {{ participants.total }}, "
        "z toho evidované osoby {{ participants.persons }} a hosté {{ participants.guests }}; "
        "zastoupené organizace: {{ participants.organisations }}.",
    )
    _par(doc, "Podle strany triády (podle poslední účasti v období):", bold=True)
    _loop_table(
        doc, ["Strana triády", "Účastníci"], "for t in triad", ["{{ t.label }}", "{{ t.count }}"]
    )
    _par(
        doc,
        "Podle cílové skupiny (osoba se počítá v každé skupině, jejíhož jednání se účastnila):",
        bold=True,
    )
    _loop_table(
        doc,
        ["Cílová skupina", "Účastníci"],
        "for g in target_groups",
        ["{{ g.label }}", "{{ g.count }}"],
    )

    doc.add_heading("3. Dokumenty", level=1)
    _loop_table(
        doc,
        ["Druh dokumentu", "Vytvořené verze", "Schválené dokumenty", "Zveřejněné dokumenty"],
        "for d in documents",
        ["{{ d.label }}", "{{ d.created }}", "{{ d.approved }}", "{{ d.published }}"],
    )

    doc.add_heading("4. Připomínkování", level=1)
    _par(
        doc,
        "Přijato připomínek: {{ comments.received }}, z toho po termínu {{ comments.late }}; "
        "vypořádáno v období: {{ comments.settled }}; "
        "dosud nevypořádáno: {{ comments.unsettled }}.",
    )
    _loop_table(
        doc,
        [
            "Připomínkové řízení",
            "Období",
            "Přijato",
            "Po termínu",
            "Vypořádáno",
            "Podle rozhodnutí",
        ],
        "for c in consultations",
        [
            "{{ c.title }}",
            "{{ c.period }}",
            "{{ c.received }}",
            "{{ c.late }}",
            "{{ c.settled }}",
            "{{ c.decisions }}",
        ],
    )

    doc.add_heading("5. Přijatá usnesení", level=1)
    _loop_table(
        doc,
        ["Číslo", "Datum", "Orgán", "Název", "Dokument"],
        "for r in resolutions",
        ["{{ r.number }}", "{{ r.date }}", "{{ r.body }}", "{{ r.title }}", "{{ r.document }}"],
    )

    doc.add_heading("6. Indikátory", level=1)
    _loop_table(
        doc,
        ["Kód", "Název", "Jednotka", "Dosažená hodnota", "Cílová hodnota", "Plnění", "Poznámka"],
        "for i in indicators",
        [
            "{{ i.code }}",
            "{{ i.name }}",
            "{{ i.unit }}",
            "{{ i.value or '–' }}",
            "{{ i.target or '–' }}",
            "{{ i.percent or '–' }}",
            "{{ i.note }}{{ ' (ověřit podle výzvy)' if i.to_verify else '' }}",
        ],
        widths=[2, 7, 2, 2.5, 2.5, 2, 7],
    )
    _par(doc, "Hodnoty označené „ověřit podle výzvy“ nejsou ověřeny proti textu výzvy.", size=8)

    doc.add_heading("Příloha: prezenční listiny a zápisy", level=1)
    _loop_table(
        doc,
        ["Jednání", "Orgán", "Datum", "Záznam", "Dokument", "Verze", "SHA-256"],
        "for a in annex",
        [
            "{{ a.meeting }}",
            "{{ a.body }}",
            "{{ a.date }}",
            "{{ a.kind }}",
            "{{ 'CHYBÍ' if a.is_missing else a.document }}",
            "{{ a.version }}",
            "{{ a.sha256 }}",
        ],
        widths=[5, 4, 2.3, 3, 5, 1.4, 6],
        font_size=8,
    )
    _par(doc)
    _par(
        doc,
        "Prezenční listiny se nezveřejňují (GDPR); originály jsou uloženy u příjemce "
        "po dobu stanovenou pravidly programu.",
        size=8,
    )
    return doc


BUILDERS: dict[str, Callable[[], Doc]] = {
    "community_plan": build_community_plan,
    "minutes": build_minutes,
    "attendance_list": build_attendance_list,
    "settlement_of_comments": build_settlement,
    "resolution_extract": build_resolution_extract,
}


# Templates outside the document kinds of ``BUILTIN_TEMPLATES``: file name → builder.
EXTRA_BUILDERS: dict[str, Callable[[], Doc]] = {
    "zprava_esf.docx": build_esf_report,
}


def build_all(directory: Path = BUILTIN_TEMPLATE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, builder in BUILDERS.items():
        path = directory / BUILTIN_TEMPLATES[kind]
        builder().save(str(path))
        written.append(path)
    for filename, builder in EXTRA_BUILDERS.items():
        path = directory / filename
        builder().save(str(path))
        written.append(path)
    return written


class Command(BaseCommand):
    help = "Write the built-in DOCX templates to templates/docx/."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in build_all():
            self.stdout.write(f"{path}")
