"""How ``--model-args`` become llama.cpp's server settings: ``apply_settings`` on a real ``xllamacpp.CommonParams``.

Skipped when xllamacpp or the plugin is not installed, except in CI (``CI=true``).
"""

from __future__ import annotations

import importlib.util
import os

import pytest

INSTALLED = all(importlib.util.find_spec(name) is not None for name in ("xllamacpp", "evalscope_llama_cpp"))
pytestmark = pytest.mark.skipif(
    not INSTALLED and os.environ.get("CI") != "true",
    reason="xllamacpp or evalscope-llama-cpp is not installed (pip install -e plugins/llama_cpp)",
)


@pytest.fixture
def params():
    import xllamacpp

    return xllamacpp.CommonParams()


def test_settings_reach_nested_fields_enums_by_name_sets_and_both_thread_pools(params):
    from evalscope_llama_cpp.serve import apply_settings

    apply_settings(
        params,
        {
            "n_ctx": 4096,
            "sampling": {"top_k": 1, "temp": 0.5},
            "flash_attn_type": "Enabled",
            "model_alias": "tiny-chat",
            "n_threads": 3,
            "n_threads_batch": 5,
        },
    )

    assert params.n_ctx == 4096
    assert (params.sampling.top_k, params.sampling.temp) == (1, 0.5)
    assert params.flash_attn_type.name == "LLAMA_FLASH_ATTN_TYPE_ENABLED"
    assert params.model_alias == {"tiny-chat"}
    assert (params.cpuparams.n_threads, params.cpuparams_batch.n_threads) == (3, 5)


def test_n_threads_batch_wins_over_n_threads_whatever_their_order(params):
    from evalscope_llama_cpp.serve import apply_settings

    apply_settings(params, {"n_threads_batch": 5, "n_threads": 3})
    assert (params.cpuparams.n_threads, params.cpuparams_batch.n_threads) == (3, 5)


def test_settings_that_are_not_json_are_one_line(capsys):
    from evalscope_llama_cpp.serve import main

    argv = ["--model", "m.gguf", "--host", "127.0.0.1", "--port", "1", "--api-key", "k" * 16, "--settings", "{n_ctx"]
    assert main(argv) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("llama.cpp server: --settings is not a JSON object (")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sampling": {"top_kk": 1}}, "unknown setting 'sampling.top_kk' (not a field of xllamacpp.CommonParams)"),
        ({"__class__": 1}, "unknown setting '__class__'"),
        ({"n_parallel": 2.5}, "setting 'n_parallel' cannot be 2.5"),
        ({"split_mode": "sideways"}, "split_mode: 'sideways' is not one of LLAMA_SPLIT_MODE_NONE"),
    ],
    ids=["nested-unknown", "private", "wrong-type", "not-a-choice"],
)
def test_a_setting_the_server_cannot_take_is_named(params, settings, message):
    from evalscope_llama_cpp.serve import SettingError, apply_settings

    with pytest.raises(SettingError) as error:
        apply_settings(params, settings)
    assert message in str(error.value)
