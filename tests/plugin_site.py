"""Make the plugin packages of ``tests/packages`` visible as installed plugins, without installing anything.

A package is "installed" into a folder the way an installer would do it: its modules are copied
there and a ``<name>-<version>.dist-info`` with ``METADATA`` and ``entry_points.txt`` (from its
``pyproject.toml``) is written beside them. With the folder on ``sys.path`` or ``PYTHONPATH``,
evalscope finds the plugin through its entry point, as it finds a user's. Used by the test
session and by the scripts in ``benchmarks/``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PACKAGES_DIR = Path(__file__).parent / "packages"


def install_into(site: Path, package: Path) -> None:
    """Make the plugin package at ``package`` (a folder with ``pyproject.toml``) importable and discoverable.

    Copies its modules into ``site`` and writes ``<name>-<version>.dist-info`` with ``METADATA``
    and ``entry_points.txt`` from its ``pyproject.toml``, as an installer would (so nothing, not
    even ``__pycache__``, is written beside the source).
    """
    pyproject = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    for module in pyproject["tool"]["setuptools"]["packages"]:
        shutil.copytree(package / module, site / module, ignore=shutil.ignore_patterns("__pycache__"))
    dist_info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = []
    for group, entries in project.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines.extend(f"{entry} = {target}" for entry, target in entries.items())
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def make_plugin_site(site: Path, names: tuple[str, ...]) -> list[str]:
    """Install the test packages ``names`` into the folder ``site``; returns the path entries to add."""
    for name in names:
        install_into(site, PACKAGES_DIR / name)
    return [str(site)]
