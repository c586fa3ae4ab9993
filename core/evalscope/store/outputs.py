"""The run folder on disk: its layout (``RunDir``), safe file names and atomic JSON writes.

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

import json
import os
import re
import time
from pathlib import Path
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


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` as indented JSON, replacing it atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
