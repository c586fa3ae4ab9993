"""The version of the evalscope core."""

__version__ = "0.1.0"
