"""Benchmarks: where samples and prompts come from."""

from evalscope.benchmarks.base import Benchmark, Sample
from evalscope.benchmarks.base import __getattr__ as __getattr__  # lazy BenchmarkOptions

__all__ = ["Benchmark", "BenchmarkOptions", "Sample"]
