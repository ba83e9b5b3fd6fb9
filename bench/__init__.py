"""Benchmarks: measured by hand against a real database, never asserted in tests."""
