"""evalscope plugin that registers the model ``vllm``: a checkpoint served by ``vllm serve``."""

from evalscope import hookimpl


@hookimpl
def register_models(register):
    """Register ``vllm``: starts ``vllm serve MODEL`` on 127.0.0.1 and evaluates through it."""
    from evalscope_vllm.model import VLLMModel

    register("vllm", VLLMModel)
