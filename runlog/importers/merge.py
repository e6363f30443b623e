"""Putting activities from several sources together.

Two steps, both reported in the activities' notes:

* :func:`join_strava_rows` — a Strava export's ``activities.csv`` row and the file its
  ``Filename`` names are one activity: the row gives the name, type and gear, the file the
  streams and totals. Rows with no file (manual entries) stay as they are.
* :func:`merge_duplicates` — the same run exported twice (the watch's FIT and the Strava copy,
  say) is one activity: starts within a minute and near-equal distance. The richer source is
  kept and the others fill what it lacks.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Activity
from .vocab import infer_surface

#: Two records start within this many seconds and are the same activity (if distances agree).
SAME_START_S = 60.0
#: ... and their distances differ by at most this share (or this many metres).
SAME_DISTANCE_SHARE = 0.05
SAME_DISTANCE_M = 200.0

_FORMAT_RANK = {"fit": 4, "tcx": 3, "gpx": 2, "strava-csv": 1, "garmin-csv": 1, "runlog-csv": 1}
_FOOT = ("running", "walking", "hiking")


def richness(act: Activity) -> tuple[int, int, int, int]:
    """How much an activity record knows; the richest of duplicates is kept."""
    return (
        _FORMAT_RANK.get(act.format, 0),
        int(act.cadence_spm is not None),
        int(bool(act.cadence_histogram)),
        int(act.avg_hr is not None),
    )


def join_strava_rows(
    rows: list[Activity],
    files: dict[str, list[Activity]],
    source_of: Callable[[Activity], str | None],
) -> list[Activity]:
    """Strava CSV ``rows`` joined to the activities read from the files they name.

    ``files`` maps a source name to the activities read from it; ``source_of(row)`` gives the
    source name of a row's linked file (None when it has none). A row whose file was read is
    replaced by that file's activities, which take the row's name, type and gear; any other
    row stays as it is. Returns the rows left plus every file activity.
    """
    out: list[Activity] = []
    for row in rows:
        linked = source_of(row) if row.linked_file else None
        targets = files.get(linked) if linked else None
        if not targets:
            if linked:
                row.note(f"linked file {row.linked_file} not read: totals from activities.csv")
            out.append(row)
            continue
        for target in targets:
            _carry_row(row, target, single=len(targets) == 1)
    for acts in files.values():
        out.extend(acts)
    return out


def _carry_row(row: Activity, target: Activity, *, single: bool) -> None:
    """What a Strava CSV row knows better than its file: the name and type the athlete set,
    the gear, and Strava's id. A multisport file's sessions keep their own sports."""
    if row.name:
        target.name = row.name
    if single and row.sport != "other" and row.sport != target.sport:
        target.note(f"sport {target.sport} in the file, {row.sport} on Strava: Strava's kept")
        target.sport = row.sport
    if single and row.sub_sport and target.sport == row.sport:
        target.sub_sport = row.sub_sport
    if row.shoe and target.sport in _FOOT:
        target.shoe, target.shoe_source = row.shoe, row.shoe_source
    target.native_id = row.native_id or target.native_id
    if target.surface == "unknown":
        target.surface, target.surface_source = infer_surface(
            target.sport, target.sub_sport, target.name, sub_sport_origin="strava activity type")
    if target.distance_m is None:
        target.distance_m, target.distance_source = row.distance_m, row.distance_source
    if target.cadence_spm is None and row.cadence_spm is not None:
        target.cadence_spm, target.cadence_source = row.cadence_spm, row.cadence_source
    target.note(f"joined with activities.csv row {row.native_id or ''}".rstrip())


def _same(a: Activity, b: Activity) -> bool:
    if a.start_time is None or b.start_time is None:
        return False
    if abs((a.start_time - b.start_time).total_seconds()) > SAME_START_S:
        return False
    if (a.sport in _FOOT) != (b.sport in _FOOT):
        return False
    if a.distance_m is None or b.distance_m is None:
        return a.distance_m is None and b.distance_m is None
    tolerance = max(SAME_DISTANCE_M, SAME_DISTANCE_SHARE * max(a.distance_m, b.distance_m))
    return abs(a.distance_m - b.distance_m) <= tolerance


_FILLABLE = ("name", "sub_sport", "distance_m", "moving_time_s", "elapsed_time_s",
             "timer_time_s", "cadence_spm", "avg_hr", "elevation_gain_m", "local_start",
             "device", "native_id")


def merge_duplicates(activities: list[Activity]) -> list[Activity]:
    """One record per real activity: duplicates merged into the richest, with a note."""
    timed = sorted((a for a in activities if a.start_time is not None),
                   key=lambda a: (a.start_time, a.source))
    out: list[Activity] = [a for a in activities if a.start_time is None]
    group: list[Activity] = []
    for act in timed:
        if group and any(_same(act, g) for g in group):
            group.append(act)
            continue
        if group:
            out.append(_merge(group))
        group = [act]
    if group:
        out.append(_merge(group))
    return out


def _titled(act: Activity) -> bool:
    """Whether the activity's name is a title someone gave it (an export row: Strava, Garmin
    Connect, a hand-kept log), not a device's default like its sport profile name."""
    return act.format.endswith("csv") or act.native_id is not None


def _merge(group: list[Activity]) -> Activity:
    if len(group) == 1:
        return group[0]
    ranked = sorted(group, key=richness, reverse=True)
    keep = ranked[0]
    keep_titled = _titled(keep)
    for other in ranked[1:]:
        for name in _FILLABLE:
            if getattr(keep, name) is None and getattr(other, name) is not None:
                setattr(keep, name, getattr(other, name))
                if name == "cadence_spm":
                    keep.cadence_source = other.cadence_source
                    keep.cadence_histogram = other.cadence_histogram
                if name == "distance_m":
                    keep.distance_source = other.distance_source
        if keep.shoe is None and other.shoe is not None:
            keep.shoe, keep.shoe_source = other.shoe, other.shoe_source
        if keep.surface == "unknown" and other.surface != "unknown":
            keep.surface, keep.surface_source = other.surface, other.surface_source
        if other.name and _titled(other) and not keep_titled:
            keep.name = other.name  # a title the athlete gave beats a device's sport name
            keep_titled = True
        keep.note(f"merged with {other.source}")
    return keep
