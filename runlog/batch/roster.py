"""Reading a roster: a folder with one sub-folder per athlete, or a ``roster.toml`` naming
each athlete with their paths and settings. A mistake in one athlete's entry fails that
athlete alone, with the roster's line; a mistake in the file as a whole fails the batch."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass

from ..config import CONFIG_NAME, Settings, _line_of, parse_settings, read_toml
from ..errors import ConfigError, RunlogError

ROSTER_NAME = "roster.toml"
_ENTRY_KEYS = {"name", "path", "paths"}
_ATHLETES_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*athletes[ \t]*\]\]", re.MULTILINE)


@dataclass(frozen=True)
class Athlete:
    """One athlete of a roster: their name, where their files are, and their settings.

    ``settings`` are the ones the roster.toml entry gives; otherwise ``config`` names the
    runlog.toml to read (None: the defaults). The file is read by the worker, so a bad one
    fails that athlete only.
    """

    name: str
    paths: tuple[Path, ...]
    settings: Settings | None = None
    config: Path | None = None
    #: why the roster's entry for this athlete could not be read: they fail alone
    problem: str | None = None


@dataclass(frozen=True)
class Roster:
    source: Path  # the folder or roster.toml it was read from
    athletes: tuple[Athlete, ...]


def read_roster(path: str | os.PathLike[str], *, skip: Path | None = None) -> Roster:
    """The athletes of a roster folder (one sub-folder each) or of a roster.toml.

    A folder holding a ``roster.toml`` is read through that file. ``skip`` is a folder that is
    not an athlete even when it sits in the roster folder (the batch's own output folder).
    """
    root = Path(path).expanduser().absolute()
    if root.is_dir() and (root / ROSTER_NAME).is_file():
        return _roster_file(root / ROSTER_NAME)
    if root.is_file():
        return _roster_file(root)
    if not root.is_dir():
        raise RunlogError("no such roster folder or file", str(root))
    skipped = skip.resolve() if skip is not None else None
    athletes = []
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if not folder.is_dir() or folder.name.startswith(".") or folder.resolve() == skipped:
            continue
        athletes.append(Athlete(name=folder.name, paths=(folder,),
                                config=_config_beside((folder,))))
    if not athletes:
        raise RunlogError("no athlete folders in the roster (one sub-folder per athlete, or "
                          f"a {ROSTER_NAME})", str(root))
    return Roster(source=root, athletes=tuple(athletes))


def _config_beside(paths: Sequence[Path]) -> Path | None:
    """The runlog.toml ``runlog report`` would use for these paths, but never the working
    folder's: that one belongs to the coach, not to each athlete."""
    for path in paths:
        candidate = (path if path.is_dir() else path.parent) / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _roster_file(path: Path) -> Roster:
    data, text = read_toml(path)
    unknown = sorted(set(data) - {"athletes"})
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown key (a roster has [[athletes]] tables)",
                          str(path), line=_line_of(text, unknown[0]))
    entries = data.get("athletes")
    if not isinstance(entries, list) or not entries or \
            not all(isinstance(e, dict) for e in entries):
        raise ConfigError("athletes: needs at least one [[athletes]] table with a name and "
                          "a path", str(path), line=_line_of(text, "athletes"))
    starts = [m.start() for m in _ATHLETES_HEADER.finditer(text)]
    if len(starts) != len(entries):  # athletes = [{...}] written inline: no blocks to search
        starts = [0] * len(entries)
    ends = starts[1:] + [len(text)]
    athletes: list[Athlete] = []
    seen: set[str] = set()
    for number, (entry, start, end) in enumerate(zip(entries, starts, ends), 1):
        try:
            athlete = _roster_entry(entry, path, text[start:end], text.count("\n", 0, start))
        except ConfigError as exc:  # a typo in one athlete's table fails that athlete alone
            name = entry.get("name")
            name = name.strip() if isinstance(name, str) and name.strip() else \
                f"athletes entry {number} (no name)"
            athlete = Athlete(name=name, paths=(), problem=str(exc))
        if athlete.name in seen:
            raise ConfigError(f"athletes.name: {athlete.name!r} is listed twice", str(path),
                              line=_line_of(text, "name", start))
        seen.add(athlete.name)
        athletes.append(athlete)
    return Roster(source=path, athletes=tuple(athletes))


def _roster_entry(entry: dict[str, Any], roster: Path, block: str, lines_before: int
                  ) -> Athlete:
    """One [[athletes]] table; ``block`` is its text, which starts after ``lines_before``
    lines of the file, so errors name the line of this athlete's key."""
    def fail(key: str, reason: str) -> ConfigError:
        line = _line_of(block, key)
        return ConfigError(f"athletes.{key}: {reason}", str(roster),
                           line=None if line is None else line + lines_before)

    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "every athlete needs a name (a non-empty string)")
    if "athlete" in entry:
        raise fail("athlete", "unknown key (the athlete's name is `name`)")
    if ("path" in entry) == ("paths" in entry):
        raise fail("path", f"{name.strip()!r} needs either path = \"...\" or paths = [...]")
    raw = [entry["path"]] if "path" in entry else entry["paths"]
    key = "path" if "path" in entry else "paths"
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) and p for p in raw):
        raise fail(key, "must be a path, or a non-empty list of paths, relative to the roster")
    paths = tuple((roster.parent / Path(p).expanduser()).absolute() for p in raw)
    given = {k: v for k, v in entry.items() if k not in _ENTRY_KEYS}
    if not given:
        return Athlete(name=name.strip(), paths=paths, config=_config_beside(paths))
    try:
        settings = parse_settings(given, str(roster), block)
    except ConfigError as exc:  # say where in the roster: this athlete's key and line
        line = None if exc.line is None else exc.line + lines_before
        raise ConfigError(f"athletes.{exc.reason}", str(roster), line=line) from None
    return Athlete(name=name.strip(), paths=paths, settings=settings)
