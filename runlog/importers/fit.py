"""Garmin FIT reader: one activity per ``session`` message.

Two layers. :func:`fit_messages` decodes the bytes (member by member for chained files) into
a stream of :class:`FitMessage`, :class:`FitTable` (a member's records, as columns) and
:class:`FitDamage` items; it knows nothing about activities. It decodes with runlog's own
decoder (:mod:`.fit_decode`, which names only the fields in :data:`FIELDS_READ`), and with
fitparse, the reference (:mod:`.fit_fitparse`), where that one cannot.
:func:`activities_from_messages` builds the activities from that stream: the records become
samples (:mod:`.fit_records`), the sessions activities (:mod:`.fit_sessions`). :func:`read`
joins them behind the reader contract of :mod:`runlog.importers`.

Real files break in many ways (FORMATS.md section 5): the reader keeps what decoded before a
break, notes the damage on the activities, and refuses the file only when nothing usable
survived.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, fit_decode, streams
from .fit_decode import FitDamage, FitMessage, FitTable
from .fit_fitparse import decode_member
from .fit_records import Records, developer_stand_ins, record_samples
from .fit_sessions import (
    MIN_RECORD_COVERAGE,
    assign_records,
    device_name,
    fill_from_records,
    first_time,
    local_offset_s,
    matching_sport_message,
    open_session,
    record_span_s,
    repair_clock_jumps,
    session_start,
    session_totals,
    set_sport,
    set_start,
)

#: file_id.type values that hold an activity.
ACTIVITY_FILE_TYPES = ("activity", "activity_summary", 4, 20)


#: The messages and fields the activities are built from (a field's subfields and components
#: count as the field): all that the fast decoder names. Keep in step with the code below.
FIELDS_READ: dict[str, tuple[str, ...]] = {
    "file_id": ("type", "manufacturer", "product", "product_name"),
    "record": ("timestamp", "position_lat", "position_long", "altitude", "enhanced_altitude",
               "distance", "speed", "enhanced_speed", "heart_rate", "cadence",
               "fractional_cadence", fit_decode.DEVELOPER_FIELDS),
    "session": ("timestamp", "start_time", "total_elapsed_time", "total_timer_time",
                "total_moving_time", "total_distance", "sport", "sub_sport", "avg_heart_rate",
                "total_ascent", "avg_cadence", "avg_fractional_cadence",
                fit_decode.DEVELOPER_FIELDS),
    # What a developer field is: its type, scale and offset, and the native field it stands
    # for (a Connect IQ app's distance, a Stryd pod's heart rate).
    "field_description": ("developer_data_index", "field_definition_number",
                          "fit_base_type_id", "field_name", "scale", "offset",
                          "native_mesg_num", "native_field_num"),
    "lap": ("sport", "sub_sport"),
    "sport": ("sport", "sub_sport", "name"),
    "activity": ("timestamp", "local_timestamp", "total_timer_time"),
}


#: Records come as one table a member: a second of a recording is a record, and a Python
#: dict for each cost more than the rest of the reading.
_FAST_DECODER = fit_decode.Decoder(FIELDS_READ, tables=("record",))


#: The note on a member the fast decoder left to fitparse.
FALLBACK_NOTE = "decoded with fitparse: "


#: The FIT CRC-16 of a byte string (see fit_decode.crc16).
fit_crc = fit_decode.crc16


def fit_messages(data: bytes, *, fast: bool = True
                 ) -> Iterator[FitMessage | FitTable | FitDamage]:
    """Decode a FIT file, chained members one after the other, into messages and damage.

    Each member (header + data + CRC) is cut out by its header's data size and decoded alone,
    so a corrupt later member cannot take the earlier ones with it. ``fast``: with runlog's
    decoder (fitparse for a member it cannot decode, with a note); else with fitparse only.
    """
    pos = 0
    member = 0
    while pos < len(data) or member == 0:
        header = _member_header(data, pos)
        if isinstance(header, FitDamage):
            yield header
            return
        header_size, data_size = header
        end = pos + header_size + data_size + 2
        chunk = data[pos:end]
        if data_size == 0 and len(data) > end:
            # A recorder that never finalised its header (Zwift): the data runs to the end.
            yield FitDamage(pos + 4, "header data size 0: read to the end of the file", False)
            end = len(data)
            rest = len(data) - pos - header_size
            chunk = data[pos:pos + 4] + struct.pack("<I", rest) + data[pos + 8:]
        decoded = (_fast_member(chunk, pos, member) if fast
                   else decode_member(chunk, pos, member, FIELDS_READ))
        for item in decoded:
            yield item
            if isinstance(item, FitDamage) and item.stopped:
                return
        # Only a member that decoded to its end has a CRC where the header says.
        if data_size and fit_crc(data[pos:end - 2]) != int.from_bytes(data[end - 2:end], "little"):
            yield FitDamage(end - 2, "file CRC mismatch", False)
        pos = end
        member += 1


def _fast_member(chunk: bytes, base: int, member: int
                 ) -> Iterable[FitMessage | FitTable | FitDamage]:
    """One member by the fast decoder, or by fitparse (noted) where that one cannot."""
    try:
        return _FAST_DECODER.decode_member(chunk, base, member)
    except fit_decode.Unsupported as exc:
        return [FitDamage(base, f"{FALLBACK_NOTE}{exc}", False),
                *decode_member(chunk, base, member, FIELDS_READ)]


def _member_header(data: bytes, pos: int) -> tuple[int, int] | FitDamage:
    if pos == 0 and not data:
        return FitDamage(0, "empty file", True)
    left = len(data) - pos
    if left < 12 and pos == 0:
        return FitDamage(0, f"too short for a FIT file ({left} bytes)", True)
    if left < 12:
        return FitDamage(pos, f"{left} stray bytes after the FIT data", True)
    if data[pos + 8:pos + 12] != b".FIT":
        what = "not a FIT file" if pos == 0 else "no FIT header after the first file"
        return FitDamage(pos, what, True)
    header_size = data[pos]
    if header_size < 12:
        return FitDamage(pos, f"FIT header size {header_size} is too small", True)
    return header_size, int.from_bytes(data[pos + 4:pos + 8], "little")


@dataclass
class FitFile:
    """The messages of one FIT file: a member and the header-less members that continue it
    (watches append members holding only ``hr`` messages to a swim)."""

    file_id: dict[str, Any] | None = None
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    sports: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] | None = None
    records: Records = field(default_factory=Records)
    field_descriptions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def file_type(self) -> object:
        return self.file_id.get("type") if self.file_id else None


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    """Read a FIT file (already decompressed) into one activity per session."""
    try:
        return list(activities_from_messages(fit_messages(data), source))
    except ParseError:
        raise
    except Exception as exc:  # the reader boundary: nothing but ParseError leaves a reader
        raise ParseError(f"FIT reader failed: {exc}", source) from exc


def activities_from_messages(
    items: Iterable[FitMessage | FitTable | FitDamage], source: str
) -> list[Activity]:
    """Activities from a decoded message stream; raises ParseError when there are none."""
    files: list[FitFile] = []
    damage: list[FitDamage] = []
    member = -1
    for item in items:
        if isinstance(item, FitDamage):
            damage.append(item)
            continue
        if item.member != member:
            member = item.member
            if not files or item.name == "file_id":
                files.append(FitFile())
        _collect(files[-1], item)

    cut_short = any(d.stopped for d in damage)
    activities: list[Activity] = []
    other_types = []
    for fit in files:
        if fit.file_type is not None and fit.file_type not in ACTIVITY_FILE_TYPES:
            other_types.append(fit.file_type)
            continue
        activities.extend(_file_activities(fit, source, cut_short=cut_short))
    if not activities:
        stop = next((d for d in damage if d.stopped), None)
        if stop is not None:
            raise ParseError(stop.reason, source, offset=stop.offset)
        if other_types:
            raise NotAnActivity(f"a FIT {other_types[0]} file, not an activity", source)
        if any(fit.records for fit in files):
            raise NotAnActivity("no session and a single record", source)
        raise NotAnActivity("no records or sessions", source)
    for act in activities:
        for problem in damage:
            act.note(problem.reason)
    return activities


def _collect(fit: FitFile, message: FitMessage | FitTable) -> None:
    name = message.name
    if isinstance(message, FitTable):
        fit.records.add_table(message)
    elif name == "record":
        fit.records.add(message.fields)
    elif name == "session":
        fit.sessions.append(message.fields)
    elif name == "lap":
        fit.laps.append(message.fields)
    elif name == "sport":
        fit.sports.append(message.fields)
    elif name == "file_id" and fit.file_id is None:
        fit.file_id = message.fields
    elif name == "activity" and fit.activity is None:
        fit.activity = message.fields
    elif name == "field_description":
        fit.field_descriptions.append(message.fields)


def _file_activities(fit: FitFile, source: str, *, cut_short: bool) -> list[Activity]:
    """The activities of one FIT file. ``cut_short``: decoding stopped at a break."""
    if not fit.sessions and len(fit.records) < 2:
        return []
    stood_in = developer_stand_ins(fit)
    samples, raw_times, cadence_field, merged = record_samples(fit.records)
    raw_times, clock_note = repair_clock_jumps(samples, raw_times, fit.sessions)
    device = device_name(fit.file_id)
    offset_s = local_offset_s(fit.activity)
    activities = []
    if not fit.sessions:
        act = Activity(source=source, format="fit", device=device)
        set_sport(act, None, matching_sport_message(fit.sports, None), fit.laps)
        act.note("no session message: totals from records")
        fill_from_records(act, samples, cadence_field, None, fragment=False)
        set_start(act, first_time(raw_times), offset_s)
        activities.append(act)
    else:
        sessions = sorted(fit.sessions, key=lambda s: session_start(s) or 0.0)
        owner = assign_records(raw_times, sessions, fit.activity)
        unused_sports = list(fit.sports)
        for index, session in enumerate(sessions):
            mine = owner == index
            act = Activity(source=source, format="fit", device=device)
            set_sport(act, session, matching_sport_message(unused_sports, session), fit.laps)
            span = record_span_s(raw_times[mine])
            session_totals(act, session, span)
            last = index == len(sessions) - 1
            session_distance = open_session(
                act, session, raw_times[mine], span,
                fit.activity if last and len(sessions) == 1 else None)
            fragment = False
            if cut_short and span is not None and act.elapsed_time_s:
                fragment = bool(span < MIN_RECORD_COVERAGE * act.elapsed_time_s)
                if fragment:
                    act.note(f"records cover only {span / act.elapsed_time_s:.0%} of the session")
            own = samples if mine.all() else samples[mine].reset_index(drop=True)
            fill_from_records(act, own, cadence_field, session, fragment=fragment)
            if session_distance is not None and (act.distance_m or 0.0) < session_distance:
                act.distance_m, act.distance_source = session_distance, "session"
            streams.times_within_elapsed(act)
            start_raw = session_start(session)
            set_start(act, start_raw if start_raw is not None else first_time(raw_times[mine]),
                       offset_s)
            activities.append(act)
    if merged:
        for act in activities:
            act.note(f"records sharing a timestamp merged ({merged})")
    if clock_note:
        for act in activities:
            act.note(clock_note)
    for (kind, target, name), count in stood_in.items():
        for act in activities:
            act.note(f"{kind}.{target} from developer field {name!r} ({count} "
                     f"{kind}{'s' if count > 1 else ''}): the native field was empty")
            if kind == "session" and target == "total_distance" and \
                    act.distance_source == "session":
                act.distance_source = f"session (developer field {name!r})"
    return activities
