"""The core names no plugin: outside ``evalscope/builtins/`` no core module imports a plugin or names one.

The names are the ones the bundled plugins (``plugins/*``) and the built-in model register, read by calling
each plugin's registration hooks in a child process (nothing is installed, nothing stays imported here). A
core module "names" a plugin when one of its string literals (docstrings and the few literals listed in
``DOCUMENTATION`` aside: they describe, they are not code) holds a registered name as a word, or when it
imports a plugin's package or ``evalscope.builtins``.
The built-in scorers (``exact_match``, ``includes``, ``multiple_choice``) are the defaults of the core's
own ``Benchmark`` classes and are not checked.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core" / "evalscope"
PLUGINS = ROOT / "plugins"

# String literals that name plugins as documentation only, by their start: the examples and the --model help of
# `evalscope eval --help` (tests/test_cli_discover.py pins them), and a placeholder API key that is a model's name.
DOCUMENTATION = {
    "cli/main.py": ("examples:\n  evalscope --model-plugin dummy --datasets gsm8k", "what to evaluate: with --api-url"),
    "utils/secrets.py": ("dummy",),
}

COLLECT = """
import importlib, json, sys
names = {}
for module in sys.argv[1:]:
    plugin = importlib.import_module(module)
    for hook in ("register_models", "register_benchmarks", "register_scorers"):
        register = getattr(plugin, hook, None)
        if register is not None:
            register(lambda name, factory: names.setdefault(name, module))
print(json.dumps(names))
"""


def plugin_modules() -> dict[str, Path]:
    """``{entry point module: the plugin's folder}`` for every bundled plugin."""
    import tomllib

    modules = {}
    for pyproject in sorted(PLUGINS.glob("*/pyproject.toml")):
        entry_points = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["entry-points"]["evalscope"]
        for target in entry_points.values():
            modules[target.split(":")[0]] = pyproject.parent
    return modules


@pytest.fixture(scope="module")
def registered() -> dict[str, str]:
    """``{registered name: the module that registers it}`` of the bundled plugins and the built-in model."""
    modules = plugin_modules()
    path = [str(folder) for folder in modules.values()]
    script = f"import sys; sys.path[:0] = {path!r}; sys.dont_write_bytecode = True\n{COLLECT}"
    result = subprocess.run(
        [sys.executable, "-c", script, *modules, "evalscope.builtins.models"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def core_modules() -> list[Path]:
    """Every Python module of the core outside ``builtins/``."""
    return [path for path in sorted(CORE.rglob("*.py")) if "builtins" not in path.relative_to(CORE).parts]


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def references(
    source: str, names: set[str], plugin_packages: set[str], documentation: tuple[str, ...] = ()
) -> list[str]:
    """Where the module ``source`` imports a plugin or holds one of ``names`` in a string literal (other than
    a docstring, or a literal starting with one of ``documentation``)."""
    tree = ast.parse(source)
    skip = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            imported = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in imported:
                if module.split(".")[0] in plugin_packages or module.startswith("evalscope.builtins"):
                    found.append(f"line {node.lineno}: imports {module}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if node.value.startswith(documentation):
                continue
            for word in sorted(set(re.findall(r"[A-Za-z0-9_]+", node.value)) & names):
                found.append(f"line {node.lineno}: names {word!r} in {node.value[:60]!r}")
    return found


def plugin_packages(registered: dict[str, str]) -> set[str]:
    """The top-level packages of the bundled plugins."""
    return {module.split(".")[0] for module in registered.values() if not module.startswith("evalscope.")}


def test_the_registered_names_are_read(registered):
    # One of each kind, from a plugin not installed here, so the list cannot be empty or partial unnoticed.
    assert registered["llama_cpp"] == "evalscope_llama_cpp"
    assert registered["mmlu"] == "evalscope_standard"
    assert registered["general_qa_judge"] == "evalscope_general"
    assert registered["openai_api"] == "evalscope.builtins.models"


def test_the_check_finds_a_plugin_named_or_imported_in_code(registered):
    source = (
        '"""Builds openai_api (a docstring may say so)."""\n'
        "from evalscope.builtins.models import OPENAI_API_MODEL\n"
        "from evalscope_general.judge import Judge\n"
        "API_EVAL_TYPES = ('service', 'openai_api')\n"
        "hint = f'use general_mcq or general_qa with {path}'\n"
        "label = 'an answer to a question'  # llama_cpp in a comment is not code\n"
    )
    assert references(source, set(registered), plugin_packages(registered)) == [
        "line 2: imports evalscope.builtins.models",
        "line 3: imports evalscope_general.judge",
        "line 4: names 'openai_api' in 'openai_api'",
        "line 5: names 'general_mcq' in 'use general_mcq or general_qa with '",
        "line 5: names 'general_qa' in 'use general_mcq or general_qa with '",
    ]


def test_no_core_module_outside_builtins_names_a_plugin(registered):
    names = set(registered)
    problems = {}
    for path in core_modules():
        where = path.relative_to(CORE).as_posix()
        documentation = DOCUMENTATION.get(where, ())
        found = references(path.read_text(encoding="utf-8"), names, plugin_packages(registered), documentation)
        if found:
            problems[where] = found
    assert not problems, json.dumps(problems, indent=1)
