"""The engine process of the ``llama_cpp`` model: llama.cpp's own HTTP server (through ``xllamacpp``), until stopped.

    python -m evalscope_llama_cpp.serve --model PATH.gguf --host 127.0.0.1 --port PORT --api-key KEY
        [--settings JSON]

Starts llama.cpp's C++ server (continuous batching, ``n_parallel`` slots, the OpenAI-compatible
endpoints) on ``HOST:PORT``, accepting only ``KEY``, with ``--settings`` (a JSON object of
``xllamacpp.CommonParams`` fields, see ``apply_settings``) applied first. It serves until SIGTERM or
SIGINT, then stops the server and exits 0. llama.cpp logs to stderr. A setting it cannot take or
a server that cannot start (a model that does not load, a port in use) ends it with code 1 and one
line on stderr saying why.
"""

from __future__ import annotations

import argparse
import enum
import json
import signal
import sys
from typing import Any

# Shorthands for fields that live in a nested object of CommonParams.
THREAD_FIELDS = {"n_threads": ("cpuparams", "cpuparams_batch"), "n_threads_batch": ("cpuparams_batch",)}
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class SettingError(ValueError):
    """A ``--settings`` entry that ``xllamacpp.CommonParams`` cannot take."""


def setting_value(current: Any, value: Any, name: str) -> Any:
    """``value`` in the type of the field's ``current`` value: an enum from its name (or the end of its name,
    case-insensitive: ``"enabled"`` for ``LLAMA_FLASH_ATTN_TYPE_ENABLED``) or number, a set from a string or
    a list; anything else as it is (the field checks its own type)."""
    if isinstance(current, enum.Enum):
        kind = type(current)
        if isinstance(value, str):
            matches = [member for key, member in kind.__members__.items() if key.lower().endswith(value.lower())]
            if len(matches) != 1:
                raise SettingError(f"{name}: {value!r} is not one of {', '.join(kind.__members__)}")
            return matches[0]
        return kind(value)
    if isinstance(current, set):
        return {value} if isinstance(value, str) else set(value)
    return value


def apply_settings(params: Any, settings: dict[str, Any], prefix: str = "") -> None:
    """Set each ``settings`` key on ``params`` (an ``xllamacpp.CommonParams`` or one of its nested objects).

    A mapping sets the fields of a nested object (``{"sampling": {"top_k": 1}}``); ``n_threads`` sets the
    threads of generation and prompt processing, ``n_threads_batch`` those of prompt processing.
    ``SettingError`` names the first key that is unknown or of the wrong type.
    """
    if not prefix and "n_threads" in settings:  # first, so that an n_threads_batch given too wins whatever its place
        settings = {"n_threads": settings["n_threads"], **settings}
    for key, value in settings.items():
        name = prefix + key
        if not prefix and key in THREAD_FIELDS:
            for group in THREAD_FIELDS[key]:
                apply_settings(getattr(params, group), {"n_threads": value}, f"{group}.")
            continue
        if key.startswith("_") or not hasattr(params, key):
            raise SettingError(f"unknown setting {name!r} (not a field of xllamacpp.CommonParams)")
        current = getattr(params, key)
        if isinstance(value, dict) and not isinstance(current, dict):
            apply_settings(current, value, f"{name}.")
            continue
        try:
            setattr(params, key, setting_value(current, value, name))
        except (TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, SettingError):
                raise
            raise SettingError(f"setting {name!r} cannot be {value!r}: {exc}") from None


def server_params(args: argparse.Namespace) -> Any:
    """The ``xllamacpp.CommonParams`` of the server: ``--settings``, then the model, address and key."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    apply_settings(params, json.loads(args.settings))
    params.model.path = args.model
    params.hostnames = [args.host]
    params.port = args.port
    params.api_keys = [args.api_key]
    return params


def serve(params: Any) -> None:
    """Run the server on ``params`` until SIGTERM or SIGINT arrives, then stop it."""
    import xllamacpp

    # Blocked before the server's threads exist, so they inherit the mask and the signal waits for sigwait.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    server = xllamacpp.Server(params)
    signum = signal.sigwait(STOP_SIGNALS)
    print(f"stopping the server on {signal.Signals(signum).name}", file=sys.stderr, flush=True)
    del server


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, start the server and serve until stopped; 1 (and one line on stderr) on failure."""
    parser = argparse.ArgumentParser(prog="python -m evalscope_llama_cpp.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the GGUF file to serve")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--settings", default="{}", help="a JSON object of xllamacpp.CommonParams fields")
    args = parser.parse_args(argv)
    try:
        serve(server_params(args))
    except json.JSONDecodeError as exc:
        print(f"llama.cpp server: --settings is not a JSON object ({exc.msg})", file=sys.stderr, flush=True)
        return 1
    except SettingError as exc:
        print(f"llama.cpp server: {exc}", file=sys.stderr, flush=True)
        return 1
    except RuntimeError as exc:  # xllamacpp's own failure; llama.cpp's lines above say what went wrong
        print(f"llama.cpp server could not start: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
