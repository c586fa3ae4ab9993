"""The hook specifications that plugins implement.

Every hook takes a ``register`` callback instead of returning values, so one plugin
can register any number of components and the core can tell which plugin registered
which name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

PROJECT_NAME = "evalscope"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

RegisterCallback = Callable[[str, Any], None]


@hookspec
def register_models(register: RegisterCallback) -> None:
    """Register model adapters.

    Call ``register(name, factory)`` once per model. ``factory`` is a ``CustomModel``
    subclass (or any callable) that the runner calls as ``factory(config=<dict>)``,
    where the dict holds ``model_id``, ``model`` (when ``--model`` is given) and the
    ``--model-args``. Users select the model with ``--model-plugin NAME``.

    A factory may also have ``run_options``, a function of the run's ``TaskConfig``
    returning the options the model takes from it (the dict then holds them too, the
    ``--model-args`` overriding them), and ``eval_types``, the ``--eval-type`` names
    that select it without ``--model-plugin`` (the built-in API model: ``service``).
    """


@hookspec
def register_benchmarks(register: RegisterCallback) -> None:
    """Register benchmarks.

    Call ``register(name, factory)`` once per benchmark. ``factory`` is a ``Benchmark``
    subclass (or any callable) that the runner calls as ``factory(options=<dict>, seed=<int>)``,
    where the dict holds that benchmark's ``--dataset-args``. Users select it with
    ``--datasets NAME``.
    """


@hookspec
def register_scorers(register: RegisterCallback) -> None:
    """Register scorers.

    Call ``register(name, factory)`` once per scorer. ``factory`` is a ``Scorer``
    subclass (or any callable) that the runner calls with no arguments, or, when it
    takes a parameter named ``options``, as ``factory(options=<the benchmark's options>)``
    (its validated ``--dataset-args``: how its answers are scored). A benchmark names
    the scorer it uses in its ``scorer`` attribute.
    """


@hookspec
def register_sandboxes(register: RegisterCallback) -> None:
    """Register sandboxes: places where untrusted programs (code a model wrote) run.

    Call ``register(name, factory)`` once per sandbox. ``factory`` is an
    ``evalscope.sandboxes.Sandbox`` subclass (or any callable) called with no arguments; the
    object runs one program per ``await sandbox.run(program, limits)`` and says in
    ``protections()`` what it enforces, for the report's provenance. A benchmark that runs code
    (``humaneval``, ``mbpp``) takes the sandbox's name in its ``sandbox`` option.
    """
