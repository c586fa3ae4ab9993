"""evalscope plugin that registers the guide's ``DummyCustomModel`` as the model ``dummy``.

The class itself lives in the core, at the import path the custom-model guide uses
(``evalscope.models.custom.dummy_model``); this package makes it selectable with
``evalscope --model-plugin dummy``.
"""

from evalscope import hookimpl


@hookimpl
def register_models(register):
    """Register ``dummy``: answers every prompt with a fixed text (for smoke tests and overhead)."""
    from evalscope.models.custom.dummy_model import DummyCustomModel

    register("dummy", DummyCustomModel)
