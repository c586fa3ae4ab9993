"""evalscope plugin that registers the model ``sglang``: a checkpoint served by ``python -m sglang.launch_server``."""

from evalscope import hookimpl


@hookimpl
def register_models(register):
    """Register ``sglang``: starts SGLang's server on 127.0.0.1 and evaluates through it."""
    from evalscope_sglang.model import SGLangModel

    register("sglang", SGLangModel)
