from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.workflow.conftest import cycle, other_cycle  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (public pages, generations, rate limits): process
    ids are reused between tests on SQLite, and the test cache lives as long as the process."""
    cache.clear()
    yield
    cache.clear()
