"""Size and opening time of ``evalscope view`` pages.

Case 1: two full GSM8K runs (2 x 1319 samples, the default 4-shot prompt) by a model that answers
with the gold solution padded to about ``--completion-chars`` characters (wrong on every fifth
question in run B). Case 2: one run folder of ``--big`` samples written directly (short prompts).
For each: the HTML file's size, the time to write it, and the time from navigation until the page
has rendered its overview and first page of samples in headless Chromium (``/usr/bin/chromium``,
via Playwright), the median of ``--repeat`` openings.

    python benchmarks/view_page.py [--completion-chars 1200] [--big 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class GoldModel(CustomModel):
    """Answers with the gold solution, padded with reasoning text; wrong on every ``wrong_every``-th question."""

    def __init__(self, chars: int, wrong_every: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.chars, self.wrong_every, self.count = chars, wrong_every, 0

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        out = []
        for item in kwargs["origin_inputs"]:
            self.count += 1
            solution, _, answer = item["raw"]["answer"].partition("####")
            if self.wrong_every and self.count % self.wrong_every == 0:
                answer = "-1"
            padding = "Let me check that step again. " * max(0, (self.chars - len(solution)) // 30)
            text = f"{padding}{solution}The answer is {answer.strip()}."
            out.append({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]})
        return out


def gsm8k_run(folder: Path, model: CustomModel) -> Path:
    config = TaskConfig(model=model, model_id="gold", datasets=["gsm8k"], eval_type="custom", work_dir=str(folder))
    config.no_timestamp = True
    run_task(config)
    return folder


def big_run(folder: Path, samples: int) -> Path:
    for kind in ("predictions", "reviews", "reports"):
        (folder / kind / "m").mkdir(parents=True)
    with (
        (folder / "predictions/m/synthetic_main.jsonl").open("w") as preds,
        (folder / "reviews/m/synthetic_main.jsonl").open("w") as reviews,
    ):
        for i in range(samples):
            text = f"Step one. Step two. The answer is {i % 7}."
            message = {"role": "assistant", "content": text}
            response = {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
            prompt = {"messages": [{"role": "user", "content": f"Question {i}: what is {i} mod 7?"}]}
            preds.write(json.dumps({"sample_id": str(i), "prompt": prompt, "response": response, "error": None}) + "\n")
            review = {"sample_id": str(i), "prediction": str(i % 7), "gold": str(i % 7), "score": float(i % 3 > 0)}
            reviews.write(json.dumps({**review, "error": None, "scoring_error": None, "truncated": False}) + "\n")
    return folder


def open_time(html: Path, repeat: int) -> float:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(repeat):
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(html.resolve().as_uri())
            page.wait_for_selector("body[data-ready=true]")
            times.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return statistics.median(times)


def measure(label: str, run_dirs: list[Path], html: Path, repeat: int) -> None:
    start = time.perf_counter()
    command = [sys.executable, "-m", "evalscope", "view", *map(str, run_dirs), "-o", str(html)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    written = time.perf_counter() - start
    size = html.stat().st_size / 1e6
    print(f"{label:<40} {size:8.2f} MB  written in {written:5.2f} s  open {open_time(html, repeat):5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--completion-chars", type=int, default=1200)
    parser.add_argument("--big", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        a = gsm8k_run(root / "a", GoldModel(args.completion_chars))
        b = gsm8k_run(root / "b", GoldModel(args.completion_chars, wrong_every=5))
        measure(f"2 x 1319 GSM8K, ~{args.completion_chars} chars", [a, b], root / "two.html", args.repeat)
        big = big_run(root / "big", args.big)
        measure(f"1 x {args.big} synthetic", [big], root / "big.html", args.repeat)


if __name__ == "__main__":
    main()
