"""The clock of the machine runlog runs on.

Days and weeks are cut on the athlete's clock; when nothing says whose it is (no timezone in
the settings, a file that writes no zone), this machine's is the best guess. Reading files
and analysing them both need it, so it lives below both.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def machine_timezone() -> str:
    """The machine's IANA timezone name, or "UTC" when it cannot be told."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        try:
            ZoneInfo(env)
            return env
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    if marker in target:
        name = target.split(marker, 1)[1]
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            return "UTC"
    return "UTC"
