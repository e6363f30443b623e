"""runlog: read a runner's watch exports and flag training patterns linked to injuries.

>>> import runlog
>>> loaded = runlog.load(["examples/watch-folder"])
>>> loaded.activities[["start_time", "sport", "distance_m"]].head()
>>> report = runlog.analyze(loaded, as_of="2026-11-15")
>>> [flag.code for flag in report.flags]
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigError,
    DateError,
    NotAnActivity,
    ParseError,
    PathNotFound,
    RunlogError,
    StoreError,
)

if TYPE_CHECKING:
    from .analyzers import Report, analyze
    from .config import Settings, load_settings
    from .load import Loaded, load
    from .model import COLUMNS, Activity
    from .store import Store

__version__ = "0.1.0"

#: Public names imported on first use (pandas and the readers take a second to import): the
#: ``runlog`` command can then take Ctrl-C as its own from its first moment (see cli.py).
_LAZY = {"Report": "analyzers", "analyze": "analyzers", "Settings": "config",
         "load_settings": "config", "Loaded": "load", "load": "load", "COLUMNS": "model",
         "Activity": "model", "Store": "store"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # Importing the submodule runlog.load sets the attribute ``load`` to the module; the
        # public ``runlog.load`` is the function (the module stays in sys.modules).
        if name == "load" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "COLUMNS",
    "Activity",
    "ConfigError",
    "DateError",
    "Loaded",
    "NotAnActivity",
    "ParseError",
    "PathNotFound",
    "Report",
    "RunlogError",
    "Settings",
    "Store",
    "StoreError",
    "analyze",
    "load",
    "load_settings",
]
