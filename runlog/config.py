"""Settings and thresholds, with their defaults and units, read from ``runlog.toml``.

Every threshold default comes from ``EVIDENCE.md`` (see the comment by each); each one is a
setting a user can change under ``[thresholds]``. Distances in threshold names carry their unit:
``_km`` keys may also be given as ``_mi`` (``shoe_replace_mi = 550``).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import ConfigError
from .model import SURFACES

CONFIG_NAME = "runlog.toml"
KM_PER_MI = 1.609344
UNITS = ("mi", "km")


@dataclass(frozen=True)
class Thresholds:
    # Shoes: the 350-550 mi replacement window (AAPSM guideline, EVIDENCE.md "Shoes").
    shoe_approaching_km: float = 350 * KM_PER_MI
    shoe_replace_km: float = 550 * KM_PER_MI
    # One shoe carrying nearly all running (Malisoux et al. 2015: alternating pairs HR 0.61).
    shoe_single_share: float = 0.90
    shoe_single_weeks: int = 8
    # Single-run spike vs the longest run of the previous 30 days (Frandsen et al. 2025).
    spike_ratio: float = 1.10
    spike_alert_ratio: float = 2.00
    spike_lookback_days: int = 30
    # Weekly ramp (Nielsen et al. 2014: +30% over two weeks; weak evidence).
    weekly_ramp: float = 0.30
    weekly_ramp_min_km: float = 10.0
    # Return after a break (Mujika & Padilla 2000; weak evidence).
    break_days: int = 14
    return_ratio: float = 0.75
    # Acute:chronic workload ratio, descriptive only (Williams et al. 2017; Gabbett 2016).
    acwr_high: float = 1.5
    # Foster strain above the athlete's own percentile (Foster 1998).
    strain_percentile: float = 90.0
    strain_history_days: int = 182
    # Surface mix (Tessutti et al. 2012; weak evidence).
    hard_share: float = 0.80
    unknown_share: float = 0.50
    # hard_share and shift are judged only when more than this share of the distance has a
    # known surface (EVIDENCE.md "Surface": always say how much is unknown).
    surface_known_share: float = 0.50
    shift_before_share: float = 0.10
    shift_after_share: float = 0.50
    # Cadence band 170-190 spm (product guidance; Heiderscheit et al. 2011).
    cadence_low_spm: float = 170.0
    cadence_high_spm: float = 190.0
    cadence_drop: float = 0.05
    # cadence.drop compares runs within this share of the recent easy speed: cadence rises
    # with speed (van Oeveren et al. 2017), so a slower easy pace alone would read as a drop.
    cadence_pace_band: float = 0.05
    walking_cadence_spm: float = 140.0
    # Variety (Seiler 2010; Daniels; guideline).
    same_distance_runs: int = 8
    same_distance_cv: float = 0.10
    # Long run about 25-30% of the week (Daniels; guideline): no complete recent week with a
    # run of at least this share of its distance is "no long run".
    long_run_share: float = 0.25
    same_pace_cv: float = 0.05


@dataclass(frozen=True)
class Shoe:
    name: str
    first_used: date | None = None
    retired: date | None = None
    initial_distance_m: float = 0.0
    surfaces: tuple[str, ...] = ()
    #: Other names runs give this pair (Strava gear "Nike Pegasus 40" for "Pegasus 40").
    aliases: tuple[str, ...] = ()


def shoe_key(name: str) -> str:
    """What two spellings of one shoe name share: case, accents, spaces and punctuation
    folded away ("Pegasus-40", "pegasus 40" and "PEGASUS  40" are one shoe). Digits stay, so
    "Pegasus 40" and "Pegasus 41" stay two shoes; a longer name ("Nike Pegasus 40") is another
    name unless it is listed in ``aliases``."""
    text = unicodedata.normalize("NFKD", name).casefold()
    return "".join(ch for ch in text if ch.isalnum())


@dataclass(frozen=True)
class Injury:
    """One injury the runner logged: previous injury is the strongest known risk factor
    (EVIDENCE.md, "Previous injury") and is not in watch data."""

    date: date
    area: str
    days_off: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Settings:
    athlete: str | None = None
    units: str = "mi"
    timezone: str | None = None  # None: the machine's
    window_days: int = 28
    garmin_csv_units: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    shoes: tuple[Shoe, ...] = ()
    injuries: tuple[Injury, ...] = ()
    path: Path | None = None  # the file these came from

    @property
    def metres_per_unit(self) -> float:
        return 1000.0 * (KM_PER_MI if self.units == "mi" else 1.0)

    def with_overrides(self, **changes: Any) -> Settings:
        changes = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **changes) if changes else self


_TOP_KEYS = {"athlete", "units", "timezone", "window", "garmin_csv_units", "thresholds",
             "shoes", "injuries"}
_SHOE_KEYS = {"name", "first_used", "retired", "initial_distance", "surfaces", "aliases"}
_INJURY_KEYS = {"date", "area", "days_off", "note"}


def find_config(paths: list[str | Path]) -> Path | None:
    """``runlog.toml`` in the first analyzed folder that has one, else the working dir."""
    for raw in paths:
        path = Path(raw)
        folder = path if path.is_dir() else path.parent
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    candidate = Path.cwd() / CONFIG_NAME
    return candidate if candidate.is_file() else None


def _table_offset(text: str, name: str, index: int) -> int:
    """Where the ``index``-th ``[[name]]`` table (or a roster's ``[[athletes.name]]``) starts
    in ``text`` (0 if not found), so an error in the second pair names the second pair's
    line."""
    headers = [m.start() for m in re.finditer(
        rf"^\s*\[\[\s*(?:\w+\.)?{name}\s*\]\]", text, re.MULTILINE)]
    return headers[index] if index < len(headers) else 0


def _line_of(text: str, key: str, after: int = 0) -> int | None:
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=", re.MULTILINE)
    match = pattern.search(text, after)
    return text.count("\n", 0, match.start()) + 1 if match else None


def load_settings(path: str | Path | None) -> Settings:
    """Settings from a runlog.toml (defaults when ``path`` is None)."""
    if path is None:
        return Settings()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", str(path)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        reason = str(exc).split(" (at ")[0]
        raise ConfigError(f"not valid TOML: {reason}", str(path), line=line) from exc
    return parse_settings(data, str(path), text)


def parse_settings(data: dict[str, Any], where: str = "settings", text: str = "") -> Settings:
    def fail(key: str, reason: str, after: int = 0) -> ConfigError:
        return ConfigError(f"{key}: {reason}", where,
                           line=_line_of(text, key.split(".")[-1], after))

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(unknown[0], "unknown key")
    settings = Settings(path=Path(where) if where != "settings" else None)
    changes: dict[str, Any] = {}
    if "athlete" in data:
        if not isinstance(data["athlete"], str) or not data["athlete"].strip():
            raise fail("athlete", "must be a non-empty string")
        changes["athlete"] = data["athlete"].strip()
    if "units" in data:
        if data["units"] not in UNITS:
            raise fail("units", f"must be 'mi' or 'km', not {data['units']!r}")
        changes["units"] = data["units"]
    units = changes.get("units", settings.units)
    if "timezone" in data:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(data["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise fail("timezone", f"unknown timezone {data['timezone']!r}") from None
        changes["timezone"] = str(data["timezone"])
    if "window" in data:
        if not isinstance(data["window"], int) or isinstance(data["window"], bool) \
                or data["window"] < 1:
            raise fail("window", "must be a whole number of days, at least 1")
        changes["window_days"] = data["window"]
    if "garmin_csv_units" in data:
        if data["garmin_csv_units"] not in UNITS:
            raise fail("garmin_csv_units", "must be 'mi' or 'km'")
        changes["garmin_csv_units"] = data["garmin_csv_units"]
    if "thresholds" in data:
        if not isinstance(data["thresholds"], dict):
            raise fail("thresholds", "must be a table")
        changes["thresholds"] = _thresholds(data["thresholds"], fail)
    if "shoes" in data:
        if not isinstance(data["shoes"], list):
            raise fail("shoes", "must be an array of tables ([[shoes]])")
        changes["shoes"] = _shoes(data["shoes"], units, fail, text)
    if "injuries" in data:
        if not isinstance(data["injuries"], list):
            raise fail("injuries", "must be an array of tables ([[injuries]])")
        changes["injuries"] = _injuries(data["injuries"], fail, text)
    return replace(settings, **changes)


def _thresholds(table: dict[str, Any], fail: Any) -> Thresholds:
    known = {f.name: f for f in fields(Thresholds)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key
        factor = 1.0
        if key.endswith("_mi") and key[:-3] + "_km" in known:
            name, factor = key[:-3] + "_km", KM_PER_MI
        if name not in known:
            raise fail(f"thresholds.{key}", "unknown threshold")
        if name in values:
            raise fail(f"thresholds.{key}", "given twice (in km and in mi)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise fail(f"thresholds.{key}", f"must be a non-negative number, not {value!r}")
        default = known[name].default
        if isinstance(default, int) and not isinstance(value, int):
            raise fail(f"thresholds.{key}", "must be a whole number")
        values[name] = type(default)(value * factor) if factor != 1.0 else value
    return Thresholds(**values)


def _injuries(entries: list[Any], fail: Any, text: str) -> tuple[Injury, ...]:
    injuries = []
    for index, entry in enumerate(entries):
        after = _table_offset(text, "injuries", index)

        def fail_here(key: str, reason: str, after: int = after) -> Any:
            return fail(key, reason, after)

        injuries.append(_injury(entry, fail_here, index))
    return tuple(sorted(injuries, key=lambda injury: injury.date))


def _injury(entry: Any, fail: Any, index: int) -> Injury:
    if not isinstance(entry, dict):
        raise fail("injuries", f"entry {index + 1} must be a table")
    unknown = sorted(set(entry) - _INJURY_KEYS)
    if unknown:
        raise fail(f"injuries.{unknown[0]}", "unknown key (date, area, days_off, note)")
    when = entry.get("date")
    if not isinstance(when, date) or hasattr(when, "hour"):
        raise fail("injuries.date", f"injury {index + 1} needs a date like 2026-03-02, not "
                   f"{when!r}")
    area = entry.get("area")
    if not isinstance(area, str) or not area.strip():
        raise fail("injuries.area", f"injury {index + 1} needs an area, such as \"left knee\"")
    days_off = entry.get("days_off")
    if days_off is not None and (isinstance(days_off, bool) or not isinstance(days_off, int)
                                 or days_off < 0):
        raise fail("injuries.days_off", f"must be a whole number of days, not {days_off!r}")
    note = entry.get("note")
    if note is not None and not isinstance(note, str):
        raise fail("injuries.note", f"must be text, not {note!r}")
    return Injury(date=when, area=area.strip(), days_off=days_off,
                  note=note.strip() or None if note else None)


def _shoes(entries: list[Any], units: str, fail: Any, text: str) -> tuple[Shoe, ...]:
    shoes: list[Shoe] = []
    owner: dict[str, str] = {}  # shoe_key of every name and alias -> the shoe it names
    for index, entry in enumerate(entries):
        after = _table_offset(text, "shoes", index)

        def fail_here(key: str, reason: str, after: int = after) -> Any:
            return fail(key, reason, after)

        shoe = _shoe(entry, units, fail_here, index)
        if shoe_key(shoe.name) in owner:
            raise fail_here("shoes.name", f"{shoe.name!r} is already a name or alias of "
                                          f"{owner[shoe_key(shoe.name)]!r} (case, spaces and "
                                          "punctuation aside)")
        owner[shoe_key(shoe.name)] = shoe.name
        for alias in shoe.aliases:
            other = owner.setdefault(shoe_key(alias), shoe.name)
            if other != shoe.name:
                raise fail_here("shoes.aliases", f"{alias!r} is already a name or alias of "
                                                 f"{other!r} (case, spaces and punctuation "
                                                 "aside)")
        shoes.append(shoe)
    return tuple(shoes)


def _shoe(entry: Any, units: str, fail: Any, index: int) -> Shoe:
    if not isinstance(entry, dict):
        raise fail("shoes", f"entry {index + 1} must be a table")
    unknown = sorted(set(entry) - _SHOE_KEYS)
    if unknown:
        raise fail(f"shoes.{unknown[0]}", "unknown key")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("shoes.name", f"shoe {index + 1} needs a name")
    if not shoe_key(name):
        raise fail("shoes.name", f"{name!r} has no letters or digits")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or any(
            not isinstance(a, str) or not shoe_key(a) for a in aliases):
        raise fail("shoes.aliases", "must be a list of names, like [\"Nike Pegasus 40\"], "
                                    f"not {aliases!r}")
    for key in ("first_used", "retired"):
        if key in entry and not (isinstance(entry[key], date)
                                 and not hasattr(entry[key], "hour")):
            raise fail(f"shoes.{key}", f"must be a date like 2024-01-10, not {entry[key]!r}")
    initial = entry.get("initial_distance", 0)
    if isinstance(initial, bool) or not isinstance(initial, (int, float)) or initial < 0:
        raise fail("shoes.initial_distance", f"must be a non-negative number in {units}")
    surfaces = entry.get("surfaces", [])
    if not isinstance(surfaces, list) or any(s not in SURFACES for s in surfaces):
        raise fail("shoes.surfaces", f"must be a list of {', '.join(SURFACES)}")
    metres = float(initial) * 1000.0 * (KM_PER_MI if units == "mi" else 1.0)
    first, retired = entry.get("first_used"), entry.get("retired")
    if first and retired and retired < first:
        raise fail("shoes.retired", "is before first_used")
    return Shoe(name=name.strip(), first_used=first, retired=retired,
                initial_distance_m=metres, surfaces=tuple(surfaces),
                aliases=tuple(a.strip() for a in aliases))
