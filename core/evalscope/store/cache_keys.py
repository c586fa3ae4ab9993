"""Prediction cache keys: a digest of everything that determines a sample's prediction.

``canonical`` puts a model's settings, a prompt and a generation config in one JSON form that is the same in every
process (callables by their code, objects by their attributes, no memory addresses), so a resumed run finds the
predictions it can reuse and a changed setting never reuses one.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import re
import types
from pathlib import PurePath
from typing import Any

from evalscope.errors import ConfigError


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
