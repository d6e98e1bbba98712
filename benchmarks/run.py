"""Run every benchmark in this package (`make bench`), each in a fresh process.

Exits non-zero when a benchmark fails to run; it never judges the figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    names = sorted(path.stem for path in HERE.glob("bench_*.py"))
    failed = []
    for name in names:
        print(f"=== benchmarks.{name}", flush=True)
        result = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
            [sys.executable, "-m", f"benchmarks.{name}"], cwd=HERE.parent, check=False
        )
        if result.returncode != 0:
            failed.append(name)
        print(flush=True)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"{len(names)} benchmark(s) run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
