"""Every relative link and anchor in the project's Markdown pages resolves, and README stays a short page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 220

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", flags=re.MULTILINE | re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", flags=re.MULTILINE)


def pages() -> list[Path]:
    """The Markdown pages whose links are checked."""
    found = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "benchmarks" / "README.md"]
    found += sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "plugins").glob("*/README.md"))
    return found


def heading_text(markdown: str) -> str:
    """A heading's text as rendered: code marks, emphasis and link targets dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"[`*]", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but '-' and '_' dropped, spaces as '-'."""
    text = heading_text(heading).strip().lower()
    text = "".join(char for char in text if char.isalnum() or char in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a page (a repeated heading gets -1, -2, ...)."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    result = set()
    for match in HEADING.finditer(text):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(path: Path) -> list[str]:
    """The link and image targets of a page, outside code."""
    text = path.read_text(encoding="utf-8")
    text = FENCE.sub("", text)
    text = re.sub(r"(`+)[^`]+?\1", "", text)
    return LINK.findall(text)


def broken_links(path: Path) -> list[str]:
    """Each relative link of a page whose file or anchor does not exist, as 'target: what is wrong'."""
    problems = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            problems.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            problems.append(f"{target}: no heading with the anchor #{anchor} in {destination.name}")
    return problems


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page):
    assert broken_links(page) == []


def test_readme_is_a_short_page():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_readme_links_every_page_of_the_documentation():
    linked = set()
    for target in links(ROOT / "README.md"):
        file_part = target.partition("#")[0]
        if file_part and not re.match(r"^[a-z][a-z0-9+.-]*:", file_part):
            linked.add((ROOT / file_part).resolve())
    unlinked = [str(page.relative_to(ROOT)) for page in pages()[1:] if page.resolve() not in linked]
    assert unlinked == []


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("After a run: report, compare, view", "after-a-run-report-compare-view"),
        ("Multiple choice: `general_mcq`", "multiple-choice-general_mcq"),
        ("llama.cpp", "llamacpp"),
        ("Why local files are not read through `datasets`", "why-local-files-are-not-read-through-datasets"),
        ("From `plugins new` to publishing", "from-plugins-new-to-publishing"),
        ("Options: what `evalscope plugins show` lists", "options-what-evalscope-plugins-show-lists"),
        ("A model in Python: **CustomModel**", "a-model-in-python-custommodel"),
    ],
)
def test_anchors_are_githubs(heading, anchor):
    assert slug(heading) == anchor


def test_a_broken_file_link_or_anchor_is_reported(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## Its part\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Part\n\n## Part\n\n"
        "[ok](other.md#its-part) [ok](#part-1) [ok](https://example.org/x#y) `[code](missing.md)`\n\n"
        "```\n[fenced](missing.md)\n```\n\n"
        "[gone](missing.md) [no anchor](other.md#nope) ![image](nope.png) [here](#part-2)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#nope: no heading with the anchor #nope in other.md",
        "nope.png: no such file",
        "#part-2: no heading with the anchor #part-2 in page.md",
    ]
