"""The data `evalscope view` builds its page from, and the page's safety envelope."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from run_folders import write_run

from evalscope.cli import main
from evalscope.results.reader import load_run
from evalscope.view.page import embedded_json, page_data, render_page

HOSTILE = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> & </SCRIPT >"


def test_embedded_json_cannot_end_its_script_block():
    text = embedded_json({"completion": HOSTILE})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"completion": HOSTILE}


def test_page_data_stores_a_common_prompt_prefix_once(tmp_path):
    shots = "Few-shot exemplars. " * 20
    samples = [
        {"id": str(i), "question": shots + f"Question {i}", "completion": f"A{i}", "score": float(i % 2)}
        for i in range(3)
    ]
    run = load_run(write_run(tmp_path, samples))
    data = page_data([run])
    assert data["prefixes"] == [shots + "Question "]
    (group,) = data["groups"]
    rebuilt = [
        [data["prefixes"][m["content"][0]] + m["content"][1] for m in sample["messages"]] for sample in group["samples"]
    ]
    assert rebuilt == [[item["question"]] for item in samples]
    assert json.dumps(data).count(shots) == 1


def test_two_runs_are_joined_by_sample_id_with_their_comparison(tmp_path):
    a = write_run(tmp_path / "a", [{"id": i, "question": i, "completion": i, "score": 1.0} for i in "123"])
    b = write_run(tmp_path / "b", [{"id": i, "question": i, "completion": i, "score": 0.0} for i in "24"])
    data = page_data([load_run(a), load_run(b)])
    (group,) = data["groups"]
    assert [c["label"] for c in group["columns"]] == ["a", "b"]
    cells = {sample["id"]: [c and c["score"] for c in sample["cells"]] for sample in group["samples"]}
    assert cells == {"1": [1.0, None], "2": [1.0, 0.0], "3": [1.0, None], "4": [None, 0.0]}
    (row,) = data["compare"]
    assert (row["n"], row["a_only"], row["b_only"], row["a"], row["b"]) == (1, 1, 0, 0, 1)


def test_the_csp_allows_exactly_the_pages_own_script_and_style(tmp_path):
    run = load_run(write_run(tmp_path, [{"id": "1", "question": HOSTILE, "completion": HOSTILE, "score": 1.0}]))
    html = render_page(page_data([run]))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    style_digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and f"style-src 'sha256-{style_digest}'" in csp
    assert "default-src 'none'" in csp and "unsafe" not in csp and "http" not in csp
    assert HOSTILE not in html and html.count("</script>") == 2 and "<!--" not in html


def test_view_writes_the_file_where_documented_and_prints_its_path(tmp_path, monkeypatch, capsys):
    a = write_run(tmp_path / "a", [{"id": "1", "question": "q", "completion": "c", "score": 1.0}])
    b = write_run(tmp_path / "b", [{"id": "1", "question": "q", "completion": "c", "score": 0.0}])
    run_files = sorted(a.rglob("*"))
    monkeypatch.chdir(tmp_path)
    assert main(["view", str(a)]) == 0
    assert capsys.readouterr().out == "evalscope-view-a.html\n" and (tmp_path / "evalscope-view-a.html").is_file()
    assert sorted(a.rglob("*")) == run_files  # the run folder holds what the run wrote, nothing else
    assert main(["view", f"{a}/"]) == 0  # a trailing slash names the same run
    assert capsys.readouterr().out == "evalscope-view-a.html\n"
    assert main(["view", str(a), str(b)]) == 0
    assert capsys.readouterr().out == "evalscope-view.html\n" and (tmp_path / "evalscope-view.html").is_file()
    assert main(["view", str(a), "-o", str(tmp_path / "x.html")]) == 0
    assert (tmp_path / "x.html").read_text().startswith("<!DOCTYPE html>")
    assert capsys.readouterr().err == ""
    assert main(["view", str(a), "-o", str(tmp_path / "x.html")]) == 0
    assert capsys.readouterr().err == f"evalscope: replaced the earlier {tmp_path / 'x.html'}\n"


def test_view_errors_are_one_line(tmp_path, capsys):
    a = write_run(tmp_path / "a", [{"id": "1", "question": "q", "completion": "c", "score": 1.0}])
    assert main(["view", str(a), str(tmp_path / "missing")]) == 1
    assert capsys.readouterr().err == f"evalscope: error: run folder {str(tmp_path / 'missing')!r} does not exist\n"
    target = tmp_path / "no" / "x.html"
    assert main(["view", str(a), "-o", str(target)]) == 1
    assert capsys.readouterr().err == f"evalscope: error: cannot write {str(target)!r}: No such file or directory\n"


def test_the_question_column_holds_each_samples_own_question(tmp_path):
    exemplars = "".join(f"Question: What is {n} times 3?\nAnswer: {3 * n}\n\n" for n in range(1, 6))
    own = {"a": "What is 12 times 7?", "b": "What is 15 times 2?", "c": "What does 13 squared come to?"}
    samples = [
        {"id": sample_id, "question": f"{exemplars}Question: {question}\nAnswer:", "completion": "x", "score": 0.0}
        for sample_id, question in own.items()
    ]
    (group,) = page_data([load_run(write_run(tmp_path / "lean", samples))])["groups"]
    assert {sample["id"]: sample["question"] for sample in group["samples"]} == own


def test_questions_that_end_alike_keep_their_ending():
    from evalscope.view.questions import own_questions

    prompts = {str(i): f"Solve this.\nWhat is {i} mod 7?\nPut the answer in a box." for i in (12, 15, 30)}
    assert own_questions(prompts) == {str(i): f"What is {i} mod 7?" for i in (12, 15, 30)}
    assert own_questions({"only": "  Question: What is 2 mod 7?\n"}) == {"only": "Question: What is 2 mod 7?"}
