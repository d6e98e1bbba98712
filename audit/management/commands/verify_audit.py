"""manage.py verify_audit: recompute the audit chains; exit 1 on any break.

verify_audit                         every chain
verify_audit --process 12            one chain (``--process global``: the installation-wide one)
verify_audit --heads > heads.txt     also print each chain's last position and hash
verify_audit --expect-heads heads.txt  prove that no kept head was rewritten or cut off
verify_audit --json                  the result as JSON (with --heads: the heads too)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.verify import GLOBAL, ChainHead, format_heads, parse_heads, verify_chains

EXIT_BROKEN = 1
EXIT_USAGE = 2


def _chain_key(value: str) -> int | None:
    if value == GLOBAL:
        return None
    try:
        number = int(value)
    except ValueError:
        raise CommandError(
            _("--process takes a process id or 'global'."), returncode=EXIT_USAGE
        ) from None
    if number <= 0:
        raise CommandError(_("--process takes a process id or 'global'."), returncode=EXIT_USAGE)
    return number


class Command(BaseCommand):
    help = (
        "Recompute the hash chains of the audit trail and name the first broken link of each; "
        "exit code 1 if any chain is broken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--process",
            action="append",
            metavar="ID",
            help="Check only this process's chain ('global': the installation-wide chain). "
            "May be repeated.",
        )
        parser.add_argument(
            "--heads",
            action="store_true",
            help="Print each chain's process id, last position and last hash, to keep.",
        )
        parser.add_argument(
            "--expect-heads",
            metavar="FILE",
            help="Heads kept earlier (the output of --heads, text or JSON): each must still be "
            "in its chain at the same position with the same hash.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Events fetched per round trip."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        process_ids = None
        if options["process"]:
            process_ids = [_chain_key(value) for value in options["process"]]
        expected: list[ChainHead] = []
        if options["expect_heads"]:
            try:
                expected = parse_heads(Path(options["expect_heads"]).read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(
                    _("Cannot read the kept heads: %(error)s") % {"error": exc},
                    returncode=EXIT_USAGE,
                ) from exc
        result = verify_chains(
            process_ids=process_ids, expected_heads=expected, chunk_size=options["chunk_size"]
        )
        if options["json"]:
            data = result.as_dict()
            if not options["heads"]:
                data.pop("heads")
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for broken in result.breaks:
                self.stderr.write(self.style.ERROR(broken.describe()))
            if options["heads"]:
                self.stdout.write(format_heads(result.heads))
            summary = _("Events checked: %(events)s, chains: %(chains)s.") % {
                "events": result.events,
                "chains": result.chains,
            }
            if result.ok:
                self.stderr.write(self.style.SUCCESS(summary + " " + _("Every chain is whole.")))
        if not result.ok:
            count = len(result.breaks)
            raise CommandError(
                ngettext(
                    "%(count)s chain is broken; its first broken link is listed above.",
                    "%(count)s chains are broken; the first broken link of each is listed above.",
                    count,
                )
                % {"count": count},
                returncode=EXIT_BROKEN,
            )
