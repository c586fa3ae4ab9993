"""evalscope plugin that registers the model ``llama_cpp``: a GGUF file served by llama-cpp-python's server.

The server module is not imported here (start-up stays light); the model runs it as a child
process, ``python -m llama_cpp.server``.
"""

from evalscope import hookimpl


@hookimpl
def register_models(register):
    """Register ``llama_cpp``: starts llama.cpp's OpenAI-compatible server on ``--model PATH.gguf``."""
    from evalscope_llama_cpp.model import LlamaCppModel

    register("llama_cpp", LlamaCppModel)
