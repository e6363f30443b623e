"""Settings and thresholds, with their defaults and units, read from ``runlog.toml``.

Every threshold default comes from ``EVIDENCE.md`` (see the comment by each); each one is a
setting a user can change under ``[thresholds]``. Distances in threshold names carry their unit:
``_km`` keys may also be given as ``_mi`` (``shoe_replace_mi = 550``).
"""

from __future__ import annotations

import difflib
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .choices import SURFACES
from .errors import ConfigError, DateError

CONFIG_NAME = "runlog.toml"
KM_PER_MI = 1.609344
UNITS = ("mi", "km")


@dataclass(frozen=True)
class Rule:
    """What makes a threshold's value meaningful: bounds (``low``/``high``, excluded when
    ``*_open``), and its unit and meaning for the README's settings table."""

    meaning: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def allows(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None
                    and (value >= self.high if self.high_open else value > self.high))

    def bounds(self) -> str:
        """The allowed values in words: ``over 1``, ``0 to 1``, ``at least 1``..."""
        low = None if self.low is None else f"{self.low:g}"
        high = None if self.high is None else f"{self.high:g}"
        if low is not None and high is not None:
            if self.low_open and self.high_open:
                return f"between {low} and {high}, both excluded"
            if self.low_open:
                return f"over {low}, at most {high}"
            if self.high_open:
                return f"at least {low}, under {high}"
            return f"from {low} to {high}"
        if low is not None:
            return f"over {low}" if self.low_open else f"at least {low}"
        if high is not None:
            return f"under {high}" if self.high_open else f"at most {high}"
        return "any number"


def _rule(default: float, meaning: str, unit: str = "", **bounds: Any) -> Any:
    """A threshold field: its default, and its :class:`Rule` as the field's metadata."""
    return field(default=default, metadata={"rule": Rule(meaning, unit, **bounds)})


_RATIO = {"low": 1.0, "low_open": True}  # a ratio that means "longer / more than"
_SHARE = {"low": 0.0, "high": 1.0, "low_open": True}  # a share of the total, over 0 up to 1
_DAYS = {"low": 1}
_POSITIVE = {"low": 0.0, "low_open": True}


@dataclass(frozen=True)
class Thresholds:
    """Every threshold a flag uses. Each field's metadata holds its :class:`Rule` (meaning,
    unit, allowed values): the README's settings table is generated from them
    (:func:`threshold_table`; ``RUNLOG_UPDATE_README=1`` with
    ``tests/test_everyday.py`` rewrites it)."""

    # Shoes: the 350-550 mi replacement window (AAPSM guideline, EVIDENCE.md "Shoes").
    shoe_approaching_km: float = _rule(
        350 * KM_PER_MI, "a shoe's distance at which `shoe.approaching` warns", "km", **_POSITIVE)
    shoe_replace_km: float = _rule(
        550 * KM_PER_MI, "a shoe's distance past which `shoe.replace` alerts", "km", **_POSITIVE)
    # One shoe carrying nearly all running (Malisoux et al. 2015: alternating pairs HR 0.61).
    shoe_single_share: float = _rule(
        0.90, "`shoe.single`: share of the running one shoe carried, above which it is flagged",
        "share", **_SHARE)
    shoe_single_weeks: int = _rule(8, "`shoe.single`: weeks looked at", "weeks", **_DAYS)
    # Single-run spike vs the longest run of the previous 30 days (Frandsen et al. 2025).
    spike_ratio: float = _rule(
        1.10, "`load.spike`: a run longer than this times the longest of the lookback warns",
        "ratio", **_RATIO)
    spike_alert_ratio: float = _rule(
        2.00, "`load.spike`: longer than this times the longest of the lookback alerts",
        "ratio", **_RATIO)
    spike_lookback_days: int = _rule(
        30, "`load.spike`: days before a run whose longest run it is compared with", "days",
        **_DAYS)
    # Weekly ramp (Nielsen et al. 2014: +30% over two weeks; weak evidence).
    weekly_ramp: float = _rule(
        0.30, "`load.weekly_ramp`: a week's rise over the week before (0.30 = +30%)",
        "fraction", **_POSITIVE)
    weekly_ramp_min_km: float = _rule(
        10.0, "`load.weekly_ramp`: weeks after a week shorter than this are not judged", "km",
        low=0.0)
    # Return after a break (Mujika & Padilla 2000; weak evidence).
    break_days: int = _rule(
        14, "`load.return_after_break`: days without running that count as a break", "days",
        **_DAYS)
    return_ratio: float = _rule(
        0.75, "`load.return_after_break`: the first week back above this share of the usual "
        "week warns", "ratio", **_POSITIVE)
    # Acute:chronic workload ratio, descriptive only (Williams et al. 2017; Gabbett 2016).
    acwr_high: float = _rule(
        1.5, "`load.acwr`: acute:chronic workload ratio above which it is noted", "ratio",
        **_RATIO)
    # Foster strain above the athlete's own percentile (Foster 1998).
    strain_percentile: float = _rule(
        90.0, "`load.strain`: a week's strain above this percentile of the athlete's own weeks",
        "percentile", low=0.0, high=100.0, low_open=True, high_open=True)
    strain_history_days: int = _rule(
        182, "`load.strain`: days of earlier weeks the percentile is taken over", "days",
        **_DAYS)
    # Above the 90th percentile of one's own weeks is true of one week in ten by construction:
    # a steady runner's small week-to-week noise must not be "unusually high" (issue 11).
    strain_min_rise: float = _rule(
        0.25, "`load.strain`: the week's strain must also be this far above the median of the "
        "same earlier weeks (0.25 = +25%)", "fraction", low=0.0)
    # Surface mix (Tessutti et al. 2012; weak evidence).
    hard_share: float = _rule(
        0.80, "`surface.hard`: share of running with a known surface on roads that warns",
        "share", **_SHARE)
    unknown_share: float = _rule(
        0.50, "`surface.unknown`: share of running with no known surface that is noted",
        "share", low=0.0, high=1.0, high_open=True)
    # hard_share and shift are judged only when more than this share of the distance has a
    # known surface (EVIDENCE.md "Surface": always say how much is unknown).
    surface_known_share: float = _rule(
        0.50, "`surface.hard` / `surface.shift`: judged only when more than this share of the "
        "running has a known surface", "share", low=0.0, high=1.0, high_open=True)
    shift_before_share: float = _rule(
        0.10, "`surface.shift`: a surface with under this share of running before the window "
        "(and over `shift_after_share` inside it) is noted", "share",
        low=0.0, high=1.0, high_open=True)
    shift_after_share: float = _rule(
        0.50, "`surface.shift`: a surface with over this share of running inside the window (and "
        "under `shift_before_share` before it) is noted", "share",
        low=0.0, high=1.0, high_open=True)
    # Cadence band 170-190 spm (product guidance; Heiderscheit et al. 2011).
    cadence_low_spm: float = _rule(
        170.0, "`cadence.low`: median cadence under this warns", "steps/min", **_POSITIVE)
    cadence_high_spm: float = _rule(
        190.0, "`cadence.high`: median cadence over this is noted", "steps/min", **_POSITIVE)
    cadence_drop: float = _rule(
        0.05, "`cadence.drop`: easy runs this fraction below the athlete's own baseline",
        "fraction", low=0.0, high=1.0, low_open=True, high_open=True)
    # cadence.drop compares runs within this share of the recent easy speed: cadence rises
    # with speed (van Oeveren et al. 2017), so a slower easy pace alone would read as a drop.
    cadence_pace_band: float = _rule(
        0.05, "`cadence.drop`: baseline runs within this fraction of the recent easy speed are "
        "compared", "fraction", low=0.0, high=1.0, low_open=True, high_open=True)
    walking_cadence_spm: float = _rule(
        140.0, "samples under this cadence count as walking and are left out", "steps/min",
        **_POSITIVE)
    # Variety (Seiler 2010; Daniels; guideline).
    same_distance_runs: int = _rule(
        8, "`variety.*`: runs needed before the same distance is judged", "runs", low=2)
    same_distance_cv: float = _rule(
        0.10, "`variety.*`: distances varying less than this (coefficient of variation) are "
        "the same", "fraction", **_POSITIVE)
    # Long run about 25-30% of the week (Daniels; guideline): no complete recent week with a
    # run of at least this share of its distance is "no long run".
    long_run_share: float = _rule(
        0.25, "`variety.no_long_run`: no recent complete week with a run of this share of its "
        "distance is noted", "share", **_SHARE)
    same_pace_cv: float = _rule(
        0.05, "`variety.*`: paces varying less than this (coefficient of variation) are the "
        "same", "fraction", **_POSITIVE)


#: The rule of a threshold added without one (a plain ``name: float = 1.0``): loading still
#: works; tests/test_everyday.py fails until the field is given its rule with :func:`_rule`.
UNDOCUMENTED = Rule("not described yet", low=0.0)


def threshold_rules() -> dict[str, tuple[Any, Rule]]:
    """Each threshold's name -> (default, rule), in the dataclass's order."""
    return {f.name: (f.default, f.metadata.get("rule", UNDOCUMENTED))
            for f in fields(Thresholds)}


def _shown_default(name: str, default: Any) -> str:
    if name.endswith("_km"):
        return f"{default:.4g} ({default / KM_PER_MI:.4g} mi)"
    return f"{default:g}" if isinstance(default, float) else str(default)


def threshold_table() -> str:
    """The README's table of ``[thresholds]`` keys: generated here so it cannot drift."""
    lines = ["| key | default | unit | allowed | meaning |", "|---|---|---|---|---|"]
    for name, (default, rule) in threshold_rules().items():
        key = f"`{name}` / `{name[:-3]}_mi`" if name.endswith("_km") else f"`{name}`"
        lines.append(f"| {key} | {_shown_default(name, default)} | {rule.unit} | "
                     f"{rule.bounds()} | {rule.meaning} |")
    return "\n".join(lines) + "\n"


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


def find_config(paths: Sequence[str | Path]) -> Path | None:
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
    data, text = read_toml(path)
    return parse_settings(data, str(path), text)


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """A TOML file's tables and its text (for the lines of later errors); ConfigError, with
    the line where TOML says, when it cannot be read or is not TOML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", str(path)) from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        reason = str(exc).split(" (at ")[0]
        raise ConfigError(f"not valid TOML: {reason}", str(path), line=line) from exc


def parse_settings(data: dict[str, Any], where: str = "settings", text: str = "") -> Settings:
    def fail(key: str, reason: str, after: int = 0) -> ConfigError:
        return ConfigError(f"{key}: {reason}", where,
                           line=_line_of(text, key.split(".")[-1], after))

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(unknown[0], "unknown key" + _did_you_mean(unknown[0], sorted(_TOP_KEYS)))
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


def _did_you_mean(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _thresholds(table: dict[str, Any], fail: Any) -> Thresholds:
    rules = threshold_rules()
    spellings = sorted([*rules, *(n[:-3] + "_mi" for n in rules if n.endswith("_km"))])
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key
        factor = 1.0
        if key.endswith("_mi") and key[:-3] + "_km" in rules:
            name, factor = key[:-3] + "_km", KM_PER_MI
        if name not in rules:
            raise fail(f"thresholds.{key}", "unknown threshold" + _did_you_mean(key, spellings))
        if name in values:
            raise fail(f"thresholds.{key}", "given twice (in km and in mi)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise fail(f"thresholds.{key}", f"must be a non-negative number, not {value!r}")
        default, rule = rules[name]
        if isinstance(default, int) and not isinstance(value, int):
            raise fail(f"thresholds.{key}", "must be a whole number")
        if not rule.allows(value):
            meaning = rule.meaning.replace("`", "")
            raise fail(f"thresholds.{key}", f"must be {rule.bounds()}, not {value!r} "
                       f"({rule.unit}; {meaning})")
        values[name] = type(default)(value * factor) if factor != 1.0 else value
    thresholds = Thresholds(**values)
    for low, high in (("shoe_approaching_km", "shoe_replace_km"),
                      ("spike_ratio", "spike_alert_ratio"),
                      ("cadence_low_spm", "cadence_high_spm"),
                      ("shift_before_share", "shift_after_share")):
        if getattr(thresholds, low) >= getattr(thresholds, high):
            given = high if high in values else low
            shown = next((k for k in table if k.startswith(given[:-3] if given.endswith("_km")
                                                            else given)), given)
            raise fail(f"thresholds.{shown}", f"{low} must be below {high} "
                       f"({getattr(thresholds, low):g} is not below "
                       f"{getattr(thresholds, high):g})")
    return thresholds


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
        raise fail(f"shoes.{unknown[0]}",
                   "unknown key" + _did_you_mean(unknown[0], sorted(_SHOE_KEYS)))
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


def parse_day(text: str, what: str = "date") -> date:
    """A day written YYYY-MM-DD; a :class:`~runlog.errors.DateError` that says what is wrong
    (not that form, or not a real day) otherwise."""
    shown = f"{what} {text!r}".strip()
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", str(text))
    if not match:
        raise DateError(f"{shown} is not a date written YYYY-MM-DD (e.g. 2026-11-15)")
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"{shown} is not a real date ({_why_not(year, month, day)}); "
                        "write it YYYY-MM-DD") from None


def _why_not(year: int, month: int, day: int) -> str:
    import calendar

    if not 1 <= month <= 12:
        return f"there is no month {month}"
    days = calendar.monthrange(year, month)[1]
    return f"{calendar.month_name[month]} {year} has {days} days"

