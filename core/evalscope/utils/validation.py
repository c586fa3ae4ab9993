"""Turn pydantic validation problems into one-line messages that name the option, in plain words.

A problem is said the same way wherever the option was given: ``must be a number``, ``is required``,
``unknown option 'timout'; did you mean 'timeout'?``. Only the name differs: from Python or a config
file the option is named as the field (``option 'timeout'``); from the command line as the flag
(``--model-args timeout``, ``--dataset-args gsm8k.few_shot_num``, ``--eval-batch-size``).
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from evalscope.errors import ConfigError

# pydantic's union members appear in an error's location as tags ("str", "list[str]"): not option names.
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "bytes", "none", "dict", "list"})


def check_known_keys(data: Mapping[str, Any], allowed: Iterable[str], what: str, flag: tuple[str, ...] = ()) -> None:
    """Fail on the first key of ``data`` not in ``allowed``, suggesting the closest valid name.

    ``flag``: the config field (and keys) the options came from, as ``parse_model`` takes it.
    """
    allowed = sorted(allowed)
    for key in data:
        if key not in allowed:
            problem = unknown_option(str(key), allowed)
            cli_message = f"{flag_name(flag)}: {problem}" if flag else None
            raise ConfigError(f"{what}: {problem}", cli_message=cli_message, fields=flag[:1])


def unknown_option(key: str, allowed: Collection[str]) -> str:
    """``unknown option 'key'; did you mean 'closest'?`` (or the list of the allowed names)."""
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(sorted(allowed))
    return f"unknown option {key!r}; {hint}"


def parse_model(model_cls: Any, data: Mapping[str, Any] | None, what: str, flag: tuple[str, ...] = ()) -> Any:
    """Validate ``data`` with the pydantic ``model_cls``; errors become one ``ConfigError`` line.

    ``what`` names the options from Python (``openai_api model``); ``flag`` is the config field (and
    keys) they came from, so that from the command line the error names the flag instead:
    ``("model_args",)`` gives ``--model-args timeout must be a number (got 'abc')``,
    ``("dataset_args", "gsm8k")`` gives ``--dataset-args gsm8k.few_shot_num ...``.
    """
    from pydantic import ValidationError

    data = dict(data or {})
    check_known_keys(data, model_cls.model_fields, what, flag)
    try:
        return model_cls(**data)
    except ValidationError as exc:
        where, problem = option_problem(exc, model_cls)
        cli_message = _flag_message((*flag, *where), problem) if flag else None
        message = f"{what}: {_field_message(where, problem)}"
        raise ConfigError(message, cli_message=cli_message, fields=flag[:1]) from None


def describe_validation_error(exc: Any, flags: Collection[str] = (), model_cls: Any = None) -> str:
    """The first problem of a pydantic ``ValidationError`` as ``option 'X': what is wrong (got Y)``.

    A field named in ``flags`` (set from the command line) is named as its flag, in the flag's words:
    ``--eval-batch-size must be at least 1 (got 0)``.
    """
    where, problem = option_problem(exc, model_cls)
    if where and where[0] in flags:
        return _flag_message(where, problem)
    return _field_message(where, problem)


def option_problem(exc: Any, model_cls: Any = None) -> tuple[tuple[str, ...], str]:
    """Where the first problem of a pydantic ``ValidationError`` is (the option's path) and what it is,
    in plain words: ``must be at least 1 (got 0)``, ``unknown option 'x'; did you mean 'y'?``."""
    error = exc.errors()[0]
    where = tuple(str(part) for part in error.get("loc", ()) if str(part) not in _TYPE_TAGS and "[" not in str(part))
    if error.get("type") == "extra_forbidden" and where:
        allowed = _fields_at(model_cls, where[:-1])
        if allowed is not None:
            return where[:-1], unknown_option(where[-1], allowed)
        return where, "is not a known option"
    from evalscope.utils.secrets import is_secret_name

    got = error.get("input")
    hide = any(is_secret_name(part) for part in where)  # never echo a secret back
    got_text = f" (got {got!r})" if got is not None and not isinstance(got, dict) and not hide else ""
    if error.get("type") == "missing":
        got_text = ""
    return where, _plain_words(error) + got_text


def flag_name(path: tuple[str, ...]) -> str:
    """The flag of a config field, with the keys inside it: ``("dataset_args", "gsm8k")`` is
    ``--dataset-args gsm8k``."""
    name = "--" + path[0].replace("_", "-")
    return f"{name} {'.'.join(path[1:])}" if len(path) > 1 else name


def _flag_message(path: tuple[str, ...], problem: str) -> str:
    return f"{flag_name(path)}{_separator(problem)}{problem}"


def _field_message(where: tuple[str, ...], problem: str) -> str:
    return f"option {'.'.join(where)!r}: {problem}" if where else problem


def _separator(problem: str) -> str:
    return " " if problem.startswith(("must ", "is ")) else ": "


def _fields_at(model_cls: Any, path: tuple[str, ...]) -> list[str] | None:
    """The option names of the (nested) pydantic model at ``path`` inside ``model_cls``, if it is one."""
    for part in path:
        field = getattr(model_cls, "model_fields", {}).get(part)
        if field is None:
            return None
        candidates = (field.annotation, *typing.get_args(field.annotation))
        model_cls = next((c for c in candidates if isinstance(c, type) and hasattr(c, "model_fields")), None)
    fields = getattr(model_cls, "model_fields", None)
    return list(fields) if fields is not None else None


# pydantic's error types in plain words; "{name}" is filled from the error's context.
_WORDS = {
    "missing": "is required",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of names to values",
    "model_attributes_type": "must be a mapping of names to values",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_long": "must have at most {max_length} characters",
    "too_short": "must have at least {min_length} items",
    "too_long": "must have at most {max_length} items",
    "literal_error": "must be {expected}",
    "enum": "must be {expected}",
}


def _plain_words(error: Mapping[str, Any]) -> str:
    """What an error of pydantic says, without pydantic's phrasing."""
    kind, context = error.get("type", ""), dict(error.get("ctx") or {})
    for name, value in context.items():  # a bound of 0.0 reads as 0, as pydantic writes it
        if isinstance(value, float) and value.is_integer():
            context[name] = int(value)
    if kind == "string_too_short":
        length = context.get("min_length", 1)
        return "must not be empty" if length == 1 else f"must have at least {length} characters"
    if kind in _WORDS:
        try:
            return _WORDS[kind].format(**context)
        except (KeyError, IndexError):
            pass
    message = str(error.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):  # a validator's own message, kept as written
        if message.startswith(prefix):
            return message.removeprefix(prefix)
    if message.startswith("Input should be "):
        message = "must be " + message.removeprefix("Input should be ")
        return message.split(", unable to ")[0].split(", got ")[0]
    return message
