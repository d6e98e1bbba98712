"""Template injection: hostile DOCX templates are refused with a clear error or render inert.

Each payload is put into a DOCX template built here and rendered through the one rendering
module with the plan's sample context. Payloads that would run code try to create a canary
directory; the test asserts that it never appears. One test shows the same kind of payload
running code in a plain Jinja environment and in a bare docxtpl render.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import jinja2
import pytest
from docxtpl import DocxTemplate
from jinja2.sandbox import SecurityError

from documents.services import rendering

# (id, payload, expected): "forbidden" = TemplateSecurityError; "error" = any refusal with a
# clear message (unknown name, no loader…); "inert" = renders, exposing nothing.
# {canary} is replaced by a path that only code execution could create.
PAYLOADS: list[tuple[str, str, str]] = [
    ("mro-subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "forbidden"),
    ("base-subclasses", "{{ ''.__class__.__base__.__subclasses__() }}", "forbidden"),
    ("tuple-bases", "{{ ().__class__.__bases__[0].__subclasses__() }}", "forbidden"),
    (
        "cycler-globals-os",
        "{{ cycler.__init__.__globals__.os.mkdir('{canary}') }}",
        "error",
    ),
    (
        "joiner-globals-os",
        "{{ joiner.__init__.__globals__.os.mkdir('{canary}') }}",
        "error",
    ),
    ("lipsum-globals", "{{ lipsum.__globals__['os'].mkdir('{canary}') }}", "error"),
    ("namespace-globals", "{{ namespace.__init__.__globals__.os.mkdir('{canary}') }}", "error"),
    ("self-context", "{{ self._TemplateReference__context }}", "forbidden"),
    ("self-globals", "{{ self.__init__.__globals__.__builtins__ }}", "forbidden"),
    (
        "for-subclasses-warning",
        "{% for x in ().__class__.__base__.__subclasses__() %}"
        "{% if 'warning' in x.__name__ %}"
        "{{ x()._module.__builtins__['__import__']('os').mkdir('{canary}') }}"
        "{% endif %}{% endfor %}",
        "forbidden",
    ),
    (
        "attr-filter-chain",
        "{{ ()|attr('__class__')|attr('__base__')|attr('__subclasses__')() }}",
        "forbidden",
    ),
    ("attr-filter-hex-escape", "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", "forbidden"),
    (
        "attr-filter-globals",
        "{{ plan|attr('items')|attr('\\x5f\\x5fself\\x5f\\x5f') }}",
        "forbidden",
    ),
    ("format-mro", "{{ '{0.__class__.__mro__}'.format('') }}", "forbidden"),
    ("format-map-globals", "{{ '{x.__init__.__globals__}'.format_map({'x': plan}) }}", "forbidden"),
    ("format-filter-class", "{{ '%s'|format(''.__class__) }}", "forbidden"),
    ("config", "{{ config }}", "error"),
    ("config-items", "{{ config.items() }}", "error"),
    ("request", "{{ request }}", "error"),
    ("request-environ", "{{ request.environ }}", "error"),
    ("settings-secret", "{{ settings.SECRET_KEY }}", "error"),
    ("url-for-globals", "{{ url_for.__globals__ }}", "error"),
    ("dict-global-class", "{{ dict(a=1).__class__ }}", "error"),
    ("context-dict-class", "{{ plan.__class__ }}", "forbidden"),
    ("method-self", "{{ plan.items.__self__ }}", "forbidden"),
    ("list-pop-self", "{{ [].pop.__self__ }}", "forbidden"),
    ("mutate-dict-update", "{{ plan.update({'title': 'podvrh'}) }}", "forbidden"),
    ("mutate-list-append", "{{ priorities.append(1) }}", "forbidden"),
    ("mutate-list-clear", "{% set x = priorities.clear() %}{{ x }}", "forbidden"),
    (
        "loop-cycle-func",
        "{% for p in priorities %}{{ loop.cycle.__func__ }}{% endfor %}",
        "forbidden",
    ),
    ("string-repeat-bomb", "{{ 'a' * 100000000 }}", "forbidden"),
    ("power-bomb", "{{ 9 ** 99999999 }}", "forbidden"),
    ("power-tower-bomb", "{{ (((10 ** 64) ** 64) ** 64) ** 64 }}", "forbidden"),
    ("range-bomb", "{% for i in range(100000000) %}{% endfor %}", "forbidden"),
    (
        "nested-range-bomb",
        "{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}",
        "forbidden",
    ),
    ("format-width-bomb", "{{ '{:>999999999}'.format(1) }}", "forbidden"),
    ("format-nested-width", "{{ '{:{}}'.format(1, 999999999) }}", "forbidden"),
    ("printf-width-bomb", "{{ '%999999999d' % 1 }}", "forbidden"),
    ("printf-star-width", "{{ '%*d' % (999999999, 1) }}", "forbidden"),
    ("center-filter-bomb", "{{ 'x'|center(999999999) }}", "forbidden"),
    (
        "replace-growth-bomb",
        "{{ 'aaaaaaaaaa'|replace('a', 'aaaaaaaaaa')|replace('a', 'aaaaaaaaaa')"
        "|replace('a', 'aaaaaaaaaa')|replace('a', 'aaaaaaaaaa')|replace('a', 'aaaaaaaaaa')"
        "|replace('a', 'aaaaaaaaaa') }}",
        "forbidden",
    ),
    ("lipsum-output-bomb", "{{ lipsum(n=100000) }}", "error"),
    ("import-os", "{% import 'os' as os %}", "error"),
    ("include-passwd", "{% include '/etc/passwd' %}", "error"),
    ("extends-passwd", "{% extends '/etc/passwd' %}", "error"),
    ("from-import", "{% from 'os' import system %}", "error"),
    ("self-dict", "{{ self.__dict__ }}", "forbidden"),
    ("is-defined-probe", "{{ ''.__class__ is defined }}", "inert"),
    ("escaped-markup", "{{ '<w:p>' ~ plan.title }}", "inert"),
]

assert len(PAYLOADS) >= 30


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    return tmp_path / "CANARY-code-ran"


def template_with(payload: str, *, where: str = "body") -> bytes:
    document = docx.Document()
    document.add_paragraph("Komunitní plán {{ plan.title }}")
    if where == "body":
        document.add_paragraph(payload)
    elif where == "footer":
        document.sections[0].footer.paragraphs[0].text = payload
    elif where == "header":
        document.sections[0].header.paragraphs[0].text = payload
    elif where == "title":
        document.core_properties.title = payload
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def rendered_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs + section.header.paragraphs]
    parts.append(document.core_properties.title or "")
    return "\n".join(parts)


def assert_inert(text: str) -> None:
    for leak in ("<class", "__", "subclasses", "function", "SECRET", "module", "built-in"):
        assert leak not in text


@pytest.mark.parametrize(
    ("payload", "expected"), [(p, e) for _i, p, e in PAYLOADS], ids=[i for i, _p, _e in PAYLOADS]
)
def test_payload_is_blocked_or_inert(payload, expected, canary):
    template = template_with(payload.replace("{canary}", str(canary)))
    context = rendering.sample_context("community_plan")
    if expected == "inert":
        assert_inert(rendered_text(rendering.render_docx(template, context)))
    else:
        error_type = (
            rendering.TemplateSecurityError
            if expected == "forbidden"
            else rendering.TemplateRenderError
        )
        with pytest.raises(error_type) as exc:
            rendering.render_docx(template, context)
        assert exc.value.message
        assert exc.value.http_status == 422
    assert not canary.exists()
    assert context == rendering.sample_context("community_plan"), "the data were mutated"


@pytest.mark.parametrize("where", ["footer", "header", "title"])
def test_payload_outside_the_body_is_blocked_too(where, canary):
    payload = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(rendering.TemplateSecurityError):
        rendering.render_docx(
            template_with(payload, where=where), rendering.sample_context("community_plan")
        )


def test_forbidden_access_is_named_in_the_error():
    with pytest.raises(rendering.TemplateSecurityError) as exc:
        rendering.render_docx(
            template_with("{{ ''.__class__.__mro__ }}"), rendering.sample_context("community_plan")
        )
    assert "__class__" in exc.value.message
    assert "paragraph 2" in exc.value.message or "odstavci 2" in exc.value.message


def test_validation_of_an_uploaded_template_reports_the_attack(canary):
    payload = "{{ cycler.__init__.__globals__.os.mkdir('" + str(canary) + "') }}"
    problems = rendering.validate_template(template_with(payload), "community_plan")
    assert problems and "cycler" in problems[0]
    problems = rendering.validate_template(
        template_with("{{ plan.__class__.__mro__ }}"), "community_plan"
    )
    assert problems and "__class__" in problems[0]
    assert not canary.exists()


def test_the_same_payload_runs_code_without_the_sandbox_and_nothing_here(tmp_path):
    """Proof that the payloads are real: a plain Jinja environment and a bare docxtpl render
    execute them; our rendering module refuses the same template."""
    plain_canary = tmp_path / "plain-jinja"
    jinja2.Environment().from_string(  # noqa: S701 (the point of the test)
        "{{ cycler.__init__.__globals__.os.mkdir('" + str(plain_canary) + "') }}"
    ).render()
    assert plain_canary.is_dir()

    docxtpl_canary = tmp_path / "bare-docxtpl"
    payload = "{{ cycler.__init__.__globals__.os.mkdir('" + str(docxtpl_canary) + "') }}"
    bare = DocxTemplate(io.BytesIO(template_with(payload)))
    bare.render(rendering.sample_context("community_plan"))
    assert docxtpl_canary.is_dir()

    sandboxed_canary = tmp_path / "komplan"
    payload = "{{ cycler.__init__.__globals__.os.mkdir('" + str(sandboxed_canary) + "') }}"
    with pytest.raises(rendering.TemplateRenderError):
        rendering.render_docx(template_with(payload), rendering.sample_context("community_plan"))
    # even with cycler handed in as data, the sandbox refuses the walk to its globals
    payload = "{{ tool.__init__.__globals__.os.mkdir('" + str(sandboxed_canary) + "') }}"
    with pytest.raises((SecurityError, AttributeError)):
        rendering.sandbox_environment().from_string(payload).render(tool=jinja2.utils.Cycler(1))
    assert not sandboxed_canary.exists()
