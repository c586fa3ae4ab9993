"""The ``evalscope`` command: ``cli.main`` parses the flags and runs a command; ``cli.results`` holds the commands
that read run folders (``report``, ``compare``, ``view``)."""

from evalscope.cli.main import main

__all__ = ["main"]
