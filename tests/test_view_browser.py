"""`evalscope view` pages opened in headless Chromium: filters, detail, comparison, and hostile text.

Needs Debian's ``chromium`` and Playwright's Python package. Without them the tests skip with the
reason, except with ``CI=true``, where a missing browser fails them. Screenshots are saved under
each test's ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from run_folders import write_run

from evalscope.cli import main

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_QUESTION = '<script>window.__pwned = "question"</script><img src=x onerror="window.__pwned = \'img\'">'
HOSTILE_COMPLETION = (
    "</script><script>window.__pwned = 'completion'</script><!-- "
    "<a href=\"javascript:window.__pwned='link'\" id=evil>click</a> [md](javascript:alert(1)) The answer is 18."
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs a browser for these tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("Playwright's Python package is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no browser at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Error as exc:
            _unavailable(f"chromium did not start: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, tmp_path):
    """Open an HTML file; collects console errors, page errors, dialogs and requests."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    seen = {"problems": [], "requests": []}

    def opener(path: Path):
        page = context.new_page()
        page.on("console", lambda m: m.type in ("error", "warning") and seen["problems"].append(m.text))
        page.on("pageerror", lambda e: seen["problems"].append(str(e)))
        page.on("dialog", lambda d: (seen["problems"].append(f"dialog: {d.message}"), d.dismiss()))
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready=true]")
        return page

    opener.seen = seen
    yield opener
    context.close()


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _count(page) -> str:
    return page.inner_text("#sample-count")


def _two_runs(tmp_path: Path) -> tuple[Path, Path]:
    def samples(scores: list, truncated=(), failed=()):
        return [
            {
                "id": f"s{i}",
                "question": HOSTILE_QUESTION if i == 0 else f"Question number {i}",
                "completion": None if i in failed else (HOSTILE_COMPLETION if i == 0 else f"so the answer is {i}"),
                "prediction": "18" if i == 0 else str(i),
                "score": score,
                "finish_reason": "length" if i in truncated else "stop",
            }
            for i, score in enumerate(scores)
        ]

    scores_a = [1.0 if i % 3 else 0.0 for i in range(120)]
    scores_b = [1.0 if i % 4 else 0.0 for i in range(120)]
    a = write_run(tmp_path / "run-a", samples(scores_a, truncated={5, 7}, failed={11}), shape="full")
    b = write_run(tmp_path / "run-b", samples(scores_b, failed={13}), shape="lean")
    return a, b


def test_filters_counts_and_flips_match_the_jsonl_files(tmp_path, open_page):
    a, b = _two_runs(tmp_path)
    output = tmp_path / "both.html"
    assert main(["view", str(a), str(b), "-o", str(output)]) == 0
    page = open_page(output)
    reviews_a = _jsonl(a / "reviews" / "m" / "gsm8k_main.jsonl")
    reviews_b = {r["sample_id"]: r for r in _jsonl(b / "reviews" / "m" / "gsm8k_main.jsonl")}
    expected = {
        "all": len(reviews_a),
        "right": sum(r["error"] is None and r["score"] == 1 for r in reviews_a),
        "wrong": sum(r["error"] is None and r["score"] == 0 for r in reviews_a),
        "errors": sum(r["error"] is not None for r in reviews_a),
        "truncated": sum(bool(r["truncated"]) for r in reviews_a),
        "changed": sum(
            r["error"] is None and reviews_b[r["sample_id"]]["error"] is None
            and r["score"] != reviews_b[r["sample_id"]]["score"]
            for r in reviews_a
        ),
    }  # fmt: skip
    assert expected["changed"] > 0 and expected["truncated"] == 2 and expected["errors"] == 1
    for name, count in expected.items():
        page.click(f"#filters button[data-filter={name}]")
        assert _count(page) == f"{count} of 120 samples", name
        if name == "changed":
            page.screenshot(path=str(tmp_path / "changed-filter.png"), full_page=True)
            shown = page.locator("table.samples tbody tr").count()
            assert shown == min(count, 50)
    # the same filters on run B
    page.select_option("#on", "1")
    page.click("#filters button[data-filter=errors]")
    assert _count(page) == "1 of 120 samples" and page.inner_text("table.samples tbody tr").startswith("s13")
    # the comparison table shows compare's statistics for these runs
    flips_a = sum(
        r["error"] is None
        and reviews_b[r["sample_id"]]["error"] is None
        and r["score"] > reviews_b[r["sample_id"]]["score"]
        for r in reviews_a
    )
    cells = page.locator("#compare-table tbody tr td").all_inner_texts()
    assert cells[:2] == ["run-a", "run-b"] and cells[4] == "118" and cells[9] == str(flips_a)
    assert cells[10] == str(expected["changed"] - flips_a)


def test_search_sort_paging_and_detail(tmp_path, open_page):
    a, b = _two_runs(tmp_path)
    assert main(["view", str(a), "-o", str(tmp_path / "a.html")]) == 0
    page = open_page(tmp_path / "a.html")
    assert page.inner_text("#pager").strip().startswith("previous") and "page 1 of 3" in page.inner_text("#pager")
    page.click("#next")
    assert "page 2 of 3" in page.inner_text("#pager")
    assert page.locator("table.samples tbody tr").first.get_attribute("data-id") == "s50"
    page.fill("#search", "question number 42")
    assert _count(page) == "1 of 120 samples"
    page.fill("#search", "")
    page.select_option("#sort", "score")
    order = [row.get_attribute("data-id") for row in page.locator("table.samples tbody tr").all()[:3]]
    assert order == ["s11", "s0", "s3"]  # no score (the failed sample) first, then the wrong ones
    page.click("table.samples tbody tr[data-id=s3]")
    detail = page.inner_text("#detail")
    assert "Sample s3" in detail and "so the answer is 3" in detail and "Question number 3" in detail
    assert page.inner_text("#detail mark") == "3"
    page.focus("table.samples tbody tr[data-id=s4]")
    page.keyboard.press("Enter")
    assert page.inner_text("#detail-title") == "Sample s4"
    page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)


def test_hostile_text_is_shown_as_text_and_runs_nothing(tmp_path, open_page):
    a, b = _two_runs(tmp_path)
    output = tmp_path / "hostile.html"
    main(["view", str(a), str(b), "-o", str(output)])
    page = open_page(output)
    page.click("table.samples tbody tr[data-id=s0]")
    detail = page.inner_text("#detail")
    assert HOSTILE_QUESTION in detail and HOSTILE_COMPLETION in detail
    assert page.inner_text("table.samples tbody tr[data-id=s0] td.question") == HOSTILE_QUESTION
    assert page.locator("#detail mark").first.inner_text() == "18"
    assert page.locator("img").count() == 0 and page.locator("#evil").count() == 0
    assert page.locator("script").count() == 2  # the data block and the page's own script
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert open_page.seen["problems"] == []
    assert open_page.seen["requests"] == [output.resolve().as_uri()]


def test_view_of_the_readme_first_run(tmp_path, open_page):
    evalscope = [sys.executable, "-m", "evalscope"]
    subprocess.run(
        [*evalscope, "--model-plugin", "dummy", "--datasets", "gsm8k", "--limit", "5"], cwd=tmp_path, check=True
    )
    (run_dir,) = (tmp_path / "outputs").iterdir()
    printed = subprocess.run(
        [*evalscope, "view", f"outputs/{run_dir.name}"], cwd=tmp_path, capture_output=True, text=True
    )
    assert printed.stdout == f"evalscope-view-{run_dir.name}.html\n"
    page = open_page(tmp_path / f"evalscope-view-{run_dir.name}.html")
    assert _count(page) == "5 of 5 samples"
    page.click("#filters button[data-filter=wrong]")
    assert _count(page) == "5 of 5 samples"  # the dummy model answers no question right
    assert page.locator("#overview-table tbody tr td").all_inner_texts()[:5] == [
        run_dir.name, "dummy", "gsm8k", "AverageAccuracy", "0.0000"
    ]  # fmt: skip


def test_named_metrics_are_shown_per_subset_and_per_sample(tmp_path, open_page):
    samples = [
        {"id": "s0", "question": "Q0", "completion": "Mars", "score": 1.0, "metrics": {"exact_match": 1, "f1": 1}},
        {
            "id": "s1",
            "question": "Q1",
            "completion": "it is Mars",
            "score": 0,
            "metrics": {"exact_match": 0, "f1": 0.5},
        },
    ]
    run = write_run(tmp_path / "run", samples)  # no report file: the page builds it from the reviews
    assert main(["view", str(run), "-o", str(tmp_path / "run.html")]) == 0
    page = open_page(tmp_path / "run.html")
    header = page.locator("#subset-tables thead th").all_inner_texts()
    assert header[-2:] == ["exact_match", "f1"]
    assert page.locator("#subset-tables tbody td").all_inner_texts()[-2:] == ["0.5000", "0.7500"]
    page.click("table.samples tbody tr[data-id=s1]")
    assert "exact_match 0.0000, f1 0.5000" in page.inner_text("#detail")
    assert not open_page.seen["problems"]


def test_a_long_answer_and_a_few_shot_prompt_keep_the_samples_table_on_the_page(tmp_path, open_page):
    exemplars = "".join(f"Question: What is {n} times 3?\nAnswer: {3 * n}\n\n" for n in range(1, 6))
    digits = "7" * 1000
    samples = [
        {"id": "s0", "question": f"{exemplars}Question: What is 12 times 7?\nAnswer:", "completion": digits,
         "prediction": digits, "score": 0.0},
        {"id": "s1", "question": f"{exemplars}Question: What is 15 times 2?\nAnswer:", "completion": "30",
         "prediction": "30", "score": 1.0},
    ]  # fmt: skip
    run = write_run(tmp_path / "run", samples)
    assert main(["view", str(run), "-o", str(tmp_path / "run.html")]) == 0
    page = open_page(tmp_path / "run.html")
    questions = page.locator("table.samples tbody td.question").all_inner_texts()
    assert questions == ["What is 12 times 7?", "What is 15 times 2?"]
    width = page.evaluate("window.innerWidth")
    table = page.locator("table.samples").bounding_box()
    assert table["x"] + table["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("table.samples tbody tr[data-id=s0]")
    assert digits in page.inner_text("#detail")  # the detail shows the whole answer, wrapped
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not open_page.seen["problems"]


def test_a_sample_asked_several_times_shows_each_answer(tmp_path, open_page, counting_benchmark, run_plugins):
    from concurrent.futures import ThreadPoolExecutor

    from test_repeats import run_counting

    name = counting_benchmark(4)
    with ThreadPoolExecutor(1) as thread:  # Playwright's loop runs in this one
        thread.submit(run_counting, tmp_path / "run", name, run_plugins, repeats=4).result()
    output = tmp_path / "repeats.html"
    assert main(["view", str(tmp_path / "run"), "-o", str(output)]) == 0
    page = open_page(output)
    assert _count(page) == "4 of 4 samples"
    page.click("table.samples tbody tr[data-id='1']")  # right on its last answer only
    detail = page.inner_text("#detail")
    for answer, status in enumerate(["wrong", "wrong", "wrong", "right"]):
        assert f"Answer {answer}: {status}" in detail
    assert "mean@4 0.2500, pass@1 0.2500, pass@2 0.5000, pass@4 1.0000" in detail
    assert open_page.seen["problems"] == []
