"""Browser fixtures for the evaluator tests."""

from tests.e2e.conftest import browser, live_server, page  # noqa: F401  (pytest fixtures)
