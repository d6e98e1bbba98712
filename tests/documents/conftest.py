"""Fixtures shared by the document tests: the planning world of the stakeholders tests."""

from tests.stakeholders.conftest import world, world_keys  # noqa: F401
