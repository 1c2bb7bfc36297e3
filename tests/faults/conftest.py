"""The real-server fixture of the end-to-end tests, for the fault tests."""

from tests.e2e.conftest import live_server  # noqa: F401  (a fixture, used by name)
