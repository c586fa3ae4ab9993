"""A plugin whose ``register_scorers`` takes no arguments (it only notes that it was called)."""

from evalscope import hookimpl
from evalscope.models.custom.dummy_model import DummyCustomModel

CALLS = []


@hookimpl
def register_scorers():
    CALLS.append("register_scorers")


@hookimpl
def register_models(register):
    register("no-args-model", DummyCustomModel)
