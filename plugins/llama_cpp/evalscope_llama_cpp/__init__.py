"""evalscope plugin that registers the model ``llama_cpp``: a GGUF file served by llama.cpp's own server.

The server (``xllamacpp``) is not imported here (start-up stays light); the model runs it in a child
process, ``python -m evalscope_llama_cpp.serve``.
"""

from evalscope import hookimpl


@hookimpl
def register_models(register):
    """Register ``llama_cpp``: starts llama.cpp's OpenAI-compatible server on ``--model PATH.gguf``."""
    from evalscope_llama_cpp.model import LlamaCppModel

    register("llama_cpp", LlamaCppModel)
