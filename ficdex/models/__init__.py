"""Models trained by `ficdex train …` and shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources

from ..errors import ModelError


def read_model_json(folder: str, name: str, path=None, *, what: str, build=None):
    """The JSON weights of a shipped model (``ficdex/models/<folder>/<name>``),
    or of `path` when given, passed through `build` (the model's class) when
    given.  Any failure to read or build them is a ModelError, so a stage
    whose weights are missing or stale is reported as not built."""
    try:
        if path is None:
            data = json.loads(resources.files(__name__).joinpath(folder, name).read_text(encoding="utf-8"))
        else:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        return data if build is None else build(data)
    except (OSError, ValueError, KeyError) as e:
        raise ModelError(f"{what} model unreadable: {e!r}") from e
