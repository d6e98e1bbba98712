"""The one module that renders DOCX templates.

Every render goes through :func:`render_docx`: docxtpl with a fresh
``jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True)`` and
a context of plain data only (dicts, lists, strings, numbers, booleans, ``None``). A template,
built-in or uploaded by a territory, can read that data and nothing else: attribute access to
dunder or internal names, mutation of the data and unsafe callables are refused by the sandbox,
and a few size limits (ranges, string repetition, format widths, filter output) keep a template
from exhausting memory. Every failure becomes :class:`TemplateRenderError` (or its security
subclass) with a message that names the problem; no template ever runs code.

The context contracts of the five document kinds are the TypedDicts below; sample contexts
(used to validate uploaded templates and in tests) are in :func:`sample_context`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypedDict

from django.conf import settings
from django.utils.translation import gettext as _
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate as DocxTpl
from jinja2 import BaseLoader, StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from stakeholders.exceptions import ApplicationError

BUILTIN_TEMPLATE_DIR: Final = Path(settings.BASE_DIR) / "templates" / "docx"
BUILTIN_TEMPLATES: Final[dict[str, str]] = {
    "community_plan": "komunitni_plan.docx",
    "minutes": "zapis.docx",
    "attendance_list": "prezencni_listina.docx",
    "settlement_of_comments": "vyporadani_pripominek.docx",
    "resolution_extract": "vypis_z_usneseni.docx",
}

# Limits that keep a template from exhausting memory or time.
MAX_RANGE_ITEMS: Final = 10_000  # all range() iterations of one render together
MAX_VALUE_CHARS: Final = 1_000_000  # a string or list produced by an operator or a filter
MAX_POWER_EXPONENT: Final = 64
MAX_POWER_BITS: Final = 4096  # the size of a power's result
_HUGE_FORMAT_FIELD = re.compile(
    r"%[-+ #0]*(\*|\d{5,}|\d*\.(\*|\d{5,}))"  # printf: huge or argument-supplied width
    r"|\{[^{}]*:[^{}]*(\d{5,}|\{)"  # str.format: huge or nested (argument-supplied) width
)
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
_UNDEFINED_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'$")
_PLAIN_SCALARS = (str, int, float, bool, type(None))
_CONTEXT_SNIPPET_CHARS: Final = 160


# --- errors -----------------------------------------------------------------------------------


class TemplateRenderError(ApplicationError):
    """A template could not be rendered; ``problems`` lists what is wrong, in plain words."""

    code = "template_error"
    http_status = 422

    def __init__(self, message: str, *, problems: list[str] | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.problems = problems or [message]


class TemplateSecurityError(TemplateRenderError):
    """The template tried something the sandbox forbids (internal attributes, unsafe calls…)."""

    code = "template_forbidden"


# --- the sandbox ------------------------------------------------------------------------------


class _RangeBudget:
    """``range`` for templates: every iteration of every range in one render counts."""

    def __init__(self, limit: int = MAX_RANGE_ITEMS):
        self.left = limit

    def __call__(self, *args: int) -> Iterator[int]:
        values = range(*args)
        if len(values) > self.left:
            raise SecurityError(
                f"range() of {len(values)} items exceeds the template limit of {MAX_RANGE_ITEMS}"
            )
        self.left -= len(values)
        return iter(values)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _limit_output(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so that its result cannot grow past ``MAX_VALUE_CHARS``."""

    @functools.wraps(func)
    def limited(*args: Any, **kwargs: Any) -> Any:
        if name == "format" and args and isinstance(args[0], str):
            _check_format_string(args[0])
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_VALUE_CHARS:
                raise SecurityError(f"the argument {value} of the filter '{name}' is too large")
        result = func(*args, **kwargs)
        if _size(result) > MAX_VALUE_CHARS:
            raise SecurityError(f"the filter '{name}' produced a value that is too large")
        return result

    return limited


def _check_format_string(text: str) -> None:
    if _HUGE_FORMAT_FIELD.search(text):
        raise SecurityError("a format field width or precision in the template is too large")


class _NoFilesLoader(BaseLoader):
    """A template is one document: include, import and extends are refused."""

    def get_source(self, environment: Any, template: str) -> Any:
        raise SecurityError(f"a template cannot include other files ({template!r})")


class DocxSandbox(ImmutableSandboxedEnvironment):
    """``ImmutableSandboxedEnvironment`` with size limits; globals are a limited ``range`` only."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=True, loader=_NoFilesLoader())
        # lipsum, cycler, joiner, namespace and dict are not needed by documents.
        self.globals.clear()
        self.globals["range"] = _RangeBudget()
        self.filters = {name: _limit_output(name, f) for name, f in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float):
            base_bits = left.bit_length() if isinstance(left, int) else 64
            if abs(right) > MAX_POWER_EXPONENT or base_bits * abs(right) > MAX_POWER_BITS:
                raise SecurityError(f"the exponent {right} is too large")
        elif operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if (
                    _size(sequence)
                    and isinstance(times, int)
                    and _size(sequence) * times > MAX_VALUE_CHARS
                ):
                    raise SecurityError("repeating the value would make it too large")
        elif operator == "%" and isinstance(left, str):
            _check_format_string(left)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_string(value.__self__)
        return wrapped


def sandbox_environment() -> ImmutableSandboxedEnvironment:
    """A fresh sandbox for one render (the range budget is per render)."""
    return DocxSandbox()


# --- plain data -------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Convert a value to template data: Decimal and dates become strings; models are refused."""
    if isinstance(value, _PLAIN_SCALARS):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(
        f"Template context must be plain data; got {type(value).__module__}."
        f"{type(value).__qualname__}"
    )


def _assert_plain(value: Any, path: str = "context") -> None:
    if isinstance(value, _PLAIN_SCALARS):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings, got {key!r}")
            _assert_plain(item, f"{path}.{key}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _assert_plain(item, f"{path}[{index}]")
        return
    raise TypeError(
        f"{path}: template context must be plain data (dict, list, str, int, float, bool, None),"
        f" got {type(value).__qualname__}; convert it with documents.services.rendering.plain()"
    )


# --- rendering --------------------------------------------------------------------------------


def _snippet(exc: Exception) -> str:
    """The document text around a failing tag, as docxtpl reports it."""
    lines = [line.strip() for line in getattr(exc, "docx_context", None) or [] if line.strip()]
    text = " ".join(lines)
    if len(text) > _CONTEXT_SNIPPET_CHARS:
        text = text[: _CONTEXT_SNIPPET_CHARS - 1] + "…"
    return text


def _template_line(exc: BaseException) -> int | None:
    """The line of the rendered part where a runtime error happened (docxtpl puts each
    paragraph on its own line, so this is roughly the paragraph's position)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    # line 1 opens the document body; the first paragraph is on line 2
    return max(line - 1, 1) if line else None


def _describe(exc: Exception) -> TemplateRenderError:
    """Turn a Jinja error into a domain error naming the problem."""
    where = _snippet(exc)
    line = None if where else _template_line(exc)
    if where:
        where_text = _(" near the text: “%(text)s”") % {"text": where}
    elif line:
        where_text = _(" (around paragraph %(line)s)") % {"line": line}
    else:
        where_text = ""
    if isinstance(exc, SecurityError):
        message = _("The template tries a forbidden operation (%(detail)s)%(where)s.") % {
            "detail": str(exc),
            "where": where_text,
        }
        return TemplateSecurityError(message, code="template_forbidden")
    if isinstance(exc, AttributeError):
        message = _("The template tries a forbidden operation (%(detail)s)%(where)s.") % {
            "detail": _("access to the internal attribute “%(name)s”") % {"name": exc.args[0]},
            "where": where_text,
        }
        return TemplateSecurityError(message, code="template_forbidden")
    if isinstance(exc, UndefinedError):
        detail = str(exc)
        internal = _UNDEFINED_ATTRIBUTE.search(detail)
        if internal and internal.group(1).startswith("_"):
            message = _("The template tries a forbidden operation (%(detail)s)%(where)s.") % {
                "detail": _("access to the internal attribute “%(name)s”")
                % {"name": internal.group(1)},
                "where": where_text,
            }
            return TemplateSecurityError(message, code="template_forbidden")
        if match := _UNDEFINED_NAME.match(detail):
            message = _("The template uses an unknown variable “%(name)s”%(where)s.") % {
                "name": match.group(1),
                "where": where_text,
            }
        elif match := _UNDEFINED_ATTRIBUTE.search(detail):
            message = _("The template uses an unknown field “%(name)s”%(where)s.") % {
                "name": match.group(1),
                "where": where_text,
            }
        else:
            message = _("The template uses an unknown value (%(detail)s)%(where)s.") % {
                "detail": detail,
                "where": where_text,
            }
        return TemplateRenderError(message, code="template_undefined")
    if isinstance(exc, TemplateSyntaxError):
        message = _("The template has a syntax error on line %(line)s: %(detail)s%(where)s.") % {
            "line": exc.lineno,
            "detail": exc.message or str(exc),
            "where": where_text,
        }
        return TemplateRenderError(message, code="template_syntax")
    message = _("The template cannot be rendered: %(detail)s%(where)s.") % {
        "detail": str(exc),
        "where": where_text,
    }
    return TemplateRenderError(message)


def _open(template: bytes | Path) -> DocxTpl:
    if isinstance(template, Path):
        template = template.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(template)):
        raise TemplateRenderError(_("The template is not a DOCX file."), code="template_not_docx")
    tpl = DocxTpl(io.BytesIO(template))
    try:
        tpl.init_docx()
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise TemplateRenderError(
            _("The template is not a DOCX file (%(detail)s).") % {"detail": exc},
            code="template_not_docx",
        ) from exc
    return tpl


def render_docx(template: bytes | Path, context: dict[str, Any]) -> bytes:
    """Render a DOCX template (bytes, or a path of a built-in template) with plain data.

    Raises ``TemplateRenderError`` / ``TemplateSecurityError``; ``TypeError`` when the caller
    passes anything but plain data (a programming error, not a user's).
    """
    _assert_plain(context)
    tpl = _open(template)
    try:
        tpl.render(context, sandbox_environment())
    except SecurityError as exc:
        raise _describe(exc) from exc
    except TemplateError as exc:
        raise _describe(exc) from exc
    except AttributeError as exc:
        # Jinja's Undefined raises a bare AttributeError for dunder names ("__globals__") asked
        # of an attribute the sandbox already refused; anything else is a programming error.
        if not (exc.args and str(exc.args[0]).startswith("_")):
            raise
        raise _describe(exc) from exc
    except RecursionError as exc:
        raise TemplateSecurityError(
            _("The template nests too deeply."), code="template_forbidden"
        ) from exc
    output = io.BytesIO()
    tpl.save(output)
    return output.getvalue()


def builtin_template_path(kind: str) -> Path:
    return BUILTIN_TEMPLATE_DIR / BUILTIN_TEMPLATES[kind]


def validate_template(content: bytes, kind: str) -> list[str]:
    """Problems of a template of a kind, empty when it renders the sample context.

    Parses every part (undeclared variables are all reported at once), then renders the sample
    context in the sandbox. Never runs the template's code outside the sandbox.
    """
    try:
        tpl = _open(content)
    except TemplateRenderError as exc:
        return exc.problems
    context = sample_context(kind)
    problems: list[str] = []
    try:
        unknown = sorted(tpl.get_undeclared_template_variables(sandbox_environment(), context))
    except TemplateError as exc:
        return _describe(exc).problems
    problems.extend(
        _("The template uses an unknown variable “%(name)s”.") % {"name": name}
        for name in unknown
        if name not in ("range", "loop")
    )
    if problems:
        return problems
    try:
        render_docx(content, context)
    except TemplateRenderError as exc:
        problems.extend(exc.problems)
    return problems


# --- context contracts ------------------------------------------------------------------------


class EsfContext(TypedDict):
    """The ESF project for the logo strip (*logolink*); ``None`` in the context without one."""

    programme: str
    registration_number: str
    name: str


class CostContext(TypedDict):
    source: str  # Activity cost source value
    label: str  # its Czech label
    amount: str  # formatted CZK, e.g. "125 000"


class ActivityContext(TypedDict):
    number: str
    title: str
    description: str
    target_groups: list[str]
    responsible: str
    partners: list[str]
    period: str
    indicators: str
    status: str
    costs: list[CostContext]
    cost_by_source: dict[str, str]  # source value → formatted amount ("" when none)
    total: str


class MeasureContext(TypedDict):
    number: str
    title: str
    goal: str
    indicators: str
    activities: list[ActivityContext]


class PriorityContext(TypedDict):
    number: str
    title: str
    description: str
    working_group: str
    target_groups: list[str]
    measures: list[MeasureContext]


class PipelineContext(TypedDict):
    title: str
    description: str
    measure: str
    implementer: str
    budget: str
    support_promised: bool
    support_note: str
    status: str


class CommunityPlanContext(TypedDict):
    plan: dict[str, str]  # title, period, territory, generated_on
    esf: EsfContext | None
    sections: dict[str, str]  # the five text chapters of § 3 h) (strategy is the tree)
    vision: str
    priorities: list[PriorityContext]
    activities: list[ActivityContext]  # flat, for the cost table
    cost_sources: list[dict[str, str]]  # value, label: the table's columns
    totals: dict[str, str]  # per source value and "total"
    pipeline: list[PipelineContext]


class DecisionContext(TypedDict):
    number: str
    text: str
    votes_for: int
    votes_against: int
    votes_abstained: int
    outcome: str


class AgendaItemContext(TypedDict):
    number: str
    title: str
    discussion: str
    decisions: list[DecisionContext]


class MinutesContext(TypedDict):
    body: str
    number: str
    date: str
    place: str
    members_total: int
    present: int
    excused: int
    guests: int
    is_quorate: bool
    chair: str
    recorder: str
    verifiers: list[str]
    agenda: list[AgendaItemContext]
    esf: EsfContext | None


class AttendeeContext(TypedDict):
    name: str
    organization: str
    triad_side: str


class AttendanceListContext(TypedDict):
    event: str
    event_type: str
    body: str
    date: str
    time: str
    place: str
    organizer: str
    key_activity: str
    attendees: list[AttendeeContext]
    blank_rows: int  # empty rows for walk-in participants
    esf: EsfContext | None
    gdpr_notice: str


class CommentContext(TypedDict):
    number: str
    received_on: str
    submitter: str  # category or organisation, never a private name
    document_part: str
    text: str
    decision: str
    justification: str


class SettlementContext(TypedDict):
    document: str
    consultation: str
    decided_by: str
    comments: list[CommentContext]


class ResolutionPointContext(TypedDict):
    number: str
    verb: str
    text: str
    responsible: str
    deadline: str


class ResolutionExtractContext(TypedDict):
    body: str
    session: str
    date: str
    number: str
    title: str
    submitted_by: str
    points: list[ResolutionPointContext]
    votes_for: int
    votes_against: int
    votes_abstained: int
    outcome: str
    certified_by: str


GDPR_NOTICE: Final = (
    "Osobní údaje uvedené v této prezenční listině zpracovává organizátor pouze pro doložení "
    "účasti na jednání a pro kontrolu projektu podle čl. 6 odst. 1 písm. c) a e) GDPR. "
    "Prezenční listina se nezveřejňuje; uchovává se po dobu stanovenou pravidly programu."
)


def sample_context(kind: str) -> dict[str, Any]:
    """A small context of a kind, with every field of its contract, for validation and tests."""
    esf: EsfContext = {
        "programme": "OPZ+",
        "registration_number": "CZ.03.02.02/00/22_007/0001234",
        "name": "Plánování sociálních služeb na Horažďovicku",
    }
    cost: CostContext = {"source": "municipality", "label": "Obec", "amount": "10 000"}
    by_source = {source: "" for source in COST_SOURCES}
    activity: ActivityContext = {
        "number": "1.1.1",
        "title": "Vydání katalogu sociálních služeb",
        "description": "Každoroční aktualizace a vydání katalogu.",
        "target_groups": ["Senioři"],
        "responsible": "Město Horažďovice",
        "partners": ["Charita Horažďovice"],
        "period": "1/2025–12/2025",
        "indicators": "Počet výtisků",
        "status": "plánováno",
        "costs": [cost],
        "cost_by_source": {**by_source, "municipality": "10 000"},
        "total": "10 000",
    }
    samples: dict[str, dict[str, Any]] = {
        "community_plan": {
            "plan": {
                "title": "Komunitní plán sociálních služeb",
                "period": "2025–2027",
                "territory": "ORP Horažďovice",
                "generated_on": "1. 1. 2025",
            },
            "esf": esf,
            "sections": {key: "Text kapitoly." for key in PLAN_TEXT_SECTIONS},
            "vision": "Dostupné sociální služby pro všechny.",
            "priorities": [
                {
                    "number": "1",
                    "title": "Informovanost",
                    "description": "",
                    "working_group": "PS Senioři",
                    "target_groups": ["Senioři"],
                    "measures": [
                        {
                            "number": "1.1",
                            "title": "Katalog služeb",
                            "goal": "",
                            "indicators": "",
                            "activities": [activity],
                        }
                    ],
                }
            ],
            "activities": [activity],
            "cost_sources": [{"value": "municipality", "label": "Obec"}],
            "totals": {**by_source, "municipality": "10 000", "total": "10 000"},
            "pipeline": [
                {
                    "title": "Denní stacionář",
                    "description": "",
                    "measure": "1.1",
                    "implementer": "Charita Horažďovice",
                    "budget": "1 000 000",
                    "support_promised": True,
                    "support_note": "",
                    "status": "navrženo",
                }
            ],
        },
        "minutes": {
            "body": "Řídící skupina",
            "number": "1/2025",
            "date": "15. 1. 2025",
            "place": "Městský úřad",
            "members_total": 9,
            "present": 7,
            "excused": 2,
            "guests": 1,
            "is_quorate": True,
            "chair": "Jana Nováková",
            "recorder": "Petr Svoboda",
            "verifiers": ["Eva Dvořáková"],
            "agenda": [
                {
                    "number": "1",
                    "title": "Schválení programu",
                    "discussion": "Bez připomínek.",
                    "decisions": [
                        {
                            "number": "ŘS/1/2025",
                            "text": "Řídící skupina schvaluje program jednání.",
                            "votes_for": 7,
                            "votes_against": 0,
                            "votes_abstained": 0,
                            "outcome": "přijato",
                        }
                    ],
                }
            ],
            "esf": esf,
        },
        "attendance_list": {
            "event": "Jednání pracovní skupiny Senioři",
            "event_type": "jednání pracovní skupiny",
            "body": "PS Senioři",
            "date": "15. 1. 2025",
            "time": "14:00–16:00",
            "place": "Městský úřad",
            "organizer": "Město Horažďovice",
            "key_activity": "KA 2",
            "attendees": [
                {"name": "Jana Nováková", "organization": "Charita", "triad_side": "poskytovatel"}
            ],
            "blank_rows": 2,
            "esf": esf,
            "gdpr_notice": GDPR_NOTICE,
        },
        "settlement_of_comments": {
            "document": "Komunitní plán sociálních služeb 2025–2027, verze 3",
            "consultation": "1. 3. 2025 – 31. 3. 2025",
            "decided_by": "Řídící skupina dne 10. 4. 2025",
            "comments": [
                {
                    "number": "1",
                    "received_on": "5. 3. 2025",
                    "submitter": "poskytovatel sociálních služeb",
                    "document_part": "Opatření 1.1",
                    "text": "Doplnit terénní služby.",
                    "decision": "akceptováno",
                    "justification": "Doplněno do aktivity 1.1.2.",
                }
            ],
        },
        "resolution_extract": {
            "body": "Zastupitelstvo města Horažďovice",
            "session": "12. zasedání",
            "date": "20. 6. 2025",
            "number": "123/2025/ZM",
            "title": "Komunitní plán sociálních služeb 2025–2027",
            "submitted_by": "Rada města",
            "points": [
                {
                    "number": "1",
                    "verb": "schvaluje",
                    "text": "Komunitní plán sociálních služeb ORP Horažďovice 2025–2027.",
                    "responsible": "",
                    "deadline": "",
                }
            ],
            "votes_for": 15,
            "votes_against": 0,
            "votes_abstained": 1,
            "outcome": "přijato",
            "certified_by": "Petr Svoboda",
        },
    }
    return samples[kind]


# Values of ActivityCost.Source, in the order of the plan's cost table.
COST_SOURCES: Final = (
    "municipality",
    "region",
    "state",
    "esf",
    "health_insurance",
    "user_payments",
    "other",
)

# The text chapters of § 3 h) of Act 108/2006; the strategy (c) is the structured tree.
PLAN_TEXT_SECTIONS: Final = (
    "preparation",
    "resources_and_needs",
    "obligations",
    "monitoring",
    "changes",
)
