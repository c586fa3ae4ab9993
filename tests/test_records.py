"""The record shapes of the run folder: each prompt and each answer stored once, and old folders still read."""

from __future__ import annotations

import json
from pathlib import Path

from run_folders import read_jsonl

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel
from evalscope.plugins import get_plugins
from evalscope.store.jsonl import decode_line, encode_line
from evalscope.store.records import completion, full_prompt, stored_prompt

REVIEW_FIELDS = {
    "sample_id",
    "prediction",
    "gold",
    "score",
    "correct",
    "explanation",
    "truncated",
    "error",
    "scoring_error",
    "scorer_key",
}


class Asked(CustomModel):
    """Answers each quiz question right, with a long text; records the sample ids it was asked."""

    asked: list[str] = []

    def predict(self, prompts, **kwargs):
        Asked.asked.extend(item["index"] for item in kwargs["origin_inputs"])
        return [
            {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": item["raw"]["a"]}}],
                "model": "asked-1",
                "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
            }
            for item in kwargs["origin_inputs"]
        ]


def run(work_dir: Path, **options) -> dict:
    Asked.asked = []
    config = TaskConfig(
        model=Asked(), model_id="asked", eval_type="custom", datasets=["quiz"], work_dir=str(work_dir), **options
    )
    return run_task(config)["quiz"]


def quiz_prompts(options: dict) -> dict[str, dict]:
    benchmark = get_plugins().benchmarks.get("quiz").factory(options=options, seed=42)
    return {sample.id: benchmark.build_prompt(sample) for sample in benchmark.load("main")}


def test_a_prediction_keeps_the_prompt_once_and_the_raw_response_once(tmp_path):
    report = run(tmp_path, no_timestamp=True, dataset_args={"quiz": {"system_prompt": "Be brief."}})
    assert report["score"] == 1.0
    predictions = read_jsonl(tmp_path / "predictions" / "asked" / "quiz_main.jsonl")
    built = quiz_prompts({"system_prompt": "Be brief."})
    for record in predictions:
        assert set(record) == {"sample_id", "cache_key", "model_id", "prompt", "response", "error", "time"}
        assert record["prompt"] == {"messages": built[record["sample_id"]]["messages"]}  # no data, no system_prompt
        assert full_prompt(record["prompt"]) == built[record["sample_id"]]
        assert record["response"]["model"] == "asked-1"  # the response as the model gave it
    assert [completion(record) for record in predictions] == ["2", "Paris", "9", "blue", "6"]


def test_a_review_refers_to_its_prediction_and_keeps_only_what_scoring_added(tmp_path):
    run(tmp_path, no_timestamp=True)
    reviews = read_jsonl(tmp_path / "reviews" / "asked" / "quiz_main.jsonl")
    assert [review["sample_id"] for review in reviews] == ["0", "1", "2", "3", "4"]
    for review in reviews:
        assert set(review) == REVIEW_FIELDS
        assert review["prediction"] == review["gold"] and review["score"] == 1.0
    assert "Capital of France?" not in (tmp_path / "reviews" / "asked" / "quiz_main.jsonl").read_text()


def test_a_folder_written_with_the_old_record_shapes_resumes_without_asking_the_model(tmp_path):
    first = run(tmp_path, no_timestamp=True)
    path = tmp_path / "predictions" / "asked" / "quiz_main.jsonl"
    built = quiz_prompts({})
    old_lines = []
    for record in read_jsonl(path):  # rewrite each line as evalscope 0.1 wrote it
        old = {**record, "prompt": built[record["sample_id"]], "completion": completion(record)}
        old_lines.append(json.dumps(old, ensure_ascii=False))
    path.write_text("\n".join(old_lines) + "\n", encoding="utf-8")
    (tmp_path / "reviews" / "asked" / "quiz_main.jsonl").unlink()

    again = run(tmp_path, no_timestamp=True, use_cache=str(tmp_path))
    assert Asked.asked == []
    assert again["score"] == first["score"] == 1.0
    assert again["usage"] == first["usage"]
    reviews = read_jsonl(tmp_path / "reviews" / "asked" / "quiz_main.jsonl")
    assert [set(review) for review in reviews] == [REVIEW_FIELDS] * 5


def test_a_stored_prompt_keeps_data_that_the_messages_do_not_hold():
    prompt = {"messages": [{"role": "user", "content": "Q: 2+2?"}], "data": ["2+2?"], "system_prompt": "Short."}
    assert stored_prompt(prompt) == prompt
    assert full_prompt(stored_prompt(prompt)) == prompt


def test_record_lines_keep_text_byte_for_byte_and_read_what_the_standard_library_wrote():
    record = {"text": '答案是 42。\u2028\x00"\\', "big": 2**70, "nested": {"1": [1.5, None, True]}}
    line = encode_line(record)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_line(line) == record
    assert decode_line(json.dumps({"score": float("nan")})) is not None
    assert decode_line(json.dumps(record, ensure_ascii=True)) == record


def test_cache_keys_stay_those_of_earlier_versions():
    """A key is still the digest of the JSON text of [model, prompt, generation config], so old folders keep
    their cache."""
    import hashlib

    from evalscope.store.cache_keys import CacheKeys, cache_key

    model = {"model_id": "m", "eval_type": "plugin", "model_args": {"b": 1, "a": [1, 2]}}
    config = {"temperature": 0.0, "seed": 42}
    prompts = [quiz_prompts({})[sample_id] for sample_id in ("0", "1")]
    keys = CacheKeys(model, config)
    for prompt in prompts:
        text = json.dumps([model, prompt, config], sort_keys=True, ensure_ascii=False)
        expected = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
        assert cache_key(model, prompt, config) == keys.key(prompt) == expected
