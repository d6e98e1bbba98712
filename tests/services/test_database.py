"""`make test-services` really runs on PostgreSQL (and would fail, not skip, without it)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.services]


def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), version()")
        name, version = cursor.fetchone()
    assert name.startswith("test_")
    assert version.startswith("PostgreSQL")
