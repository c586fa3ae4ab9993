"""A plugin with a misspelt hook name."""

from evalscope import hookimpl


@hookimpl
def register_modles(register):
    register("never", object)
