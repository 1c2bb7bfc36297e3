"""The real-server fixture of the end-to-end tests, for the fault tests."""

