"""The quiz benchmark run against the fake OpenAI server: its answers and the command line of such a run."""

from __future__ import annotations

from pathlib import Path

from evalscope_echo_quiz import QUESTIONS
from openai_server import FakeOpenAIServer

QUIZ = dict(QUESTIONS)  # the quiz benchmark's questions and answers, as the fake server answers them
QUIZ_MODEL = "qwen-test"  # the model name a quiz run asks the server for (and its folder in outputs)
NO_KEYS = {"EVALSCOPE_API_KEY": "", "OPENAI_API_KEY": ""}  # an environment without API keys


def quiz_api_args(server: FakeOpenAIServer, work_dir: Path, *extra: str) -> list[str]:
    """The command line of a quiz run against ``server`` into ``work_dir`` itself (one quick retry), then ``extra``."""
    return [
        "eval",
        "--model",
        QUIZ_MODEL,
        "--api-url",
        server.base_url,
        "--datasets",
        "quiz",
        "--work-dir",
        str(work_dir),
        "--no-timestamp",
        "--retries",
        "1",
        "--model-args",
        "retry_backoff=0.01",
        *extra,
    ]
