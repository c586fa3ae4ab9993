"""Where a hub benchmark's rows come from: a local copy in the hub repository's layout, or the hub.

A local copy is ``local_path`` (the repository's folder) or ``DATASET_DIR/<hub id>/`` (``--dataset-dir``).
Without one, ``datasets.load_dataset`` reads the hub (imported only then). When the hub does not
answer within a few seconds, the hub libraries are put in offline mode, so a copy in their cache
still loads and anything else fails at once in one line, instead of retrying for half a minute.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evalscope.benchmarks.hub_files import read_rows, split_files
from evalscope.errors import DataError, one_line

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_SECONDS = 3.0
_OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


def local_root(hub_id: str, local_path: str | None, dataset_dir: str | None) -> Path | None:
    """The folder of the local copy of ``hub_id`` (``local_path``, else ``dataset_dir/hub_id``), or None."""
    if local_path:
        root = Path(local_path).expanduser()
        if not root.is_dir():
            raise DataError(
                f"local_path {local_path} of {hub_id} is not a folder; give the folder of a copy of the hub "
                f"repository (its own layout, such as <config>/<split>-00000-of-00001.parquet)"
            )
        return root
    if dataset_dir:
        root = Path(dataset_dir).expanduser() / hub_id
        if not root.is_dir():
            raise DataError(
                f"--dataset-dir has no folder {root} for {hub_id}; put a copy of the hub repository there "
                f"(or give the benchmark its own local_path)"
            )
        return root
    return None


def split_rows(
    hub_id: str,
    config: str | None,
    split: str,
    *,
    revision: str | None = None,
    local_path: str | None = None,
    dataset_dir: str | None = None,
    where: tuple[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """The rows of ``split`` of ``hub_id`` (``config``), one at a time, as loaded, from a local copy or the hub;
    with ``where=(field, value)``, only the rows whose field equals the value."""
    root = local_root(hub_id, local_path, dataset_dir)
    if root is None:
        for row in hub_rows(hub_id, config, split, revision):
            if where is None or row.get(where[0]) == where[1]:
                yield row
        return
    files = split_files(root, config, split)
    if not files:
        folder = f"{config}/" if config else ""
        raise DataError(
            f"no {split} split of {hub_id}{f' (config {config})' if config else ''} in {root}: expected "
            f"{root / folder}{split}-00000-of-00001.parquet (or {split}.jsonl, or under data/) as in the hub repository"
        )
    for path in files:
        yield from read_rows(path, where)


def hub_rows(hub_id: str, config: str | None, split: str, revision: str | None) -> Iterator[dict[str, Any]]:
    """The rows of ``split`` from the hub through ``datasets.load_dataset``; one-line error when it fails."""
    what = f"{hub_id}{f' (config {config})' if config else ''} split {split}"
    how = f"download it and pass dataset-args local_path, or --dataset-dir DIR with DIR/{hub_id}/ in the hub's layout"
    try:
        import datasets
    except ImportError:
        raise DataError(
            f"loading {what} from the hub needs the 'datasets' package (pip install datasets); or {how}"
        ) from None
    offline = hub_offline() or not hub_reachable()
    try:
        with offline_mode(offline):
            dataset = datasets.load_dataset(hub_id, config, split=split, revision=revision)
    except Exception as exc:  # network, authentication, cache: all end the same way for the user
        note = " (the hub cannot be reached, offline mode)" if offline else ""
        raise DataError(f"cannot load {what} from the hub{note}: {one_line(exc)}; {how}") from None
    for row in dataset:
        yield dict(row)


def hub_offline() -> bool:
    """Whether the hub libraries are told to stay offline (``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE``)."""
    return any(os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on") for name in _OFFLINE_VARIABLES)


def hub_reachable(timeout: float = PROBE_SECONDS) -> bool:
    """Whether the hub endpoint (``HF_ENDPOINT``, default huggingface.co) accepts a connection within ``timeout``."""
    if hub_offline():
        return False
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT)
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


@contextmanager
def offline_mode(on: bool) -> Iterator[None]:
    """While inside, with ``on``, the hub libraries stay offline (cached copies still load, nothing waits on the
    network); on leaving, their settings are as they were, so the next load (or run) probes the hub again."""
    if not on:
        yield
        return
    import sys

    saved_environment = {name: os.environ.get(name) for name in _OFFLINE_VARIABLES}
    saved_constants = []
    for module, attribute in (("huggingface_hub.constants", "HF_HUB_OFFLINE"), ("datasets.config", "HF_HUB_OFFLINE")):
        loaded = sys.modules.get(module)
        if loaded is not None and hasattr(loaded, attribute):
            saved_constants.append((loaded, attribute, getattr(loaded, attribute)))
            setattr(loaded, attribute, True)
    os.environ.update(dict.fromkeys(_OFFLINE_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for loaded, attribute, value in saved_constants:
            setattr(loaded, attribute, value)
