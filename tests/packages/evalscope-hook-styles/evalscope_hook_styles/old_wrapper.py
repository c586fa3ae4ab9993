"""A plugin whose ``register_benchmarks`` is an old-style wrapper (``hookwrapper=True``)."""

from evalscope import hookimpl


@hookimpl(hookwrapper=True)
def register_benchmarks(register):
    yield
