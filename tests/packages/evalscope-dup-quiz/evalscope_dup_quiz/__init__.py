"""A plugin that registers a benchmark named ``quiz``, which ``evalscope-echo-quiz`` also registers."""

from evalscope import hookimpl


@hookimpl
def register_benchmarks(register):
    register("quiz", object)
