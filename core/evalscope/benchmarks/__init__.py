"""Benchmarks: where samples and prompts come from."""

from evalscope.benchmarks.base import Benchmark, Sample

__all__ = ["Benchmark", "Sample"]
