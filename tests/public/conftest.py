from tests.workflow.conftest import cycle, other_cycle  # noqa: F401  (shared fixtures)
