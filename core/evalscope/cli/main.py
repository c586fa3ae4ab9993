"""The ``evalscope`` command: ``eval`` (the default) and ``plugins``.

Start-up stays light: this module imports only the standard library; the runner and
its dependencies load when a command needs them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from typing import Any, NoReturn

SUBCOMMANDS = ("eval", "plugins", "report", "compare", "view")
EVAL_EXAMPLES = """examples:
  evalscope --model-plugin dummy --datasets gsm8k --limit 5
  evalscope --model Qwen2.5-7B-Instruct --api-url http://127.0.0.1:8000/v1 --datasets gsm8k \\
    --dataset-args '{"gsm8k": {"few_shot_num": 0}}' --eval-batch-size 8"""


def parse_mapping(text: str) -> dict[str, Any]:
    """Parse a JSON object or ``key=value,key=value`` (values parsed as JSON where they can be)."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError("expected a JSON object")
        return value
    result: dict[str, Any] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        key, sep, raw = part.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"expected key=value or a JSON object, got {part!r}")
        try:
            result[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            result[key.strip()] = raw
    return result


def parse_json_object(text: str) -> dict[str, Any]:
    """Parse a JSON object (used by ``--dataset-args``)."""
    if not text.strip().startswith("{"):
        raise argparse.ArgumentTypeError('expected a JSON object, e.g. \'{"NAME": {"few_shot_num": 0}}\'')
    return parse_mapping(text)


def parse_limit(text: str) -> int | float:
    """An integer count, or a fraction such as 0.1."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or a fraction, got {text!r}") from None


def parse_fail_on_error(text: str) -> bool | int | float:
    """``true``/``false``, an integer count, or a fraction such as 0.1."""
    word = text.strip().lower()
    if word in ("true", "false"):
        return word == "true"
    try:
        return parse_limit(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected true, false, a count or a fraction, got {text!r}") from None


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``evalscope eval``; each maps to the ``TaskConfig`` field of the same name."""
    s = argparse.SUPPRESS
    add = parser.add_argument
    add("--config", default=s, help="a YAML or JSON task config; flags given here override it")
    add(
        "--model",
        default=s,
        help="what to evaluate: with --api-url, the model name the API serves; with --model-plugin, what that "
        "plugin loads (llama_cpp: a GGUF file path; vllm, sglang: a Hugging Face id or checkpoint folder)",
    )
    add("--model-id", default=s, help="the model's name in outputs")
    add("--model-plugin", default=s, help="a registered model to run (see `evalscope plugins`)")
    add("--model-args", type=parse_mapping, default=s, help="model config: JSON or key=value,... (default: none)")
    add("--datasets", nargs="+", default=s, help="benchmarks to run: NAME, or several: a b or a,b")
    add(
        "--dataset-args",
        type=parse_json_object,
        default=s,
        help='JSON: {"NAME": {"OPTION": VALUE}} (default: none; `evalscope plugins show NAME` lists them)',
    )
    add(
        "--dataset-dir",
        default=s,
        help="local copies of hub datasets, one folder per hub id: DIR/OWNER/NAME/ (default: the hub)",
    )
    add(
        "--limit",
        type=parse_limit,
        default=s,
        help="samples per subset: a count, or a fraction like 0.1 (default: all)",
    )
    add("--eval-batch-size", type=int, default=s, help="prompts per predict call / requests in flight (default 1)")
    add(
        "--repeats",
        type=int,
        default=s,
        metavar="K",
        help="ask each sample K times (seed + k) and report mean@K and pass@k (default 1)",
    )
    add(
        "--generation-config",
        type=parse_mapping,
        default=s,
        help="JSON or key=value,..., over the benchmark's own (default: the benchmark's)",
    )
    add("--work-dir", default=s, help="output folder (default ./outputs)")
    add(
        "--no-timestamp",
        action="store_true",
        default=s,
        help="write into --work-dir itself (default off: a new timestamped folder)",
    )
    add(
        "--use-cache",
        default=s,
        metavar="RUN_DIR",
        help="resume a run folder: its saved config, overridden by the flags given",
    )
    add("--seed", type=int, default=s, help="random seed (default 42)")
    add("--debug", action="store_true", default=s, help="debug logging and tracebacks (default off)")
    add(
        "--ignore-errors",
        action="store_true",
        default=s,
        help="record failed samples and go on, and succeed however many failed (default off: a local model's "
        "failed batch stops the run, and failed samples fail it at the end)",
    )
    add(
        "--fail-on-error",
        type=parse_fail_on_error,
        default=s,
        metavar="WHEN",
        help="stop the run after the batch in hand once failed samples are more than a count N, or a fraction F "
        "of the finished ones; true: at the first; false: never (default: they fail the run at the end)",
    )
    add("--eval-type", default=s, help="custom, plugin or service (an API model; default: inferred)")
    add(
        "--api-url",
        action="append",
        default=s,
        help="OpenAI-compatible base URL, or its /chat/completions URL; repeat it for several endpoints serving "
        "the same model (each request goes to the one with the fewest in flight)",
    )
    add("--api-key", default=s, help="API key (default: $EVALSCOPE_API_KEY, then $OPENAI_API_KEY)")
    add("--api-mode", default=s, help="chat or completion, for base models (default chat)")
    add("--timeout", type=float, default=s, help="seconds of silence before an API attempt is given up (default 1200)")
    add("--retries", type=int, default=s, help="retries of a failed API request (default 5)")
    add("--stream", action="store_true", default=s, help="stream API responses (default off)")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, naming the closest flag for a misspelt one."""

    known_words: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print ``evalscope: error: ...`` on one line and exit with status 2."""
        if message.startswith("unrecognized arguments: "):
            import difflib

            for word in message.removeprefix("unrecognized arguments: ").split():
                close = difflib.get_close_matches(word.split("=")[0], self.known_words, n=1, cutoff=0.7)
                if close:
                    message += f" (did you mean {close[0]!r}?)"
                    break
        self.exit(2, f"evalscope: error: {message}; see `{self.prog} --help`\n")


def _known_words(parser: argparse.ArgumentParser) -> list[str]:
    words: list[str] = []
    for action in parser._actions:
        words.extend(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                words.append(name)
                words.extend(_known_words(sub))
    return words


def add_plugins_arguments(parser: argparse.ArgumentParser) -> None:
    """The actions of ``evalscope plugins``: ``list`` (the default), ``show NAME`` and ``new NAME``."""
    parser.add_argument("--json", action="store_true", help="print JSON")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    list_parser = actions.add_parser("list", help="list installed plugins and what they register (the default)")
    show_parser = actions.add_parser("show", help="describe a registered benchmark, model or scorer and its options")
    show_parser.add_argument("name", help="a registered name (`evalscope plugins` lists them)")
    for sub in (list_parser, show_parser):
        sub.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    new_parser = actions.add_parser(
        "new", help="write a new plugin package: NAME --kind model|benchmark|hub-benchmark|scorer --path DIR"
    )
    new_parser.add_argument("name", help="the name the component is registered under, e.g. acme-echo")
    new_parser.add_argument(
        "--kind", choices=("model", "benchmark", "hub-benchmark", "scorer"), default="model", help="default: model"
    )
    new_parser.add_argument("--path", help="the folder to create (default: ./NAME); must be new or empty")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``evalscope`` command."""
    from evalscope.version import __version__

    parser = OneLineParser(
        prog="evalscope",
        description="Evaluate large language models.\n"
        "`evalscope --model-plugin MODEL --datasets NAME` is short for `evalscope eval ...`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"evalscope {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    eval_parser = commands.add_parser(
        "eval",
        help="run an evaluation (the default command)",
        description="Run an evaluation. Each flag sets the TaskConfig field of the same name.",
        epilog=EVAL_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_eval_arguments(eval_parser)
    flags = " ".join(action.option_strings[0] for action in eval_parser._actions if action.dest != "help")
    listed = textwrap.fill(
        f"evaluation flags (`evalscope eval --help` explains each): {flags}", 100, break_on_hyphens=False
    )
    parser.epilog = (
        f"{listed}\n\n"
        f"{EVAL_EXAMPLES}\n\n`evalscope plugins show NAME` lists a benchmark's or model's options;\n"
        "`evalscope plugins new --help` explains the plugin generator."
    )
    add_plugins_arguments(commands.add_parser("plugins", help="list installed plugins; show one's options"))
    report_parser = commands.add_parser("report", help="print the summary table of a run folder from its files")
    report_parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder")
    report_parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    compare_parser = commands.add_parser("compare", help="compare two runs sample by sample, with paired statistics")
    compare_parser.add_argument("run_a", metavar="RUN_A", help="the first run folder (A)")
    compare_parser.add_argument("run_b", metavar="RUN_B", help="the second run folder (B); diff is B minus A")
    compare_parser.add_argument("--json", action="store_true", help="print JSON")
    compare_parser.add_argument(
        "--metric", metavar="NAME", help="compare this named metric of the samples (e.g. f1) instead of their score"
    )
    view_parser = commands.add_parser("view", help="write one self-contained HTML file to browse runs")
    view_parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="one or more run folders")
    view_parser.add_argument(
        "-o",
        "--output",
        help="the HTML file (default: ./evalscope-view-RUN.html, ./evalscope-view.html for several runs)",
    )
    view_parser.add_argument("--open", action="store_true", help="open the file in the default browser")
    OneLineParser.known_words = _known_words(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "eval")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    options = {key: value for key, value in vars(args).items() if key != "command"}
    debug = bool(options.get("debug"))
    from evalscope.errors import EvalscopeError

    try:
        if args.command == "plugins":
            return command_plugins(options)
        if args.command == "report":
            return result_commands().command_report(options["run_dir"], options["json"])
        if args.command == "compare":
            return result_commands().command_compare(
                options["run_a"], options["run_b"], options["json"], options["metric"]
            )
        if args.command == "view":
            return result_commands().command_view(options["run_dirs"], options["output"], options["open"])
        return command_eval(options)
    except KeyboardInterrupt as exc:
        print("evalscope: interrupted", file=sys.stderr)
        _print_resume_hint(exc)
        return 130
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 1
    except Exception as exc:
        from evalscope.utils.logger import redact

        if debug:
            import traceback

            print(redact(traceback.format_exc()), end="", file=sys.stderr)
        if isinstance(exc, EvalscopeError):
            print(f"evalscope: error: {redact(str(exc))}", file=sys.stderr)
        else:
            message = f"{type(exc).__name__}: {exc}"
            hint = "" if debug else " (run with --debug for the traceback)"
            print(f"evalscope: error: unexpected {redact(message)}{hint}", file=sys.stderr)
        _print_resume_hint(exc)
        return 1


def result_commands():  # noqa: ANN201 - the module, imported when one of its commands runs
    """The module of ``report``, ``compare`` and ``view``."""
    from evalscope.cli import results as module

    return module


def _print_resume_hint(exc: BaseException) -> None:
    run_dir = getattr(exc, "run_dir", None)
    if "--use-cache" in str(exc):  # the error line says it already, and stays the last line
        return
    if run_dir is not None and any(path.stat().st_size for path in run_dir.glob("predictions/*/*.jsonl")):
        print(
            f"evalscope: finished predictions are kept in {run_dir}; resume with --use-cache {run_dir}", file=sys.stderr
        )


def command_eval(options: dict[str, Any]) -> int:
    """Run ``evalscope eval`` with the parsed flags."""
    from evalscope.config import TaskConfig
    from evalscope.errors import ConfigError, SampleErrors
    from evalscope.run.runner import Runner

    config_path = options.pop("config", None)
    base = None
    if config_path is not None:
        base = TaskConfig.load(config_path).model_dump(exclude_unset=True)
        if base.get("api_key") is not None:
            base["api_key"] = base["api_key"].get_secret_value()
    runner = None
    try:
        runner = Runner(TaskConfig.from_flags(options, base))
        runner.run()
    except (Exception, KeyboardInterrupt) as exc:
        if isinstance(exc, ConfigError):
            name_the_flag(exc, options)
        if runner is not None and runner.run_dir is not None and not isinstance(exc, SampleErrors):
            exc.run_dir = runner.run_dir.root  # type: ignore[union-attr]
        raise
    return 0


def name_the_flag(exc: Exception, flags: dict[str, Any]) -> None:
    """Reword an error about fields given as flags to name the flags.

    A ``ConfigError`` with a ``cli_message`` shows it (see ``ConfigError``); a ``field: problem``
    error about a field given as a flag becomes ``--field: problem`` (``--work-dir: ...``).
    """
    cli_message, fields = getattr(exc, "cli_message", None), getattr(exc, "fields", ())
    if cli_message is not None and (not fields or any(field in flags for field in fields)):
        exc.args = (cli_message,)
        return
    field, separator, problem = str(exc).partition(": ")
    if separator and field in flags and len(exc.args) == 1:
        exc.args = (f"--{field.replace('_', '-')}: {problem}",)


def command_plugins(options: dict[str, Any]) -> int:
    """Run ``evalscope plugins [list | show NAME | new NAME]``."""
    action = options.get("action")
    if action == "new":
        from evalscope.scaffold import command_new

        return command_new(options["name"], options["kind"], options["path"])
    from evalscope.plugins import info as plugin_info

    if action == "show":
        return plugin_info.command_show(options["name"], as_json=options["json"])
    return plugin_info.command_list(as_json=options["json"])
