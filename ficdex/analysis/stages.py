"""Imports every stage module so each registers itself with the pipeline.

A stage module that fails to import is a bug, not an optional feature: the
import error is left to surface.
"""

import importlib
import pkgutil

from . import __path__ as _here

for _mod in pkgutil.iter_modules(_here):
    if _mod.name not in {"pipeline", "stages"} and not _mod.name.startswith("_"):
        importlib.import_module(f"{__package__}.{_mod.name}")
