"""Benchmark scripts; each records its figures under benchmarks/results/."""
