"""Garmin FIT reader: one activity per ``session`` message.

Two layers. :func:`fit_messages` decodes the bytes (member by member for chained files) into
a stream of :class:`FitMessage` and :class:`FitDamage` items; it knows nothing about
activities. It decodes with runlog's own decoder (:mod:`.fastfit`, which names only the
fields in :data:`FIELDS_READ`), and with fitparse, the reference, where that one cannot.
:func:`activities_from_messages` builds the activities from that stream. :func:`read` joins
them behind the reader contract of :mod:`runlog.importers`.

Real files break in many ways (FORMATS.md section 5): the reader keeps what decoded before a
break, notes the damage on the activities, and refuses the file only when nothing usable
survived.
"""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import fitparse
import numpy as np
import pandas as pd
from fitparse.profile import FIELD_TYPE_TIMESTAMP, MESSAGE_TYPES
from fitparse.records import (
    BASE_TYPE_BYTE,
    BASE_TYPES,
    DefinitionMessage,
    DevField,
    DevFieldDefinition,
    FieldDefinition,
)
from fitparse.utils import FitEOFError, FitParseError

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, fastfit, streams, vocab
from .fastfit import FitDamage, FitMessage, FitTable

#: FIT timestamps count seconds from 1989-12-31T00:00:00Z.
FIT_EPOCH_S = 631_065_600
#: FIT date_time values below this are seconds since device power-on, not dates (FIT SDK).
RELATIVE_TIME_LIMIT = 0x10000000
#: Timestamps further in the future than this (s) are a wrong clock, not a date.
FUTURE_SLACK_S = 86_400
#: A gap between records of a day or more is the device left off, not a pause.
DEVICE_OFF_GAP_S = 86_400
#: Session elapsed time counts as bogus beyond this factor of the records' span ...
BOGUS_ELAPSED_FACTOR = 2.0
#: ... and this many seconds more than it.
BOGUS_ELAPSED_EXCESS_S = 3_600.0
#: A timer time longer than the elapsed time by more than this (s) is no rounding.
TIMER_OVER_ELAPSED_S = 60.0
#: A step between records longer than this (s) and than the sessions' elapsed time, across
#: which the distance carries on, is the clock being corrected (a smaller step is a pause).
CLOCK_JUMP_MIN_S = 600.0
#: ... carries on: moves no more than this (m) plus a running step.
CLOCK_JUMP_MAX_STEP_M = 50.0
#: Records running past the session's elapsed and timer times by more than this (s) mean the
#: session summed only closed laps.
OPEN_SESSION_SLACK_S = 60.0
#: Records of a file cut short that span less of the session than this are a fragment.
MIN_RECORD_COVERAGE = 0.9
#: Moving time from samples needs motion data (position, distance, speed) on this share.
MIN_MOTION_SHARE = 0.5
#: Local-time offsets are whole quarter hours; anything beyond 14 h is not a zone.
OFFSET_STEP_S = 900
MAX_OFFSET_S = 14 * 3600
SEMICIRCLE_DEG = 180.0 / 2**31
#: file_id.type values that hold an activity.
ACTIVITY_FILE_TYPES = ("activity", "activity_summary", 4, 20)
#: What a decoding break inside fitparse can raise besides its own errors (struct.error on
#: short reads, KeyError/IndexError on profile lookups with odd values, TypeError on None).
_DECODE_ERRORS = (FitParseError, struct.error, KeyError, IndexError, TypeError, ValueError)


# ---------------------------------------------------------------------------------------
# Decoding


#: The messages and fields the activities are built from (a field's subfields and components
#: count as the field): all that the fast decoder names. Keep in step with the code below.
FIELDS_READ: dict[str, tuple[str, ...]] = {
    "file_id": ("type", "manufacturer", "product", "product_name"),
    "record": ("timestamp", "position_lat", "position_long", "altitude", "enhanced_altitude",
               "distance", "speed", "enhanced_speed", "heart_rate", "cadence",
               "fractional_cadence", fastfit.DEVELOPER_FIELDS),
    "session": ("timestamp", "start_time", "total_elapsed_time", "total_timer_time",
                "total_moving_time", "total_distance", "sport", "sub_sport", "avg_heart_rate",
                "total_ascent", "avg_cadence", "avg_fractional_cadence",
                fastfit.DEVELOPER_FIELDS),
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
_FAST_DECODER = fastfit.Decoder(FIELDS_READ, tables=("record",))
#: The note on a member the fast decoder left to fitparse.
FALLBACK_NOTE = "decoded with fitparse: "


class _ReaderFitFile(fitparse.FitFile):
    """fitparse 1.2 with a quicker data path, and definitions that survive two quirks.

    * Data messages are unpacked with one struct per definition into a plain dict of native
      fields, without fitparse's per-field objects and processors (about 5x faster on the
      corpus, same values); the profile logic (subfields, components, accumulation, scale)
      is fitparse's own. date_time values stay raw FIT seconds: relative (power-on) times
      must not become dates.
    * A field size that is not a multiple of its base type (COROS PACE 2) raised; it is read
      as raw bytes instead, as later python-fitparse releases do.
    * A developer field used without its ``field_description`` raised; developer fields are
      read as raw bytes, and left out of the messages.
    """

    def __init__(self, fileish: Any, **kwargs: Any) -> None:
        self._layouts: dict[DefinitionMessage, _Layout] = {}
        super().__init__(fileish, **kwargs)

    def _parse_data_message(self, header: Any) -> Any:
        definition = self._local_mesgs.get(header.local_mesg_num)
        if definition is None:
            raise FitParseError(f"local message {header.local_mesg_num} not defined")
        layout = self._layouts.get(definition)
        if layout is None:
            layout = self._layouts[definition] = _Layout.of(definition)
        items = layout.unpacker.unpack(self._read(layout.size)) if layout.size else ()
        raws = layout.raw_values(items)
        fields: dict[str, Any] = {}
        for field_def, raw in zip(definition.field_defs, raws):
            profile_field = field_def.field
            if profile_field is None:
                fields[f"unknown_{field_def.def_num}"] = raw
            else:
                profile_field, _ = self._resolve_subfield(profile_field, definition, raws)
                if profile_field.components:
                    self._expand_components(definition, profile_field, raw, raws, fields)
                fields[profile_field.name] = self._apply_scale_offset(
                    profile_field, profile_field.render(raw))
            if field_def.def_num == FIELD_TYPE_TIMESTAMP.def_num and raw is not None:
                self._compressed_ts_accumulator = raw
        if header.time_offset is not None:
            self._compressed_ts_accumulator = self._apply_compressed_accumulation(
                header.time_offset, self._compressed_ts_accumulator, 5)
            fields[FIELD_TYPE_TIMESTAMP.name] = self._compressed_ts_accumulator
        if layout.developer and fastfit.DEVELOPER_FIELDS in FIELDS_READ.get(
                str(definition.name), ()):
            big_endian = definition.endian == ">"
            fields[fastfit.DEVELOPER_FIELDS] = tuple(
                (index, num, bytes(items[first:first + count]), big_endian)
                for index, num, first, count in layout.developer)
        return _DataMessage(definition, fields)

    def _expand_components(
        self, definition: DefinitionMessage, profile_field: Any, raw: Any, raws: list[Any],
        fields: dict[str, Any],
    ) -> None:
        for component in profile_field.components:
            try:
                value = component.render(raw)
            except ValueError:  # fitparse's signal that the raw value is too short for it
                continue
            if component.accumulate and value is not None:
                accumulator = self._accumulators[definition.mesg_num]
                value = self._apply_compressed_accumulation(
                    value, accumulator[component.def_num], component.bits)
                accumulator[component.def_num] = value
            value = self._apply_scale_offset(component, value)
            target = definition.mesg_type.fields[component.def_num]
            target, _ = self._resolve_subfield(target, definition, raws)
            fields[target.name] = target.render(value)

    def _parse_definition_message(self, header: Any) -> DefinitionMessage:
        endian = ">" if self._read_struct("xB") else "<"
        global_mesg_num, num_fields = self._read_struct("HB", endian=endian)
        mesg_type = MESSAGE_TYPES.get(global_mesg_num)
        field_defs = []
        for _ in range(num_fields):
            def_num, size, base_type_num = self._read_struct("3B", endian=endian)
            profile_field = mesg_type.fields.get(def_num) if mesg_type else None
            base_type = BASE_TYPES.get(base_type_num, BASE_TYPE_BYTE)
            if size % base_type.size:
                base_type = BASE_TYPE_BYTE
            if profile_field and profile_field.components:
                for component in profile_field.components:
                    if component.accumulate:
                        accumulators = self._accumulators.setdefault(global_mesg_num, {})
                        accumulators[component.def_num] = 0
            field_defs.append(FieldDefinition(field=profile_field, def_num=def_num,
                                              base_type=base_type, size=size))
        dev_field_defs = []
        if header.is_developer_data:
            for _ in range(self._read_struct("B", endian=endian)):
                def_num, size, dev_index = self._read_struct("3B", endian=endian)
                dev_field_defs.append(DevFieldDefinition(
                    field=_dev_field(dev_index, def_num), dev_data_index=dev_index,
                    def_num=def_num, size=size))
        definition = DefinitionMessage(header=header, endian=endian, mesg_type=mesg_type,
                                       mesg_num=global_mesg_num, field_defs=field_defs,
                                       dev_field_defs=dev_field_defs)
        self._local_mesgs[header.local_mesg_num] = definition
        return definition


def _dev_field(dev_index: int, def_num: int) -> DevField:
    """Developer fields are kept as raw bytes: the reader uses none of them, and fitparse's
    descriptions live in a module-level dict shared by every file (and thread) it reads."""
    return DevField(dev_data_index=dev_index, def_num=def_num, type=BASE_TYPE_BYTE,
                    name=f"dev_{dev_index}_{def_num}", units=None, native_field_num=None)


@dataclass(frozen=True)
class _Layout:
    """Where each native field of one definition's data messages lies in the message bytes:
    one struct for the whole message, then per field (first item, item count, base type,
    whether the items form one byte-array value)."""

    unpacker: struct.Struct
    fields: tuple[tuple[int, int, Any, bool], ...]
    #: per developer field: (developer data index, field number, first item, item count)
    developer: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def size(self) -> int:
        return self.unpacker.size

    @classmethod
    def of(cls, definition: DefinitionMessage) -> _Layout:
        formats = [definition.endian]
        fields = []
        developer = []
        item = 0
        for field_def in definition.field_defs + definition.dev_field_defs:
            base = field_def.base_type
            count = field_def.size // base.size
            if count == 0:
                raise FitParseError(f"field {field_def.name} of size 0")
            formats.append(f"{field_def.size if base.name == 'string' else count}{base.fmt}")
            items = 1 if base.name == "string" else count
            if isinstance(field_def, DevFieldDefinition):
                developer.append((field_def.dev_data_index, field_def.def_num, item, items))
            else:
                fields.append((item, items, base, base.name == "byte"))
            item += items
        return cls(struct.Struct("".join(formats)), tuple(fields), tuple(developer))

    def raw_values(self, items: tuple[Any, ...]) -> list[Any]:
        """The native fields' raw values from the unpacked items, invalid ones as None (as
        fitparse parses them)."""
        raws: list[Any] = []
        for first, count, base, is_bytes in self.fields:
            if is_bytes:
                raws.append(base.parse(items[first:first + count]))
            elif count == 1:
                raws.append(base.parse(items[first]))
            else:
                raws.append(tuple(base.parse(v) for v in items[first:first + count]))
        return raws


class _DataMessage:
    """A data message in the shape fitparse's get_messages() expects, fields as a dict."""

    __slots__ = ("definition", "fields")
    type = "data"
    #: fitparse registers developer fields in a module-level dict from data messages that
    #: have a message type; developer fields are read as bytes here and need no registry.
    mesg_type = None

    def __init__(self, definition: DefinitionMessage, fields: dict[str, Any]) -> None:
        self.definition = definition
        self.fields = fields

    @property
    def name(self) -> str:
        return str(self.definition.name)

    @property
    def mesg_num(self) -> int:
        return int(self.definition.mesg_num)


#: The FIT CRC-16 of a byte string (see fastfit.crc16).
fit_crc = fastfit.crc16


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
        decoded = _fast_member(chunk, pos, member) if fast else _decode_member(chunk, pos, member)
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
    except fastfit.Unsupported as exc:
        return [FitDamage(base, f"{FALLBACK_NOTE}{exc}", False),
                *_decode_member(chunk, base, member)]


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


def _decode_member(chunk: bytes, base: int, member: int) -> Iterator[FitMessage | FitDamage]:
    buffer = io.BytesIO(chunk)
    decoded_to = 0
    try:
        fit = _ReaderFitFile(buffer, check_crc=False)
        decoded_to = buffer.tell()
        for message in fit.get_messages():
            decoded_to = buffer.tell()
            yield FitMessage(message.name, message.fields, member)
    except FitEOFError:
        offset = base + decoded_to
        yield FitDamage(offset, f"truncated at byte {offset}", True)
    except _DECODE_ERRORS as exc:
        offset = base + decoded_to
        yield FitDamage(offset, f"unreadable from byte {offset} ({exc}): the rest left out",
                        True)


# ---------------------------------------------------------------------------------------
# Building activities


class _Records:
    """The record messages of one FIT file in file order, for their columns: tables from
    runlog's decoder, and dicts (from fitparse, or from definitions decoded one by one)."""

    def __init__(self) -> None:
        self.count = 0
        self.tables: list[tuple[int, FitTable]] = []  # (first row, table)
        #: the records that are dicts, for developer fields: put in place before columns()
        self.dicts: list[dict[str, Any]] = []
        self.dict_rows: list[int] = []

    def __len__(self) -> int:
        return self.count

    def add(self, fields: dict[str, Any]) -> None:
        self.dicts.append(fields)
        self.dict_rows.append(self.count)
        self.count += 1

    def add_table(self, table: FitTable) -> None:
        self.tables.append((self.count, table))
        for row, fields in table.rows:
            self.dicts.append(fields)
            self.dict_rows.append(self.count + row)
        self.count += table.count

    def columns(self, fields: tuple[str, ...]) -> Callable[..., np.ndarray]:
        """Per record, the first of the names asked for that holds a number, else NaN."""
        if not self.tables:
            return _Columns(self.dicts, fields)
        table = np.full((self.count, len(fields)), np.nan)
        for first, part in self.tables:
            for i, name in enumerate(fields):
                if name in part.columns:
                    table[first:first + part.count, i] = part.columns[name]
        if self.dicts:
            from_dicts = _Columns(self.dicts, fields)
            for i, name in enumerate(fields):
                table[self.dict_rows, i] = from_dicts(name)
        index = {name: i for i, name in enumerate(fields)}

        def column(*names: str) -> np.ndarray:
            out = table[:, index[names[0]]].copy()
            for name in names[1:]:
                out = np.where(np.isnan(out), table[:, index[name]], out)
            return out

        return column


@dataclass
class _FitFile:
    """The messages of one FIT file: a member and the header-less members that continue it
    (watches append members holding only ``hr`` messages to a swim)."""

    file_id: dict[str, Any] | None = None
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    sports: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] | None = None
    records: _Records = field(default_factory=_Records)
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
    files: list[_FitFile] = []
    damage: list[FitDamage] = []
    member = -1
    for item in items:
        if isinstance(item, FitDamage):
            damage.append(item)
            continue
        if item.member != member:
            member = item.member
            if not files or item.name == "file_id":
                files.append(_FitFile())
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


def _collect(fit: _FitFile, message: FitMessage | FitTable) -> None:
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


def _file_activities(fit: _FitFile, source: str, *, cut_short: bool) -> list[Activity]:
    """The activities of one FIT file. ``cut_short``: decoding stopped at a break."""
    if not fit.sessions and len(fit.records) < 2:
        return []
    stood_in = _developer_stand_ins(fit)
    samples, raw_times, cadence_field, merged = _samples(fit.records)
    raw_times, clock_note = _repair_clock_jumps(samples, raw_times, fit.sessions)
    device = _device(fit.file_id)
    offset_s = _local_offset_s(fit.activity)
    activities = []
    if not fit.sessions:
        act = Activity(source=source, format="fit", device=device)
        _set_sport(act, None, _sport_message(fit.sports, None), fit.laps)
        act.note("no session message: totals from records")
        _fill(act, samples, cadence_field, None, fragment=False)
        _set_start(act, _first(raw_times), offset_s)
        activities.append(act)
    else:
        sessions = sorted(fit.sessions, key=lambda s: _session_start(s) or 0.0)
        owner = _assign(raw_times, sessions, fit.activity)
        unused_sports = list(fit.sports)
        for index, session in enumerate(sessions):
            mine = owner == index
            act = Activity(source=source, format="fit", device=device)
            _set_sport(act, session, _sport_message(unused_sports, session), fit.laps)
            span = _record_span_s(raw_times[mine])
            _session_totals(act, session, span)
            last = index == len(sessions) - 1
            session_distance = _open_session(
                act, session, raw_times[mine], span,
                fit.activity if last and len(sessions) == 1 else None)
            fragment = bool(cut_short and span is not None and act.elapsed_time_s
                            and span < MIN_RECORD_COVERAGE * act.elapsed_time_s)
            if fragment:
                act.note(f"records cover only {span / act.elapsed_time_s:.0%} of the session")
            _fill(act, samples[mine].reset_index(drop=True), cadence_field, session,
                  fragment=fragment)
            if session_distance is not None and (act.distance_m or 0.0) < session_distance:
                act.distance_m, act.distance_source = session_distance, "session"
            streams.times_within_elapsed(act)
            start_raw = _session_start(session)
            _set_start(act, start_raw if start_raw is not None else _first(raw_times[mine]),
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


#: The fields a developer field may stand in for, by message (FIT profile names).
_STAND_IN_FIELDS = {
    "record": frozenset({"heart_rate", "cadence", "distance", "speed", "altitude",
                         "enhanced_speed", "enhanced_altitude"}),
    "session": frozenset({"total_distance", "avg_heart_rate", "total_timer_time",
                          "total_elapsed_time", "total_moving_time", "total_ascent",
                          "avg_cadence"}),
}
_BASE_TYPES_BY_NAME = {base.name: base for base in BASE_TYPES.values()}


@dataclass(frozen=True)
class _DeveloperField:
    """A developer field that declares the native field it stands for."""

    name: str
    target: str  # the native field's profile name
    base: Any  # fitparse BaseType
    scale: float | None
    offset: float | None

    def value(self, raw: bytes, big_endian: bool) -> float | None:
        size = self.base.size
        if len(raw) < size or self.base.name in ("string", "byte"):
            return None
        number = self.base.parse(struct.unpack_from((">" if big_endian else "<")
                                                    + self.base.fmt, raw)[0])
        if not isinstance(number, (int, float)) or isinstance(number, bool):
            return None
        value = float(number)
        if value != value:  # NaN
            return None
        if self.scale:
            value /= self.scale
        if self.offset:
            value -= self.offset
        return value


def _stand_in_fields(fit: _FitFile, message: str) -> dict[tuple[int, int], _DeveloperField]:
    """The developer fields of ``message`` that stand for one of its native fields."""
    mesg_type = next((t for t in MESSAGE_TYPES.values() if t.name == message), None)
    out: dict[tuple[int, int], _DeveloperField] = {}
    for description in fit.field_descriptions:
        native = description.get("native_field_num")
        index = description.get("developer_data_index")
        number = description.get("field_definition_number")
        if not isinstance(native, int) or index is None or number is None or mesg_type is None:
            continue
        native_mesg = description.get("native_mesg_num")
        if native_mesg is not None and native_mesg != message:
            continue
        target = mesg_type.fields.get(native)
        base = _BASE_TYPES_BY_NAME.get(str(description.get("fit_base_type_id")))
        if target is None or target.name not in _STAND_IN_FIELDS[message] or base is None:
            continue
        name = description.get("field_name")
        out[(index, number)] = _DeveloperField(
            name=str(name) if name else f"developer field {index}/{number}",
            target=target.name, base=base,
            scale=_number(description.get("scale")), offset=_number(description.get("offset")))
    return out


def _developer_stand_ins(fit: _FitFile) -> dict[tuple[str, str, str], int]:
    """Put the values of developer fields that declare a ``native_field_num`` (a Connect IQ
    app's distance, a Stryd pod's heart rate) into that native field where the native one
    is absent or zero; how many messages each filled, by (message, field, developer name)."""
    filled: dict[tuple[str, str, str], int] = {}
    if not fit.field_descriptions:
        return filled
    for message, messages in (("record", fit.records.dicts), ("session", fit.sessions)):
        known = _stand_in_fields(fit, message)
        if not known:
            continue
        for fields in messages:
            for index, number, raw, big_endian in fields.get(fastfit.DEVELOPER_FIELDS, ()):
                stand_in = known.get((index, number))
                if stand_in is None or _number(fields.get(stand_in.target)):
                    continue
                value = stand_in.value(raw, big_endian)
                if value is None:
                    continue
                fields[stand_in.target] = value
                key = (message, stand_in.target, stand_in.name)
                filled[key] = filled.get(key, 0) + 1
    return filled


def _samples(records: _Records) -> tuple[pd.DataFrame, np.ndarray, str, int]:
    """The samples frame of :mod:`streams`, each sample's raw FIT time (NaN where unusable),
    where the cadence came from, and how many records were merged into others.

    Records that share a timestamp are one sample: some writers split a moment over several
    records (the Strava app puts position and distance in two).
    """
    column = records.columns(_RECORD_FIELDS)
    raw_times = column("timestamp")
    # Relative (power-on) times are kept for durations; future ones are a wrong clock.
    raw_times[raw_times > _latest_real_time()] = np.nan
    cadence = column("cadence")
    fraction = column("fractional_cadence")
    has_fraction = bool(np.isfinite(fraction).any())
    values = {
        "lat": column("position_lat") * SEMICIRCLE_DEG,
        "lon": column("position_long") * SEMICIRCLE_DEG,
        "altitude_m": column("enhanced_altitude", "altitude"),
        "distance_m": column("distance"),
        "speed_mps": column("enhanced_speed", "speed"),
        "heart_rate": column("heart_rate"),
        # fitparse applies the profile's scale of 128: the fraction is in strides/min.
        "cadence": cadence + np.nan_to_num(fraction),
    }
    timed = ~np.isnan(raw_times)
    known = raw_times[timed]
    if len(known) > 1 and not (np.diff(known) > 0).all() and \
            pd.Series(known).duplicated().any():
        frame = pd.DataFrame({"raw_time": raw_times, **values})
        merged = frame[timed].groupby("raw_time", sort=False, as_index=False).first()
        frame = pd.concat([merged, frame[~timed]], ignore_index=True)
        raw_times = frame.pop("raw_time").to_numpy()
        values = {name: frame[name].to_numpy(dtype="float64") for name in values}
    elif not timed.all():  # the same order as after a merge: timed records first
        order = np.concatenate([np.flatnonzero(timed), np.flatnonzero(~timed)])
        raw_times = raw_times[order]
        values = {name: column[order] for name, column in values.items()}
    times = pd.to_datetime(raw_times + FIT_EPOCH_S, unit="s", utc=True)
    cadence_field = ("fit record.cadence+fractional_cadence" if has_fraction
                     else "fit record.cadence")
    samples = streams.make_samples({"time": times.tz_localize(None).to_numpy(), **values})
    return samples, raw_times, cadence_field, len(records) - len(raw_times)


#: The record fields the samples are made of.
_RECORD_FIELDS = ("timestamp", "cadence", "fractional_cadence", "position_lat", "position_long",
                  "enhanced_altitude", "altitude", "distance", "enhanced_speed", "speed",
                  "heart_rate")


class _Columns:
    """Record fields as float columns, as :func:`_column` reads them: all ``fields`` in one
    numpy conversion when every value is a number or missing (a recording's usual case),
    else each column alone."""

    def __init__(self, records: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
        self.records = records
        self.index = {name: i for i, name in enumerate(fields)}
        self.table: np.ndarray | None = None
        try:
            table = np.array([tuple(map(record.get, fields)) for record in records],
                             dtype="float64")
        except (TypeError, ValueError):  # an array or text among the values
            return
        if table.shape == (len(records), len(fields)):
            self.table = table

    def __call__(self, *names: str) -> np.ndarray:
        if self.table is None or not self.records:
            return _column(self.records, *names)
        column = self.table[:, self.index[names[0]]].copy()
        for name in names[1:]:
            column = np.where(np.isnan(column), self.table[:, self.index[name]], column)
        return column


def _column(records: list[dict[str, Any]], *names: str) -> np.ndarray:
    """Per record, the first of ``names`` holding a number, else NaN (arrays, bytes and
    strings are no number)."""
    column = np.full(len(records), np.nan)
    for name in names:
        values = [rec.get(name) for rec in records]
        try:
            found = np.array(values, dtype="float64")
        except (TypeError, ValueError):  # an array or text among the values
            found = np.empty(0)
        if found.shape != column.shape:  # arrays (of one length, so numpy made a table)
            found = np.array([_number(v) for v in values], dtype="float64")
        column = np.where(np.isnan(column), found, column)
    return column


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _latest_real_time() -> float:
    return time.time() - FIT_EPOCH_S + FUTURE_SLACK_S


def _first(raw_times: np.ndarray) -> float | None:
    usable = raw_times[np.isfinite(raw_times)]
    return float(usable.min()) if len(usable) else None


def _session_start(session: dict[str, Any]) -> float | None:
    start = _number(session.get("start_time"))
    if start is not None:
        return start
    end = _number(session.get("timestamp"))
    elapsed = _number(session.get("total_elapsed_time"))
    if end is not None and elapsed is not None:
        return end - elapsed
    return None


def _assign(raw_times: np.ndarray, sessions: list[dict[str, Any]],
            activity: dict[str, Any] | None = None) -> np.ndarray:
    """Index of the session each record belongs to (-1: none): the latest session started at
    or before the record, if the record is not after that session's end.

    A session ends at the latest of what it says (start + elapsed, start + timer, its own
    timestamp) and, for the last session, what the ``activity`` message says (its timestamp,
    start + its timer): a watch that left its last lap open writes a session cut short at
    that lap, while the records, the session's timestamp and the activity carry on. Records
    past all of these stay out: nothing but themselves says they belong.
    """
    owner = np.full(len(raw_times), -1)
    starts = [_session_start(s) for s in sessions]
    if len(sessions) == 1 and starts[0] is None:
        owner[np.isfinite(raw_times)] = 0
        return owner
    ends = []
    for number, (session, start) in enumerate(zip(sessions, starts)):
        # Elapsed time can be bogusly shorter than the timer time; the longer one holds.
        lengths = [_number(session.get(k)) for k in ("total_elapsed_time", "total_timer_time")]
        lengths = [length for length in lengths if length is not None]
        if start is None or not lengths:
            ends.append(np.inf)
            continue
        end = start + max(lengths)
        marks = [_number(session.get("timestamp"))]
        if number == len(sessions) - 1 and activity:
            marks.append(_number(activity.get("timestamp")))
            total = _number(activity.get("total_timer_time"))
            marks.append(None if total is None else start + total)
        for mark in marks:
            # A mark days past the session's own length is another clock, not its end.
            if mark is not None and end < mark < end + DEVICE_OFF_GAP_S:
                end = mark
        ends.append(end)
    start_arr = np.array([np.nan if s is None else s for s in starts], dtype="float64")
    end_arr = np.array(ends, dtype="float64")
    known = np.flatnonzero(np.isfinite(start_arr))
    if not len(known) or not len(raw_times):
        return owner
    times = np.nan_to_num(raw_times, nan=-np.inf)
    slot = np.searchsorted(start_arr[known], times, side="right") - 1
    candidate = known[np.clip(slot, 0, None)]
    inside = (slot >= 0) & (times <= end_arr[candidate])
    owner[inside] = candidate[inside]
    return owner


def _repair_clock_jumps(samples: pd.DataFrame, raw_times: np.ndarray,
                        sessions: list[dict[str, Any]]) -> tuple[np.ndarray, str | None]:
    """Put records after a forward clock jump back on the recording's time axis.

    A step between consecutive records longer than the sessions' whole elapsed time cannot be
    a pause inside them; when the distance carries on across it (no more than a few seconds'
    running), the device's clock was corrected mid-run (a GPS fix, a time sync), and the
    records after it are shifted back to follow on at the recording's usual interval.
    Returns the raw times (repaired) and the note, or None; the samples' times are set.
    """
    lengths = []
    for session in sessions:
        values = [_number(session.get(k)) for k in ("total_elapsed_time", "total_timer_time")]
        values = [v for v in values if v is not None and v > 0]
        if not values:
            return raw_times, None
        lengths.append(max(values))
    if not lengths:
        return raw_times, None
    longest_pause = sum(lengths)
    timed = np.flatnonzero(np.isfinite(raw_times))
    if len(timed) < 3:
        return raw_times, None
    steps = np.diff(raw_times[timed])
    jumps = np.flatnonzero(steps > max(longest_pause, CLOCK_JUMP_MIN_S))
    if not len(jumps):
        return raw_times, None
    ordinary = steps[(steps > 0) & (steps < CLOCK_JUMP_MIN_S)]
    usual = float(np.median(ordinary)) if len(ordinary) else 1.0
    distance = samples["distance_m"].to_numpy()
    raw_times = raw_times.copy()
    repaired = []
    for jump in jumps:
        before, after = timed[jump], timed[jump + 1]
        moved = distance[after] - distance[before]
        if np.isfinite(moved) and not (0 <= moved <= CLOCK_JUMP_MAX_STEP_M + 12.5 * usual):
            continue  # the recording does not carry on across it: a separate stretch
        shift = float(steps[jump]) - usual
        raw_times[timed[jump + 1:]] -= shift
        repaired.append((int(after), shift))
    if not repaired:
        return raw_times, None
    samples["time"] = pd.to_datetime(raw_times + FIT_EPOCH_S, unit="s", utc=True)
    parts = "; ".join(f"+{shift:,.0f} s before record {record + 1} of {len(raw_times)}"
                      for record, shift in repaired)
    return raw_times, (f"device clock jumped forward mid-recording ({parts}): the records "
                       f"after it put back on the recording's time axis")


def _open_session(act: Activity, session: dict[str, Any], raw_times: np.ndarray,
                  span: float | None, activity: dict[str, Any] | None) -> float | None:
    """When the session's records run well past its elapsed and timer times (a last lap left
    open: the session sums only the closed laps), its sums are short: take the times from
    the records (and the activity's timer total), and leave distance and moving time to the
    records. Returns the session's distance when it was set aside (the records' distance
    replaces it unless shorter), else None."""
    if span is None:
        return None
    written = max((v for v in (act.elapsed_time_s, act.timer_time_s) if v is not None),
                  default=None)
    if written is None or span <= written + OPEN_SESSION_SLACK_S:
        return None
    start = _session_start(session)
    first = _first(raw_times)
    end_raw = float(np.nanmax(raw_times)) if np.isfinite(raw_times).any() else None
    elapsed = span
    if start is not None and first is not None and end_raw is not None and first >= start:
        elapsed = max(span, end_raw - start)
    act.note(f"session sums cover {written:.0f} s but its records run {elapsed:.0f} s "
             f"(last lap left open): times and distance from the records")
    act.elapsed_time_s = elapsed
    total = _number(activity.get("total_timer_time")) if activity else None
    if total is not None and (act.timer_time_s is None or total > act.timer_time_s):
        act.timer_time_s = total
        act.note("timer time from the activity message")
    else:
        act.timer_time_s = None
    act.moving_time_s = None
    session_distance, act.distance_m, act.distance_source = act.distance_m, None, None
    return session_distance


def _sport_message(
    unused: list[dict[str, Any]], session: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The ``sport`` message that describes ``session`` (taken out of ``unused``)."""
    if not unused:
        return None
    wanted = session.get("sport") if session else None
    for index, candidate in enumerate(unused):
        if wanted is None or candidate.get("sport") == wanted:
            return unused.pop(index)
    return unused[0] if len(unused) == 1 else None


def _set_sport(
    act: Activity,
    session: dict[str, Any] | None,
    sport_message: dict[str, Any] | None,
    laps: list[dict[str, Any]],
) -> None:
    sources = [session, sport_message, *laps]
    origin = next((s for s in sources if s and s.get("sport") is not None), None)
    if origin is None:
        act.sport, act.sub_sport = "other", None
    else:
        act.sport, act.sub_sport = vocab.sport_from_fit(origin.get("sport"),
                                                        origin.get("sub_sport"))
    name = sport_message.get("name") if sport_message else None
    act.name = name if isinstance(name, str) and name.strip() else None
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, act.name, sub_sport_origin="fit sub_sport")


def _session_totals(act: Activity, session: dict[str, Any], span: float | None) -> None:
    act.distance_m = _number(session.get("total_distance"))
    if act.distance_m is not None:
        act.distance_source = "session"
    act.timer_time_s = _number(session.get("total_timer_time"))
    act.elapsed_time_s = _number(session.get("total_elapsed_time"))
    act.moving_time_s = _number(session.get("total_moving_time"))
    avg_hr = _number(session.get("avg_heart_rate"))
    act.avg_hr = avg_hr if avg_hr else None
    act.elevation_gain_m = _number(session.get("total_ascent"))
    if act.elapsed_time_s is None:
        return
    if (act.timer_time_s is not None
            and act.timer_time_s > act.elapsed_time_s + TIMER_OVER_ELAPSED_S):
        # The timer cannot run longer than the clock: writers that do this (Nielsen-Kellerman,
        # inverted-times.fit) put each value in the other's field; the records agree.
        act.timer_time_s, act.elapsed_time_s = act.elapsed_time_s, act.timer_time_s
        act.note("session timer and elapsed times swapped: the timer was the longer")
    if (span is not None and act.elapsed_time_s > BOGUS_ELAPSED_FACTOR * span
            and act.elapsed_time_s > span + BOGUS_ELAPSED_EXCESS_S):
        act.note(f"session elapsed time of {act.elapsed_time_s / 86400:.1f} days is bogus: "
                 f"record span used")
        act.elapsed_time_s = span


def _record_span_s(raw_times: np.ndarray) -> float | None:
    """Seconds the records cover, days-long gaps (device off) left out."""
    times = np.sort(raw_times[np.isfinite(raw_times)])
    if len(times) < 2:
        return None
    steps = np.diff(times)
    return float(steps[steps < DEVICE_OFF_GAP_S].sum())


def _fill(
    act: Activity,
    samples: pd.DataFrame,
    cadence_field: str,
    session: dict[str, Any] | None,
    *,
    fragment: bool,
) -> None:
    """Fill what the session left empty from the samples.

    From a ``fragment`` of the session's records only averages are kept: its sums would be
    short. Moving time needs samples that track motion most of the time; pool swims write a
    distance once a length, and the moving time from those is a few seconds.
    """
    sums = (act.distance_m, act.distance_source, act.moving_time_s, act.elevation_gain_m)
    moving_known = act.moving_time_s is not None
    streams.fill_from_samples(act, samples, cadence_field=cadence_field,
                              cadence_per_foot=None)
    if fragment:
        act.distance_m, act.distance_source, act.moving_time_s, act.elevation_gain_m = sums
    elif session is not None and not moving_known and not _tracks_motion(samples):
        act.moving_time_s = None
    if act.moving_time_s is None:
        act.moving_time_s = act.timer_time_s
    if act.cadence_spm is None and session and act.sport in streams.FOOT_SPORTS:
        recorded = samples["cadence"].to_numpy()
        if not (recorded > 0).any():
            _session_cadence(act, session)


def _tracks_motion(samples: pd.DataFrame) -> bool:
    """Whether most samples carry a position, a distance or a speed."""
    if samples.empty:
        return False
    still = np.ones(len(samples), dtype=bool)
    for name in ("lat", "distance_m", "speed_mps"):
        still &= np.isnan(samples[name].to_numpy(dtype="float64"))
    return bool(np.count_nonzero(~still) / len(still) >= MIN_MOTION_SHARE)


def _session_cadence(act: Activity, session: dict[str, Any]) -> None:
    for name in ("avg_running_cadence", "avg_cadence"):
        per_foot = _number(session.get(name))
        if per_foot:
            # fitparse has already divided the fraction by its scale of 128.
            per_foot += _number(session.get("avg_fractional_cadence")) or 0.0
            act.cadence_spm = round(2.0 * per_foot, 1)
            act.cadence_source = f"fit session.{name} x2 (per foot)"
            return


def _set_start(act: Activity, start_raw: float | None, offset_s: float | None) -> None:
    """Set start_time (and local_start) from a raw FIT time, or None when it is no date."""
    if start_raw is None:
        act.start_time = None
        act.note("no start time in the file")
        return
    if start_raw < RELATIVE_TIME_LIMIT:
        act.start_time = None
        act.note("device clock not set: no real date")
        return
    if start_raw > _latest_real_time():
        act.start_time = None
        act.note("start time lies in the future: no real date")
        return
    # Milliseconds: a start computed as end - elapsed is fractional, and datetime keeps us.
    act.start_time = pd.Timestamp(round((start_raw + FIT_EPOCH_S) * 1000), unit="ms", tz="UTC")
    if offset_s is not None:
        act.local_start = _naive(act.start_time + pd.Timedelta(seconds=offset_s))
        act.local_start_source = "file"


def _naive(moment: pd.Timestamp) -> datetime:
    return moment.tz_localize(None).to_pydatetime()


def _local_offset_s(activity: dict[str, Any] | None) -> float | None:
    """The wall clock's offset from UTC: activity.local_timestamp - activity.timestamp."""
    if not activity:
        return None
    local = _number(activity.get("local_timestamp"))
    utc = _number(activity.get("timestamp"))
    if local is None or utc is None or utc < RELATIVE_TIME_LIMIT:
        return None
    offset = round((local - utc) / OFFSET_STEP_S) * OFFSET_STEP_S
    return float(offset) if abs(offset) <= MAX_OFFSET_S else None


def _device(file_id: dict[str, Any] | None) -> str | None:
    if not file_id:
        return None
    manufacturer = file_id.get("manufacturer")
    product = file_id.get("product_name")
    if not product:
        product = next((v for k, v in file_id.items() if k.endswith("product") and v), None)
    parts = [str(p).strip() for p in (manufacturer, product) if p not in (None, "", 0)]
    return " ".join(parts) or None
