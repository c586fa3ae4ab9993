"""Cache keys are exact: different settings never share one, the same settings find it in a new process."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from evalscope import run_task
from evalscope.errors import ConfigError, DataError
from evalscope.models import CustomModel
from evalscope.store.cache_keys import cache_key


def greedy(prompt, width):
    return prompt


def beam(prompt, width):
    return prompt


@dataclasses.dataclass
class Sampling:
    temperature: float
    decode: object = None


KEY_SCRIPT = textwrap.dedent(
    """
    import functools, json, sys
    sys.path.insert(0, sys.argv[1])
    from test_cache_keys import Sampling, greedy
    from evalscope.store.cache_keys import cache_key

    config = {
        "stop": {"Question:", "User:", "</s>", "###", "Problem:", "Q:"},
        "labels": frozenset({"alpha", "beta", "gamma", "delta"}),
        "decode": functools.partial(greedy, width=1),
        "sampling": Sampling(0.5, greedy),
    }
    print(cache_key({"model_id": "m", "config": config}, {"messages": []}, {"stop": {"a", "b", "c", "d"}}))
    """
)


def test_the_same_settings_have_the_same_key_under_any_hash_seed(tmp_path):
    script = tmp_path / "key.py"
    script.write_text(KEY_SCRIPT)
    keys = set()
    for seed in ("0", "1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, str(script), str(Path(__file__).parent)], capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr
        keys.add(result.stdout.strip())
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (functools.partial(greedy, width=1), functools.partial(beam, width=4)),
        (functools.partial(greedy, width=1), functools.partial(greedy, width=2)),
        (Sampling(0.1), Sampling(0.7)),
        (Sampling(0.1, greedy), Sampling(0.1, beam)),
        ({"a", "b"}, {"a", "c"}),
        ({"a", "b"}, ["a", "b"]),
        (lambda text: text.upper(), lambda text: text.lower()),
        ({1: "x"}, {"1": "x"}),
        (b"\x00", b"\x01"),
        ("abc".upper, "xyz".upper),
    ],
    ids=["partial", "partial-args", "dataclass", "dc-fn", "set", "set-list", "lambda", "keys", "bytes", "method"],
)
def test_different_settings_never_share_a_key(one, other):
    assert cache_key({"config": {"x": one}}, {}, {}) != cache_key({"config": {"x": other}}, {}, {})
    assert cache_key({}, {}, {"x": one}) != cache_key({}, {}, {"x": other})


def test_an_object_known_only_by_its_address_is_a_one_line_error():
    with pytest.raises(ConfigError) as caught:
        cache_key({"config": {"lock": threading.Lock()}}, {}, {})
    message = str(caught.value)
    assert message.startswith("cache key: model config['config']['lock'] is a _thread.lock whose repr only gives")
    assert "\n" not in message


def test_objects_are_keyed_by_their_attributes_not_their_address():
    class Tokenizer:
        def __init__(self, vocab):
            self.vocab = vocab

    assert cache_key({"t": Tokenizer("a")}, {}, {}) == cache_key({"t": Tokenizer("a")}, {}, {})
    assert cache_key({"t": Tokenizer("a")}, {}, {}) != cache_key({"t": Tokenizer("b")}, {}, {})


def test_an_object_that_refers_back_to_itself_is_keyed_by_its_contents():
    class Node:
        def __init__(self, name):
            self.name, self.parent = name, None
            self.children = [self]

    assert cache_key({"n": Node("a")}, {}, {}) == cache_key({"n": Node("a")}, {}, {})
    assert cache_key({"n": Node("a")}, {}, {}) != cache_key({"n": Node("b")}, {}, {})


def test_plain_json_settings_keep_their_keys():
    # The digest of the JSON text, as in earlier versions: existing run folders keep their cache.
    assert cache_key({"model_id": "x"}, {"messages": [1]}, {"t": 0.0}) == "c572b44c1de0deb4933c7761"


class Decoding(CustomModel):
    """Answers every prompt right; appends each sample id it is asked to ``config['log']``."""

    def predict(self, prompts, **kwargs):
        with open(self.config["log"], "a") as handle:
            handle.writelines(f"{item['index']}\n" for item in kwargs["origin_inputs"])
        return [
            {"choices": [{"message": {"role": "assistant", "content": item["raw"]["a"]}}]}
            for item in kwargs["origin_inputs"]
        ]


def test_a_resume_with_another_decoding_function_asks_the_model_again(tmp_path):
    log = tmp_path / "asked.log"
    options = {"model_id": "d", "datasets": ["quiz"], "work_dir": str(tmp_path / "run"), "no_timestamp": True}

    def run(decode, **extra):
        run_task(model=Decoding(config={"log": str(log), "decode": decode}), **options, **extra)
        asked = log.read_text().split() if log.exists() else []
        log.unlink(missing_ok=True)
        return asked

    assert len(run(functools.partial(greedy, width=1))) == 5
    assert run(functools.partial(greedy, width=1), use_cache=options["work_dir"]) == []
    assert len(run(functools.partial(beam, width=4), use_cache=options["work_dir"])) == 5


def test_a_benchmark_yielding_one_id_twice_is_a_one_line_error_before_any_request(tmp_path):
    log = tmp_path / "asked.log"
    with pytest.raises(DataError) as caught:
        run_task(
            model=Decoding(config={"log": str(log)}),
            datasets=["quiz"],
            dataset_args={"quiz": {"repeat_id": "3"}},
            work_dir=str(tmp_path),
        )
    assert str(caught.value) == (
        "benchmark 'quiz' yields the sample id '3' twice in subset 'main'; sample ids must be unique"
    )
    assert not log.exists()  # the model was asked nothing


def test_a_duplicate_id_from_the_cli_is_one_line(run_cli, tmp_path):
    args = ["--model-plugin", "echo-answer", "--datasets", "quiz", "--work-dir", str(tmp_path)]
    result = run_cli(*args, "--dataset-args", json.dumps({"quiz": {"repeat_id": "0"}}))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "evalscope: error: benchmark 'quiz' yields the sample id '0' twice in subset 'main'; sample ids must be unique"
    )


@pytest.fixture
def counting(counting_benchmark):
    return counting_benchmark(4)


def test_options_that_only_change_how_answers_are_fetched_keep_the_cache_key(counting, run_plugins, tmp_path):
    from openai_server import FakeOpenAIServer

    out = tmp_path / "run"
    with FakeOpenAIServer(models=["m"]) as server:

        def run(**model_args):
            before = server.stats.requests
            run_task(
                model="m", api_url=server.base_url, datasets=[counting], work_dir=str(out), no_timestamp=True,
                use_cache=str(out) if out.exists() else None, model_args=model_args, plugins=run_plugins,
            )  # fmt: skip
            return server.stats.requests - before

        assert run() == 4
        transport = {
            "check_model": False, "timeout_retries": 3, "endpoint_cooldown": 5.0, "timeout": 30.0, "retries": 1,
            "retry_backoff": 0.1, "retry_max_backoff": 2.0, "stream_usage": False,
        }  # fmt: skip
        assert run(**transport) == 0
        assert list(out.glob("configs/task_config.resume-*.yaml"))  # the same evaluation: resumed in place
        assert run(**transport, extra_body={"top_k": 5}) == 4  # this one changes the answers
