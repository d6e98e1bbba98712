"""Shared set-up and timing for the benchmarks.

A benchmark runs in its own process: Django with the test settings, on a throwaway database
(an in-memory SQLite database, or a scratch database beside DATABASE_URL's when that is set),
migrated from scratch and dropped at the end. Timings are medians of several repetitions;
every figure is printed next to a baseline measured in the same run, never compared with a
fixed number.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

REPEATS = 7
TARGET_SECONDS = 0.2


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Create and migrate a scratch database; yield its vendor; drop it afterwards."""
    from django.db import connection

    if connection.vendor != "sqlite":
        base_name = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"]["NAME"] = f"{base_name}_bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection.vendor
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _elapsed(operation: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        operation()
    return time.perf_counter() - start


@dataclass
class Measurement:
    label: str
    runs: list[float] = field(default_factory=list)
    queries_per_op: float = 0.0

    @property
    def ops_per_second(self) -> float:
        return statistics.median(self.runs)


def measure(
    label: str,
    operation: Callable[[], object],
    *,
    repeats: int = REPEATS,
    target_seconds: float = TARGET_SECONDS,
) -> Measurement:
    """Operations per second of ``operation``: one value per repetition, median reported."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    operation()  # warm-up: imports, content-type cache, prepared statements
    number = 1
    while (elapsed := _elapsed(operation, number)) < target_seconds / 10:
        number *= 2
    number = max(1, round(number * target_seconds / max(elapsed, 1e-9)))
    result = Measurement(label)
    for _ in range(repeats):
        result.runs.append(number / _elapsed(operation, number))
    sample = 20
    with CaptureQueriesContext(connection) as queries:
        for _ in range(sample):
            operation()
    result.queries_per_op = len(queries.captured_queries) / sample
    return result


def report(title: str, baseline: Measurement, subjects: list[Measurement]) -> None:
    """Print ops/s (median, min, max), queries per operation and the ratio to the baseline."""
    rows = [baseline, *subjects]
    width = max(len(row.label) for row in rows)
    print(title)
    print(
        f"  {'':{width}}  {'ops/s median':>13}  {'min':>11}  {'max':>11}  "
        f"{'queries/op':>10}  {'vs baseline':>11}"
    )
    for row in rows:
        ratio = (
            "baseline"
            if row is baseline
            else f"{row.ops_per_second / baseline.ops_per_second:.2f}x"
        )
        print(
            f"  {row.label:{width}}  {row.ops_per_second:>13,.0f}  {min(row.runs):>11,.0f}  "
            f"{max(row.runs):>11,.0f}  {row.queries_per_op:>10.1f}  {ratio:>11}"
        )
    print(f"  ({len(baseline.runs)} repetitions of each; higher ops/s is faster)")
