"""manage.py verify_audit: output, exit codes, --process, --heads, --json, --expect-heads."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from tests.audit.conftest import raw
from tests.factories import PlanningProcessFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_broken(*args: str) -> tuple[CommandError, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    return caught.value, out.getvalue(), err.getvalue()


def test_a_whole_trail_exits_zero_and_says_so(process, chain):
    chain(3)
    chain(2, process_id=None)
    out, err = run()
    assert out == ""
    assert "5" in err and "2" in err


def test_a_broken_chain_exits_one_and_names_the_link(process, chain):
    chain(4)
    target = AuditEvent.objects.get(process=process, seq=3)
    raw("UPDATE audit_auditevent SET actor_id = 99 WHERE id = %s", [target.pk])
    error, _out, err = run_broken()
    assert error.returncode == 1
    assert f"{process.pk}" in err and "3" in err and f"{target.pk}" in err
    assert "hash_mismatch" in err


def test_json_output_lists_breaks_and_heads(process, chain):
    chain(2)
    out, _err = run("--json", "--heads")
    data = json.loads(out)
    assert data["ok"] is True and data["events"] == 2 and data["breaks"] == []
    assert data["heads"] == [
        {
            "process": process.pk,
            "last_seq": 2,
            "last_hash": AuditEvent.objects.get(process=process, seq=2).hash,
        }
    ]
    raw("DELETE FROM audit_auditevent WHERE process_id = %s AND seq = 1", [process.pk])
    error, out, _err = run_broken("--json")
    data = json.loads(out)
    assert error.returncode == 1
    assert data["ok"] is False and "heads" not in data
    assert data["breaks"] == [
        {
            "process_id": process.pk,
            "seq": 2,
            "event_id": AuditEvent.objects.get(process=process, seq=2).pk,
            "problem": "seq_gap",
            "detail": data["breaks"][0]["detail"],
        }
    ]


def test_one_process_or_the_global_chain(process, chain):
    other = PlanningProcessFactory()
    chain(2)
    chain(2, process_id=other.pk)
    chain(1, process_id=None)
    raw("DELETE FROM audit_auditevent WHERE process_id = %s AND seq = 1", [other.pk])
    out, err = run("--process", str(process.pk), "--heads")
    assert out.splitlines()[1].startswith(f"{process.pk} 2 ")
    assert len(out.splitlines()) == 2
    out, _err = run("--process", "global", "--heads")
    assert out.splitlines()[1].startswith("global 1 ")
    error, _out, err = run_broken("--process", str(other.pk))
    assert error.returncode == 1 and "seq_gap" in err
    error, _out, _err = run_broken("--process", "abc")
    assert error.returncode == 2


def test_kept_heads_prove_nothing_was_cut_off(process, chain, tmp_path):
    chain(3)
    out, _err = run("--heads")
    kept_text = tmp_path / "heads.txt"
    kept_text.write_text(out, encoding="utf-8")
    json_out, _err = run("--heads", "--json")
    kept_json = tmp_path / "heads.json"
    kept_json.write_text(json_out, encoding="utf-8")
    chain(2)
    for kept in (kept_text, kept_json):
        run("--expect-heads", str(kept))
    # Cut the chain back to two events, head included: only the kept heads notice.
    second = AuditEvent.objects.get(process=process, seq=2)
    raw("DELETE FROM audit_auditevent WHERE process_id = %s AND seq > 2", [process.pk])
    raw(
        "UPDATE audit_auditchain SET last_seq = 2, last_hash = %s WHERE process_id = %s",
        [second.hash, process.pk],
    )
    run()
    for kept in (kept_text, kept_json):
        error, _out, err = run_broken("--expect-heads", str(kept))
        assert error.returncode == 1 and "expected_head_missing" in err
    error, _out, _err = run_broken("--expect-heads", str(tmp_path / "missing.txt"))
    assert error.returncode == 2
