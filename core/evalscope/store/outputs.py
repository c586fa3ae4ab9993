"""The run folder on disk, and the prediction store that makes a run resumable.

Records are written byte for byte as given: model output and dataset text are never
rewritten. Secrets are kept out of records before they get here (see ``evalscope.utils.secrets``).

Layout of ``<work_dir>/<timestamp>/`` (or ``<work_dir>/`` with ``no_timestamp``)::

    configs/task_config.yaml                          the run's config (secrets masked)
    configs/task_config.resume-<n>.yaml               the config of each resume in this folder
    configs/evaluated.json                            what the run evaluates (see ``evalscope.run.resume``)
    logs/eval_log.log
    predictions/<model_id>/<dataset>_<subset>.jsonl   one line per finished sample, flushed
    reviews/<model_id>/<dataset>_<subset>.jsonl       one line per scored sample
    reports/<model_id>/<dataset>.json                 the dataset's report
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import os
import re
import time
import types
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

from evalscope.errors import ConfigError


def safe_name(name: str) -> str:
    """A file-system-safe form of a model or dataset name."""
    return re.sub(r"[^\w.\-]+", "_", name).strip("._") or "_"


class RunDir:
    """The folder of one run and the paths inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, work_dir: str, no_timestamp: bool) -> RunDir:
        """A new run folder: ``work_dir`` itself, or a new timestamped one in it.

        (A resumed folder is opened by ``evalscope.run.resume.open_run_folder``.)
        """
        if no_timestamp:
            root = Path(work_dir)
        else:
            root = Path(work_dir) / time.strftime("%Y%m%d_%H%M%S")
            suffix = 1
            while root.exists():
                root = Path(work_dir) / f"{time.strftime('%Y%m%d_%H%M%S')}_{suffix}"
                suffix += 1
        try:
            for sub in ("configs", "logs", "predictions", "reviews", "reports"):
                (root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"work_dir: cannot create the run folder {str(root)!r}: {exc.strerror}") from None
        return cls(root)

    @property
    def config_path(self) -> Path:
        """``configs/task_config.yaml``."""
        return self.root / "configs" / "task_config.yaml"

    @property
    def log_path(self) -> Path:
        """``logs/eval_log.log``."""
        return self.root / "logs" / "eval_log.log"

    def predictions_path(self, model_id: str, dataset: str, subset: str) -> Path:
        """``predictions/<model_id>/<dataset>_<subset>.jsonl``."""
        return self._file("predictions", model_id, f"{safe_name(dataset)}_{safe_name(subset)}.jsonl")

    def reviews_path(self, model_id: str, dataset: str, subset: str) -> Path:
        """``reviews/<model_id>/<dataset>_<subset>.jsonl``."""
        return self._file("reviews", model_id, f"{safe_name(dataset)}_{safe_name(subset)}.jsonl")

    def report_path(self, model_id: str, dataset: str) -> Path:
        """``reports/<model_id>/<dataset>.json``."""
        return self._file("reports", model_id, f"{safe_name(dataset)}.json")

    def _file(self, kind: str, model_id: str, name: str) -> Path:
        folder = self.root / kind / safe_name(model_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


def cache_key(model: Any, prompt: dict, infer_cfg: dict) -> str:
    """A digest of everything that determines a sample's prediction.

    ``model`` describes the model (its id, class or served name, and settings). Each part is
    put in its ``canonical`` form first, so the key is the same in every process and differs
    whenever the settings differ. For plain JSON data the key is the digest of the JSON text.
    """
    return CacheKeys(model, infer_cfg).key(prompt)


class CacheKeys:
    """``cache_key`` of many prompts for one model and generation config: the model and the config
    are put in canonical form and encoded once, and each key is the digest of the same JSON text
    (``[model, prompt, infer_cfg]``, keys sorted) as ``cache_key`` hashes."""

    def __init__(self, model: Any, infer_cfg: dict) -> None:
        self._head = "[" + _json_text(canonical(model, "model config")) + ", "
        self._tail = ", " + _json_text(canonical(infer_cfg, "generation_config")) + "]"

    def key(self, prompt: dict) -> str:
        """The cache key of ``prompt``."""
        payload = self._head + _json_text(canonical(prompt, "prompt")) + self._tail
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


_ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+|0x[0-9a-fA-F]{8,}")


def canonical(value: Any, path: str = "value", _seen: tuple[int, ...] = ()) -> Any:
    """``value`` as plain JSON data that is the same in every process and differs when ``value`` does.

    Plain JSON (dicts with string keys, lists, strings, numbers, booleans, None) is returned as
    it is, and tuples become lists, so plain settings keep the keys of earlier versions. Other
    values become tagged forms:

    - a subclass of ``str``, ``int`` or ``float`` (numpy's ``float64``): its base value;
    - another list or tuple type (a namedtuple): its class and items; ``bytes``: their hex;
    - a set or frozenset, or a dict with keys other than strings: its items, sorted;
    - an enum member: its class and name; a path: its text;
    - ``functools.partial``: its function, args and keywords;
    - a function or class: its module and qualified name; a lambda or nested function, whose
      name is not unique, also its bytecode, constants, defaults and closure; a bound method:
      its object and qualified name;
    - a dataclass: its class and fields;
    - another object: its class and ``repr()``, or, when that repr shows a memory address, its
      class and attributes (``vars()`` or slots);
    - a reference back to an enclosing value: how many levels up it points.

    An object with no attributes whose repr shows its address (a lock, a C extension's handle)
    cannot be keyed: ``ConfigError`` names it (``path`` says where it is) rather than let two
    different configurations share a key.
    """
    if value is None or type(value) in (str, bool, int, float):
        return value
    if not isinstance(value, (bool, enum.Enum)):
        for base in (str, float, int):  # a subclass (numpy's float64, say) counts as its base type
            if isinstance(value, base):
                return base(value)
    if id(value) in _seen:  # a reference back to a container above: keyed by how far up it is
        return {"<ref>": len(_seen) - _seen.index(id(value))}
    seen = (*_seen, id(value))
    if isinstance(value, dict):
        if all(type(key) is str for key in value):
            return {key: canonical(item, f"{path}[{key!r}]", seen) for key, item in value.items()}
        items = [[canonical(k, f"{path} key", seen), canonical(v, f"{path}[{k!r}]", seen)] for k, v in value.items()]
        return {"<dict>": sorted(items, key=_json_text)}
    if isinstance(value, (list, tuple)):
        items = [canonical(item, f"{path}[{index}]", seen) for index, item in enumerate(value)]
        return items if type(value) in (list, tuple) else {f"<{_qualified(type(value))}>": items}
    if isinstance(value, (set, frozenset)):
        return {"<set>": sorted((canonical(item, f"{path} item", seen) for item in value), key=_json_text)}
    if isinstance(value, (bytes, bytearray)):
        return {"<bytes>": bytes(value).hex()}
    if isinstance(value, enum.Enum):
        return {"<enum>": f"{_qualified(type(value))}.{value.name}"}
    if isinstance(value, functools.partial):
        call = [value.func, list(value.args), dict(value.keywords)]
        return {"<partial>": canonical(call, path, seen)}
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return _callable_form(value, path, seen)
    if isinstance(value, types.MethodType):
        return {"<method>": [canonical(value.__self__, f"{path}.__self__", seen), value.__func__.__qualname__]}
    if dataclasses.is_dataclass(value):
        fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return {f"<dataclass {_qualified(type(value))}>": canonical(fields, path, seen)}
    if isinstance(value, PurePath):
        return str(value)
    text = repr(value)
    if not _ADDRESS.search(text):
        return {f"<{_qualified(type(value))}>": text}
    state = _attributes(value)
    if state is None:
        raise ConfigError(
            f"cache key: {path} is a {_qualified(type(value))} whose repr only gives its memory address and which "
            "has no attributes to key it by; give its class a __repr__ that names its settings, or keep it out "
            "of the configuration"
        )
    return {f"<{_qualified(type(value))}>": canonical(state, path, seen)}


def _callable_form(value: Any, path: str, seen: tuple[int, ...]) -> dict[str, Any]:
    name = _qualified(value)
    bound_to = getattr(value, "__self__", None)
    if isinstance(value, types.BuiltinFunctionType) and not isinstance(bound_to, (types.ModuleType, type(None))):
        return {"<method>": [canonical(bound_to, f"{path}.__self__", seen), value.__qualname__]}  # "abc".upper
    code = getattr(value, "__code__", None)
    if code is None or "<" not in name:
        return {"<callable>": name}
    cells = [cell.cell_contents for cell in (value.__closure__ or ())]
    body = [_code_form(code), value.__defaults__, value.__kwdefaults__, cells]
    return {"<callable>": name, "code": canonical(body, f"{path} ({name})", seen)}


def _code_form(code: types.CodeType) -> list[Any]:
    consts = [_code_form(const) if isinstance(const, types.CodeType) else const for const in code.co_consts]
    return [code.co_code.hex(), consts, list(code.co_names)]


def _attributes(value: Any) -> dict[str, Any] | None:
    if type(value) is object:
        return {}
    state = dict(getattr(value, "__dict__", {}))
    for cls in type(value).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in ("__dict__", "__weakref__") and hasattr(value, name):
                state[name] = getattr(value, name)
    if not state and not hasattr(value, "__dict__"):
        return None
    return state


def _qualified(obj: Any) -> str:
    return f"{getattr(obj, '__module__', None) or '?'}.{getattr(obj, '__qualname__', None) or type(obj).__qualname__}"


def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def encode_line(record: Any) -> bytes:
    """``record`` as one JSONL line: UTF-8 JSON (non-ASCII text kept as is) and a newline.

    orjson writes it (about 15 times faster than the standard library on these records, see
    ``benchmarks/record_encoding.py``); what orjson refuses (an integer beyond 64 bits) is
    written by the standard library.
    """
    import orjson

    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def decode_line(line: bytes | str) -> Any:
    """The value of one JSONL line; ``ValueError`` if it is not JSON (``NaN`` and ``Infinity`` are read)."""
    import orjson

    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


class JsonlRecords:
    """Reads back a JSONL file of per-sample records (predictions or reviews) without holding them.

    ``index_by`` says where each sample's last usable record is, and ``read`` (or ``read_line``, its
    bytes as written) reads one back.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader = None

    def index_by(self, key_field: str, usable: Callable[[dict], bool]) -> dict[str | tuple[str, int], tuple[Any, int]]:
        """``{answer_id: (record[key_field], offset)}`` of the last record of each sample (of each answer of it,
        under ``--repeats``: see ``evalscope.run.repeats.answer_id``) for which ``usable`` is true; lines that are
        not JSON records, and a last line cut short by a crash, are left out."""
        from evalscope.run.repeats import answer_id

        found: dict[str | tuple[str, int], tuple[Any, int]] = {}
        if not self.path.exists():
            return found
        offset = 0
        with self.path.open("rb") as handle:
            for line in handle:
                start, offset = offset, offset + len(line)
                if not line.endswith(b"\n"):
                    break  # cut short by a crash
                try:
                    record = decode_line(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and "sample_id" in record and usable(record):
                    found[answer_id(record)] = (record.get(key_field), start)
        return found

    def read_line(self, offset: int) -> bytes:
        """The line at ``offset`` (from ``index``), as written."""
        if self._reader is None:
            self._reader = self.path.open("rb")
        self._reader.seek(offset)
        return self._reader.readline()

    def read(self, offset: int) -> dict[str, Any]:
        """The record at ``offset`` (from ``index``)."""
        return decode_line(self.read_line(offset))

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if self._reader is not None:
            self._reader.close()
        self._reader = None


class PredictionStore(JsonlRecords):
    """An append-only JSONL file of predictions, each line flushed as soon as it is written.

    With ``resume`` the existing records are kept and reused (a line cut short by a crash
    is dropped); without it the file starts empty. ``index`` says where each sample's last
    successful record is, and ``read`` reads one back, so a resumed run holds no records.
    """

    def __init__(self, path: Path, resume: bool) -> None:
        super().__init__(path)
        self.resume = resume
        self._file = None
        self._started = False

    def index(self) -> dict[str, tuple[Any, int]]:
        """``{sample_id: (cache_key, offset)}`` of the last successful record of each sample (with ``resume``).

        Failed records are left out (they are retried); so are lines that are not JSON records.
        """
        return self.index_by("cache_key", lambda record: record.get("error") is None) if self.resume else {}

    def append(self, record: dict[str, Any]) -> None:
        """Write one record and push it to the operating system at once."""
        self.append_many([record])

    def append_many(self, records: list[dict[str, Any]]) -> None:
        """Write ``records`` (a batch that finished together) and push them to the operating system at once."""
        if self._file is None:
            append = self.resume or self._started
            if append:
                self._drop_partial_tail()
            self._file = self.path.open("ab" if append else "wb")
            self._started = True
        self._file.write(b"".join(encode_line(record) for record in records))
        self._file.flush()

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if self._file is not None:
            self._file.close()
        self._file = None
        super().close()

    def _drop_partial_tail(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb+") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            position = size - 1
            while position > 0:
                step = min(4096, position)
                handle.seek(position - step)
                chunk = handle.read(step)
                newline = chunk.rfind(b"\n")
                if newline != -1:
                    handle.truncate(position - step + newline + 1)
                    return
                position -= step
            handle.truncate(0)


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """Write ``records`` to ``path`` as JSONL, replacing it atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` as indented JSON, replacing it atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
