"""The end-to-end fixtures (real server, headless Chromium) for the screen tests."""

from tests.e2e.conftest import browser, live_server, page  # noqa: F401  (pytest fixtures)
