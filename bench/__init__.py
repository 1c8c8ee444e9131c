"""Repeatable measurements; each script updates its own section of docs/benchmarks.md."""
