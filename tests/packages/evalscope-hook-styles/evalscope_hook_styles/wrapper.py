"""A plugin whose ``register_models`` is a new-style wrapper (``wrapper=True``)."""

from evalscope import hookimpl
from evalscope.models.custom.dummy_model import DummyCustomModel


@hookimpl(wrapper=True)
def register_models(register):
    register("wrapped-model", DummyCustomModel)
    return (yield)
