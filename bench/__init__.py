"""Benchmarks of the scorecard paths on a large, generated workspace (`python -m bench`)."""
