"""runlog: read a runner's watch exports and flag training patterns linked to injuries.

>>> import runlog
>>> loaded = runlog.load(["examples/watch-folder"])
>>> loaded.activities[["start_time", "sport", "distance_m"]].head()
>>> report = runlog.analyze(loaded, as_of="2026-11-15")
>>> [flag.code for flag in report.flags]
"""

from __future__ import annotations

from .analyzers import Report, analyze
from .config import Settings, load_settings
from .errors import (
    ConfigError,
    DateError,
    NotAnActivity,
    ParseError,
    PathNotFound,
    RunlogError,
    StoreError,
)
from .load import Loaded, load
from .model import COLUMNS, Activity
from .store import Store

__version__ = "0.1.0"

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
