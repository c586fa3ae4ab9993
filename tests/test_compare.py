"""`evalscope compare`: paired statistics checked against hand-computed values."""

from __future__ import annotations

import json
import math

import pytest
from run_folders import write_run

from evalscope.cli import main
from evalscope.results.compare import mcnemar_exact, paired_statistics, student_t_cdf, student_t_quantile


def test_mcnemar_exact_by_hand():
    # 1 vs 5 discordant pairs: 2 * (C(6,0) + C(6,1)) / 2^6 = 14/64
    assert mcnemar_exact(1, 5) == pytest.approx(0.21875)
    assert mcnemar_exact(5, 1) == pytest.approx(0.21875)
    assert mcnemar_exact(0, 10) == pytest.approx(2 / 1024)
    assert mcnemar_exact(3, 3) == 1.0  # 2 * 42/64 > 1, capped
    assert mcnemar_exact(0, 0) == 1.0


def test_student_t_against_closed_form_and_tables():
    for t in (-2.5, 0.3, 1.0, 4.9):  # df=3: F(t) = 1/2 + (u/(1+u^2) + atan u)/pi, u = t/sqrt 3
        u = t / math.sqrt(3)
        assert student_t_cdf(t, 3) == pytest.approx(0.5 + (u / (1 + u * u) + math.atan(u)) / math.pi, abs=1e-12)
    assert student_t_cdf(1.0, 1) == pytest.approx(0.75)  # Cauchy
    assert student_t_quantile(0.975, 1) == pytest.approx(12.7062, abs=1e-4)
    assert student_t_quantile(0.975, 3) == pytest.approx(3.1824, abs=1e-4)
    assert student_t_quantile(0.975, 30) == pytest.approx(2.0423, abs=1e-4)


def test_binary_scores_use_mcnemar_and_a_paired_interval():
    # 10 pairs: 1 right in A only, 5 in B only, 2 right in both, 2 wrong in both
    pairs = [(1, 0)] + [(0, 1)] * 5 + [(1, 1)] * 2 + [(0, 0)] * 2
    stats = paired_statistics(pairs)
    assert (stats["n"], stats["a_only"], stats["b_only"], stats["test"]) == (10, 1, 5, "mcnemar_exact")
    assert (stats["score_a"], stats["score_b"], stats["diff"]) == (
        pytest.approx(0.3),
        pytest.approx(0.7),
        pytest.approx(0.4),
    )
    assert stats["p_value"] == pytest.approx(0.21875)
    # differences: one -1, five +1, four 0: mean 0.4, sample variance (1.96 + 5*0.36 + 4*0.16)/9 = 4.4/9
    half = 2.262157 * math.sqrt(4.4 / 9 / 10)  # t(0.975, 9) = 2.262157
    assert stats["ci_low"] == pytest.approx(0.4 - half, abs=1e-6)
    assert stats["ci_high"] == pytest.approx(0.4 + half, abs=1e-6)


def test_other_scores_use_the_paired_t_test():
    stats = paired_statistics([(0.5, 1.0), (0.25, 0.5), (0.0, 0.75), (0.5, 1.0)])
    # differences 0.5, 0.25, 0.75, 0.5: mean 0.5, sd sqrt(0.125/3), t = 0.5 / (sd/2) = 4.89898 with 3 df
    t = 0.5 / (math.sqrt(0.125 / 3) / 2)
    u = t / math.sqrt(3)
    p = 2 * (1 - (0.5 + (u / (1 + u * u) + math.atan(u)) / math.pi))
    assert stats["test"] == "paired_t"
    assert stats["p_value"] == pytest.approx(p, abs=1e-12) and stats["p_value"] == pytest.approx(0.01628, abs=1e-5)
    assert stats["ci_low"] == pytest.approx(0.5 - 3.182446 * math.sqrt(0.125 / 3) / 2, abs=1e-6)
    assert (stats["a_only"], stats["b_only"]) == (0, 4)


def test_no_pairs_and_one_pair():
    assert paired_statistics([])["n"] == 0 and paired_statistics([])["diff"] is None
    one = paired_statistics([(0, 1)])
    assert (one["diff"], one["ci_low"], one["p_value"]) == (1, None, 1.0)


def _samples(scores, errors=()):
    return [
        {"id": str(i), "question": f"Q{i}", "completion": None if i in errors else f"A{i}", "score": float(score)}
        for i, score in enumerate(scores)
    ]


def test_compare_pairs_samples_scored_in_both_runs(tmp_path, capsys):
    a = write_run(tmp_path / "a", _samples([1, 0, 0, 0, 1, 1, 0], errors={6}), shape="full")
    b = write_run(tmp_path / "b", _samples([0, 1, 1, 1, 1, 0, 1, 1]), shape="lean")  # sample 7 only in B
    assert main(["compare", str(a), str(b), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert list(row) == [
        "dataset",
        "subset",
        "n",
        "score_a",
        "score_b",
        "diff",
        "ci_low",
        "ci_high",
        "a_only",
        "b_only",
        "p_value",
    ]
    # pairs 0..5 (6 failed in A, 7 missing in A): A right on 0, 4, 5; B on 1, 2, 3, 4
    assert (row["dataset"], row["subset"], row["n"], row["a_only"], row["b_only"]) == ("gsm8k", "main", 6, 2, 3)
    assert row["score_a"] == pytest.approx(0.5) and row["score_b"] == pytest.approx(4 / 6)
    assert row["p_value"] == pytest.approx(1.0)  # 2 * (1 + 5 + 10) / 32 > 1
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "gsm8k/main right in A only: 0, 5" in out
    assert "gsm8k/main right in B only: 1, 2, 3" in out


def test_compare_warns_when_the_runs_were_set_up_differently(tmp_path, capsys):
    def report(max_tokens, few_shot):
        return {
            "model_name": "m",
            "dataset_name": "gsm8k",
            "metrics": [{"name": "acc", "subsets": [{"name": "main"}]}],
            "generation_config": {"max_new_tokens": max_tokens},
            "provenance": {"dataset_options": {"few_shot_num": few_shot}},
        }

    a = write_run(tmp_path / "a", _samples([1, 0]), report=report(100, 4))
    b = write_run(tmp_path / "b", _samples([1, 1]), report=report(200, 4))
    assert main(["compare", str(a), str(b)]) == 0
    err = capsys.readouterr().err
    assert (
        'warning: gsm8k: the runs differ in generation config: A {"max_new_tokens": 100}, B {"max_new_tokens": 200}'
        in err
    )
    assert "dataset options" not in err and "prompts" not in err
    changed = _samples([1, 0])
    changed[1]["question"] = "Q1 with a new template"
    c = write_run(tmp_path / "c", changed)
    assert main(["compare", str(a), str(c)]) == 0
    assert "warning: gsm8k/main: 1 of 2 paired samples were asked different prompts" in capsys.readouterr().err


def test_compare_without_common_subsets_is_one_line(tmp_path, capsys):
    a = write_run(tmp_path / "a", _samples([1]))
    b = write_run(tmp_path / "b", _samples([1]), dataset="other")
    assert main(["compare", str(a), str(b)]) == 1
    assert capsys.readouterr().err == f"evalscope: error: {a} and {b} have no dataset and subset in common to compare\n"


def test_compare_a_named_metric_and_runs_from_before_named_metrics(tmp_path, capsys):
    def with_f1(scores, f1s):
        samples = _samples(scores)
        for sample, f1 in zip(samples, f1s):
            sample["metrics"] = {"exact_match": sample["score"], "f1": f1}
        return samples

    a = write_run(tmp_path / "a", with_f1([1, 0, 0], [1.0, 0.5, 0.0]))
    b = write_run(tmp_path / "b", with_f1([1, 0, 1], [1.0, 0.75, 1.0]))
    old = write_run(tmp_path / "old", _samples([1, 1, 0]))  # reviews without metrics
    assert main(["compare", str(a), str(b), "--metric", "f1", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["n"], row["score_a"], row["score_b"]) == (3, pytest.approx(0.5), pytest.approx(2.75 / 3))
    assert (row["a_only"], row["b_only"]) == (0, 2)
    assert main(["compare", str(a), str(b), "--json"]) == 0  # the score, as before
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["score_a"], row["score_b"]) == (pytest.approx(1 / 3), pytest.approx(2 / 3))

    assert main(["compare", str(old), str(b), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["n"], row["score_a"]) == (3, pytest.approx(2 / 3))
    assert main(["compare", str(old), str(b), "--metric", "f1"]) == 1
    assert capsys.readouterr().err == (
        "evalscope: error: --metric f1: not a metric of both runs' samples (A has: none; B has: exact_match, f1)\n"
    )
