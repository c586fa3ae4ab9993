"""docs/plugins.md documents every hook spec with its signature, so the docs cannot drift from the code."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from evalscope.plugins import hookspecs

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
HEADING = re.compile(r"^### (\w+)\((.*)\)\s*$", re.MULTILINE)


def hook_specs() -> dict[str, object]:
    """Every function in evalscope.plugins.hookspecs marked as a hook spec."""
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return {
        name: value for name, value in vars(hookspecs).items() if inspect.isfunction(value) and hasattr(value, marker)
    }


def documented_hooks() -> dict[str, tuple[str, str]]:
    """``{name: (parameters in the heading, section text)}`` for each ``### name(...)`` heading of the docs."""
    text = DOC.read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    sections = {}
    for index, match in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        next_section = re.search(r"^#{1,3} ", text[match.end() : end], re.MULTILINE)
        stop = match.end() + next_section.start() if next_section else end
        sections[match.group(1)] = (match.group(2), text[match.end() : stop])
    return sections


def signature_line(name: str, function) -> str:
    parameters = ", ".join(
        f"{parameter.name}: {parameter.annotation}" for parameter in inspect.signature(function).parameters.values()
    )
    return f"def {name}({parameters}) -> {inspect.signature(function).return_annotation}"


def words(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def test_the_hook_specs_are_found():
    assert {"register_models", "register_benchmarks", "register_scorers"} <= set(hook_specs())


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_each_hook_spec_is_documented_with_its_signature(name):
    function = hook_specs()[name]
    documented = documented_hooks()
    assert name in documented, f"hook {name!r} is not documented in {DOC.name}: add a '### {name}(...)' section"
    heading_parameters, section = documented[name]
    parameters = ", ".join(inspect.signature(function).parameters)
    assert heading_parameters == parameters, (
        f"hook {name!r} is documented as {name}({heading_parameters}) in {DOC.name}, "
        f"but its spec is {name}({parameters})"
    )
    assert signature_line(name, function) in section, (
        f"the section of hook {name!r} in {DOC.name} does not show its spec: {signature_line(name, function)}"
    )
    for paragraph in inspect.getdoc(function).split("\n\n"):
        assert words(paragraph) in words(section), (
            f"the section of hook {name!r} in {DOC.name} does not say what its docstring says: {words(paragraph)!r}"
        )


def test_no_documented_hook_is_missing_from_the_specs():
    stale = sorted(set(documented_hooks()) - set(hook_specs()))
    assert not stale, f"{DOC.name} documents hooks that the hook specifications do not declare: {', '.join(stale)}"
