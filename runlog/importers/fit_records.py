"""FIT records to the samples frame: the record messages of a file in file order (tables from
runlog's decoder, dicts from fitparse), as float columns; developer fields that stand in for
an empty native field; records sharing a timestamp merged."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from fitparse.profile import MESSAGE_TYPES
from fitparse.records import (
    BASE_TYPES,
)

if TYPE_CHECKING:
    from .fit import FitFile

from . import fit_decode, streams
from .fit_decode import FitTable

#: FIT timestamps count seconds from 1989-12-31T00:00:00Z.
FIT_EPOCH_S = 631_065_600


#: FIT date_time values below this are seconds since device power-on, not dates (FIT SDK).
RELATIVE_TIME_LIMIT = 0x10000000


#: Timestamps further in the future than this (s) are a wrong clock, not a date.
FUTURE_SLACK_S = 86_400


SEMICIRCLE_DEG = 180.0 / 2**31


class Records:
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

    def columns(self, fields: tuple[str, ...]) -> RecordColumns:
        """Per record, the first of the names asked for that holds a number, else NaN."""
        if not self.tables:
            return RecordColumns(self.dicts, fields)
        table = np.full((self.count, len(fields)), np.nan)
        for first, part in self.tables:
            for i, name in enumerate(fields):
                if name in part.columns:
                    table[first:first + part.count, i] = part.columns[name]
        if self.dicts:
            from_dicts = RecordColumns(self.dicts, fields)
            for i, name in enumerate(fields):
                table[self.dict_rows, i] = from_dicts(name)
        return RecordColumns([], fields, table)


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
        """The field's number in one message's bytes; None when there is none."""
        value = self.values(np.frombuffer(raw, np.uint8).reshape(1, -1), big_endian)[0]
        return None if value != value else float(value)

    def values(self, raw: np.ndarray, big_endian: bool) -> np.ndarray:
        """The field's number in each row of bytes (NaN where fitparse parses None: the base
        type's invalid value, NaN, text or bytes), scaled as its description says."""
        size = self.base.size
        if raw.shape[1] < size or self.base.name in ("string", "byte"):
            return np.full(len(raw), np.nan)
        dtype = np.dtype((">" if big_endian else "<") + self.base.fmt)
        numbers = np.ascontiguousarray(raw[:, :size]).view(dtype).reshape(len(raw))
        value: np.ndarray = numbers.astype(np.float64)
        if self.base.name in fit_decode.INVALID:
            value[numbers == fit_decode.INVALID[self.base.name]] = np.nan
        if self.scale:
            value /= self.scale
        if self.offset:
            value -= self.offset
        return value


def _stand_in_fields(fit: FitFile, message: str) -> dict[tuple[int, int], _DeveloperField]:
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
            scale=as_number(description.get("scale")), offset=as_number(description.get("offset")))
    return out


def developer_stand_ins(fit: FitFile) -> dict[tuple[str, str, str], int]:
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
            for index, number, raw, big_endian in fields.get(fit_decode.DEVELOPER_FIELDS, ()):
                stand_in = known.get((index, number))
                if stand_in is None or as_number(fields.get(stand_in.target)):
                    continue
                value = stand_in.value(raw, big_endian)
                if value is None:
                    continue
                fields[stand_in.target] = value
                key = (message, stand_in.target, stand_in.name)
                filled[key] = filled.get(key, 0) + 1
        if message == "record":
            for _, table in fit.records.tables:
                _table_stand_ins(table, known, filled)
    return filled


def _table_stand_ins(table: FitTable, known: dict[tuple[int, int], _DeveloperField],
                     filled: dict[tuple[str, str, str], int]) -> None:
    """:func:`developer_stand_ins` on a table's columns, a developer field at a time."""
    for field in table.developer:
        stand_in = known.get((field.developer_data_index, field.number))
        if stand_in is None:
            continue
        values = stand_in.values(field.raw, field.big_endian)
        column = table.columns.setdefault(stand_in.target, np.full(table.count, np.nan))
        current = column[field.rows]
        empty = (np.isnan(current) | (current == 0)) & ~np.isnan(values)
        if empty.any():
            column[field.rows[empty]] = values[empty]
            key = ("record", stand_in.target, stand_in.name)
            filled[key] = filled.get(key, 0) + int(empty.sum())


def record_samples(records: Records) -> tuple[pd.DataFrame, np.ndarray, str, int]:
    """The samples frame of :mod:`streams`, each sample's raw FIT time (NaN where unusable),
    where the cadence came from, and how many records were merged into others.

    Records that share a timestamp are one sample: some writers split a moment over several
    records (the Strava app puts position and distance in two).
    """
    column = records.columns(RECORD_FIELDS)
    raw_times = column("timestamp")
    # Relative (power-on) times are kept for durations; future ones are a wrong clock.
    raw_times[raw_times > latest_real_time()] = np.nan
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
RECORD_FIELDS = ("timestamp", "cadence", "fractional_cadence", "position_lat", "position_long",
                  "enhanced_altitude", "altitude", "distance", "enhanced_speed", "speed",
                  "heart_rate")


class RecordColumns:
    """Record fields as float columns, as :func:`first_number_column` reads them: all
    ``fields`` in one numpy conversion when every value is a number or missing (a
    recording's usual case), else each column alone."""

    def __init__(self, records: list[dict[str, Any]], fields: tuple[str, ...],
                 table: np.ndarray | None = None) -> None:
        """``table``: the columns already made (a row a record, a column a field)."""
        self.records = records
        self.index = {name: i for i, name in enumerate(fields)}
        self.table: np.ndarray | None = table
        if table is not None:
            return
        try:
            table = np.array([tuple(map(record.get, fields)) for record in records],
                             dtype="float64")
        except (TypeError, ValueError):  # an array or text among the values
            return
        if table.shape == (len(records), len(fields)):
            self.table = table

    def __call__(self, *names: str) -> np.ndarray:
        if self.table is None:
            return first_number_column(self.records, *names)
        column = self.table[:, self.index[names[0]]].copy()
        for name in names[1:]:
            column = np.where(np.isnan(column), self.table[:, self.index[name]], column)
        return column


def first_number_column(records: list[dict[str, Any]], *names: str) -> np.ndarray:
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
            found = np.array([as_number(v) for v in values], dtype="float64")
        column = np.where(np.isnan(column), found, column)
    return column


def as_number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def latest_real_time() -> float:
    return time.time() - FIT_EPOCH_S + FUTURE_SLACK_S
