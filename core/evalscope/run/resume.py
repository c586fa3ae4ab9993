"""Resuming a run folder (``use_cache``): its saved config is the base, and the resume never overwrites a result.

- ``with_saved_config``: the folder's ``configs/task_config.yaml`` is the base config and the fields given
  now (flags, or the ``TaskConfig`` fields set from Python) override it. Secrets are never saved: the API key
  comes from the flag or the environment as usual, a field holding another secret must be given again, and a
  custom model object cannot be rebuilt from the folder.
- ``open_run_folder``: a resume that evaluates the same thing (``configs/evaluated.json``: the model's
  identity, datasets, dataset options, generation config, limit, seed and repeats) continues in the folder and keeps
  its config as ``configs/task_config.resume-<n>.yaml``. A resume that changes any of these writes a new,
  timestamped folder beside it, which reuses the old folder's matching predictions and leaves it untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalscope.config import MODEL_EVAL_TYPES, TaskConfig
from evalscope.errors import ConfigError
from evalscope.store.cache_keys import cache_key
from evalscope.store.outputs import RunDir
from evalscope.utils.secrets import MASK, redact_mapping

EVALUATED_FILE = "evaluated.json"
EVALUATION_FIELDS = ("datasets", "dataset_args", "generation_config", "limit", "seed", "repeats")
# Fields stored only when they differ from their default, so folders written before they existed resume in place.
EVALUATION_DEFAULTS = {"repeats": 1}
# Fields that choose the model: a custom model's folder needs one of them to resume.
MODEL_CHOICE_FIELDS = ("model", "model_plugin", "api_url", "eval_type")


def with_saved_config(config: TaskConfig) -> TaskConfig:
    """``config`` on top of the saved config of its ``use_cache`` folder (unchanged without ``use_cache``)."""
    if not config.use_cache:
        return config
    folder = existing_run_folder(config.use_cache)
    saved = _read_saved_config(folder / "configs" / "task_config.yaml")
    given = {name: getattr(config, name) for name in config.model_fields_set}
    placeholder = saved.get("model")
    if saved.get("eval_type") == "custom" and not any(name in given for name in MODEL_CHOICE_FIELDS):
        raise ConfigError(
            f"use_cache: {str(folder)!r} is a run of a custom model ({placeholder}), which cannot be rebuilt "
            "from the folder; from Python, pass the model again: "
            f"run_task(TaskConfig(use_cache={str(folder)!r}, model=<your model>))"
        )
    if isinstance(placeholder, str) and placeholder.startswith("<") and placeholder.endswith(" instance>"):
        saved.pop("model")
    saved.pop("api_key", None)  # never saved: the flag or the environment gives it
    unsaved = [path for path in _pop_masked(saved) if path.split(".")[0] not in given]
    if unsaved:
        flags = sorted({"--" + path.split(".")[0].replace("_", "-") for path in unsaved})
        raise ConfigError(
            f"use_cache: {', '.join(unsaved)} not saved in {str(folder)!r} (secrets never are); "
            f"give {' and '.join(flags)} again in full"
        )
    if "model_id" not in given and _names_another_model(saved, placeholder, given):
        saved.pop("model_id", None)  # the saved one was derived from the old model: derive it again
    if "eval_type" not in given:
        _infer_eval_type_again(saved, given)
    return TaskConfig(**{**saved, **given})


def _names_another_model(saved: dict[str, Any], placeholder: Any, given: dict[str, Any]) -> bool:
    if "model_plugin" in given and given["model_plugin"] != saved.get("model_plugin"):
        return True
    if "model" not in given:
        return False
    model = given["model"]
    if model is None or isinstance(model, str):
        return model != placeholder
    return placeholder != f"<{type(model).__name__} instance>"


def _infer_eval_type_again(saved: dict[str, Any], given: dict[str, Any]) -> None:
    """Drop the saved ``eval_type`` when the fields given now choose another kind of model."""
    model = given.get("model")
    if model is not None and not isinstance(model, str):
        kind = "custom"
    elif given.get("model_plugin"):
        kind = "plugin"
    elif isinstance(model, str) or "api_url" in given:
        kind = "api"
    else:
        return
    api_saved = saved.get("eval_type") is not None and saved.get("eval_type") not in MODEL_EVAL_TYPES
    if kind != saved.get("eval_type") and not (kind == "api" and api_saved):
        saved.pop("eval_type", None)


def existing_run_folder(use_cache: str) -> Path:
    """The ``use_cache`` folder, checked to be a run folder (one line naming what is wrong otherwise)."""
    root = Path(use_cache)
    if not (root / "configs" / "task_config.yaml").is_file():
        problem = "does not exist" if not root.exists() else "is not a run folder (it has no configs/task_config.yaml)"
        raise ConfigError(f"use_cache: {use_cache!r} {problem}")
    return root


def _read_saved_config(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"use_cache: cannot read {path}: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"use_cache: {path} does not hold a mapping of options")
    return data


def _pop_masked(data: dict[str, Any], prefix: str = "") -> list[str]:
    """Remove every masked value (``***``, or a URL with one) from ``data``; return their dotted paths."""
    removed = []
    for key in list(data):
        value, path = data[key], f"{prefix}{key}"
        if isinstance(value, dict):
            removed += _pop_masked(value, f"{path}.")
        elif (isinstance(value, str) and MASK in value) or (
            isinstance(value, list) and any(isinstance(item, str) and MASK in item for item in value)
        ):
            del data[key]
            removed.append(path)
    return removed


def evaluated(config: TaskConfig, model_identity: dict[str, Any]) -> dict[str, Any]:
    """What a run evaluates, as stored in ``configs/evaluated.json``; two runs that differ here differ in results.

    ``model_key`` digests the model's identity the way cache keys do; ``model`` is the same identity for reading.
    """
    data = config.model_dump(mode="json", include=set(EVALUATION_FIELDS))
    data["dataset_args"] = redact_mapping(data["dataset_args"])
    data["generation_config"] = redact_mapping(data["generation_config"])
    data["datasets"] = sorted(data["datasets"])
    for name, default in EVALUATION_DEFAULTS.items():
        if data[name] == default:
            del data[name]
    return {
        "model_key": cache_key(model_identity, {}, {}),
        "model": json.loads(json.dumps(model_identity, default=str)),
        **data,
    }


def changed_fields(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The evaluation fields in which ``now`` differs from ``before``."""
    changed = ["model"] if before.get("model_key") != now["model_key"] else []
    return changed + [
        name
        for name in EVALUATION_FIELDS
        if before.get(name, EVALUATION_DEFAULTS.get(name)) != now.get(name, EVALUATION_DEFAULTS.get(name))
    ]


@dataclass
class RunFolder:
    """Where a run writes: its folder, the file its config goes to, and where cached predictions come from."""

    run_dir: RunDir
    config_path: Path
    cache_from: RunDir | None = None  # another folder whose predictions are reused (a resume that changed things)
    notice: str | None = None  # what the user is told about the choice of folder
    created: bool = False  # the folder did not exist before this run


def open_run_folder(config: TaskConfig, evaluation: dict[str, Any]) -> RunFolder:
    """Create (or reopen, for a resume of the same evaluation) the folder a run writes to."""
    if not config.use_cache:
        existed = config.no_timestamp and Path(config.work_dir).exists()
        run_dir = RunDir.create(config.work_dir, config.no_timestamp)
        _write_evaluated(run_dir, evaluation)
        return RunFolder(run_dir, run_dir.config_path, created=not existed)
    old = RunDir(existing_run_folder(config.use_cache))
    before = _read_evaluated(old)
    changes = changed_fields(before, evaluation) if before is not None else None
    if changes == []:
        return RunFolder(old, _next_resume_config_path(old))
    new = RunDir.create(str(old.root.parent), no_timestamp=False)
    _write_evaluated(new, evaluation)
    why = (
        f"this resume changes what {old.root} evaluated ({', '.join(changes)})"
        if changes
        else f"{old.root} has no record of what it evaluated (configs/{EVALUATED_FILE})"
    )
    notice = (
        f"{why}, so it writes a new run folder {new.root}, reusing the matching predictions; "
        f"{old.root} is left as it was"
    )
    return RunFolder(new, new.config_path, cache_from=old, notice=notice, created=True)


def remove_if_unused(folder: RunFolder) -> bool:
    """Remove a folder this run created when the run stopped before writing any prediction (the start-up
    model check failed, say): it holds only the run's config and log, and is no run to list. Returns
    whether it was removed; a folder that existed before the run, or holds anything else, is kept."""
    root = folder.run_dir.root
    if not folder.created or not root.is_dir():
        return False
    ours = {folder.config_path, _evaluated_path(folder.run_dir), folder.run_dir.log_path}
    files = [path for path in root.rglob("*") if not path.is_dir()]
    for path in files:
        opened = path.parent.parent in (root / "predictions", root / "reviews") and not path.stat().st_size
        if path not in ours and not opened:  # an engine's log, say: what it says is kept
            return False
    for path in files:
        path.unlink()
    for path in sorted((path for path in root.rglob("*") if path.is_dir()), key=lambda path: -len(path.parts)):
        path.rmdir()
    root.rmdir()
    return True


def _evaluated_path(run_dir: RunDir) -> Path:
    return run_dir.root / "configs" / EVALUATED_FILE


def _read_evaluated(run_dir: RunDir) -> dict[str, Any] | None:
    try:
        return json.loads(_evaluated_path(run_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_evaluated(run_dir: RunDir, evaluation: dict[str, Any]) -> None:
    text = json.dumps(evaluation, ensure_ascii=False, indent=2)
    _evaluated_path(run_dir).write_text(text + "\n", encoding="utf-8")


def _next_resume_config_path(run_dir: RunDir) -> Path:
    number = 1
    while (path := run_dir.root / "configs" / f"task_config.resume-{number}.yaml").exists():
        number += 1
    return path
