from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def superuser(db):
    from tests.factories import SuperUserFactory

    return SuperUserFactory(username="spravce")
