"""Where the store is when no ``--store`` is given: ``$RUNLOG_STORE``, else the user data folder.

Apart from store.py (SQLite, the activity model, pandas) so that the command's help can name
the place without importing what reads the store.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "RUNLOG_STORE"


def default_path() -> Path:
    """``$RUNLOG_STORE``, else the user data folder that platformdirs names."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return user_store_path()


def user_store_path() -> Path:
    """The store in the user data folder (``~/.local/share/runlog/store.sqlite`` on Linux,
    ``~/Library/Application Support/runlog/store.sqlite`` on macOS,
    ``%LOCALAPPDATA%\\runlog\\store.sqlite`` on Windows)."""
    return Path(platformdirs.user_data_dir("runlog", appauthor=False)) / "store.sqlite"


def shown_path(path: Path) -> str:
    """``path`` with the home folder written ``~``, for help text."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)
