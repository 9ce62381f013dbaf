"""Models trained by `ficdex train …` and shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources

from ..errors import ModelError


def read_model_json(folder: str, name: str, path=None, *, what: str) -> dict:
    """The JSON weights of a shipped model (``ficdex/models/<folder>/<name>``),
    or of `path` when given; any failure to read them is a ModelError, so a
    stage whose weights are missing is reported as not built."""
    try:
        if path is None:
            return json.loads(resources.files(__name__).joinpath(folder, name).read_text(encoding="utf-8"))
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ModelError(f"{what} model unreadable: {e}") from e
