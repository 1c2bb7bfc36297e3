"""SQL of the prefecture: every query lives in this package."""
