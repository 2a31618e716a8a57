"""Benchmarks: each module prints its figures; nothing here is asserted by tests."""
