"""Browser fixtures for the evaluator tests."""

