"""From paths to the activity table: discover files, read them (or reuse the store), join a
Strava export's rows to their files, merge duplicates, and fill the athlete's clock."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import pandas as pd

from .config import Settings, find_config, load_settings
from .errors import ParseError
from .importers import ReadOptions, machine_timezone, reader_for
from .importers.archives import Item, discover, linked_source
from .importers.merge import join_strava_rows, merge_duplicates
from .model import Activity, to_frame
from .store import Store, default_path

#: Called before each file is read with (files done, files in all).
Progress = Callable[[int, int], None]


@dataclass
class Loaded:
    """What :func:`load` found: the activity table and an account of every file."""

    activities: pd.DataFrame
    settings: Settings
    skipped: list[ParseError] = field(default_factory=list)  # files that could not be read
    warnings: list[ParseError] = field(default_factory=list)  # parts of files left out
    files: int = 0  # files found to read
    files_read: int = 0  # files that gave at least one activity
    parsed: int = 0  # files parsed this time
    reused: int = 0  # files whose parse came from the store
    ignored: int = 0  # files passed over on purpose (unknown kinds, export side files)


def load(
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    athlete: str | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """Read every activity under ``paths`` into one table.

    ``settings`` default to the ``runlog.toml`` found beside the paths (or none); ``store``
    is a :class:`Store` or a path to one, to reuse earlier parses (None: read everything).
    """
    path_list = [Path(p) for p in paths]
    if settings is None:
        settings = load_settings(find_config(path_list))
    timezone = settings.timezone or machine_timezone()
    options = ReadOptions(timezone=timezone, garmin_csv_units=settings.garmin_csv_units)
    owns_store = store is not None and not isinstance(store, Store)
    db = Store(store) if owns_store else store  # type: ignore[arg-type]
    try:
        found = discover(path_list)
        result = Loaded(activities=pd.DataFrame(), settings=settings,
                        skipped=list(found.problems), files=len(found.items),
                        ignored=found.ignored)
        by_source: dict[str, list[Activity]] = {}
        strava_rows: list[Activity] = []
        for done, item in enumerate(found.items):
            if progress is not None:
                progress(done, len(found.items))
            activities = _read(item, options, db, result)  # type: ignore[arg-type]
            if not activities:
                continue
            result.files_read += 1
            rows = [a for a in activities if a.format == "strava-csv"]
            strava_rows.extend(rows)
            others = [a for a in activities if a.format != "strava-csv"]
            if others:
                by_source[item.source] = others
    finally:
        if owns_store and db is not None:
            db.close()

    joined = join_strava_rows(strava_rows, by_source, _linked_source)
    merged = merge_duplicates(joined)
    who = athlete or settings.athlete or _athlete_from(path_list)
    zone = ZoneInfo(timezone)
    tz_origin = "config timezone" if settings.timezone else "machine timezone"
    for act in merged:
        act.athlete = who
        if act.local_start is None and act.start_time is not None:
            act.local_start = act.start_time.tz_convert(zone).tz_localize(None).to_pydatetime()
            act.local_start_source = tz_origin
    result.activities = to_frame(merged)
    return result


def _linked_source(row: Activity) -> str | None:
    if not row.linked_file:
        return None
    base = row.source[: -len(PurePosixPath(row.source.replace("!", "/")).name)]
    if base.endswith("!"):
        return base + row.linked_file.lstrip("/")
    return linked_source(base.rstrip("/\\") or ".", row.linked_file)


def _athlete_from(paths: list[Path]) -> str | None:
    if len(paths) != 1:
        return None
    path = paths[0].resolve()
    return path.name if path.is_dir() else path.stem


def _read(item: Item, options: ReadOptions, store: Store | None, result: Loaded
          ) -> list[Activity]:
    """One file's activities (from the store when these bytes were parsed before)."""
    key = options.cache_key()
    parsed: list[Activity | ParseError] | ParseError | None = None
    content_hash = store.known_hash(*item.fingerprint) if store is not None else None
    try:
        if content_hash is not None:
            parsed = store.get(content_hash, key, item.kind)  # type: ignore[union-attr]
        if parsed is None:
            data = item.read_bytes()
            content_hash = hashlib.sha256(data).hexdigest()
            if store is not None:
                parsed = store.get(content_hash, key, item.kind)
                if parsed is not None:
                    store.remember_file(item.fingerprint, content_hash)
            if parsed is None:
                result.parsed += 1
                parsed = _parse(item, data, options)
                if store is not None:
                    store.put(item.fingerprint, content_hash, key, item.kind, parsed)
            else:
                result.reused += 1
        else:
            result.reused += 1
    except ParseError as exc:  # the file could not even be read
        parsed = exc
    if isinstance(parsed, ParseError):
        parsed.path = item.source
        result.skipped.append(parsed)
        return []
    out: list[Activity] = []
    for index, entry in enumerate(parsed):
        if isinstance(entry, ParseError):
            entry.path = item.source
            result.warnings.append(entry)
            continue
        entry.source = item.source
        entry.activity_id = f"{content_hash[:16]}-{index}"  # type: ignore[index]
        out.append(entry)
    return out


def _parse(item: Item, data: bytes, options: ReadOptions) -> list[Activity | ParseError] | ParseError:
    """The reader's result, or its refusal; a reader bug never stops the other files."""
    try:
        return reader_for(item.kind)(data, item.source, options)
    except ParseError as exc:
        return exc
    except Exception as exc:
        return ParseError(f"unexpected {type(exc).__name__} while reading: {exc} "
                          "(please report this file)", item.source)


__all__ = ["Loaded", "load", "default_path"]
