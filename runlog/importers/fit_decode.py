"""Runlog's own FIT decoder, the message loop: a member's bytes to the messages and fields the
FIT reader uses, ~50x faster than fitparse with the same values (records: ~0.1 us each).

Each definition message is compiled once and cached across files (:mod:`.fit_definitions`).
The loop walks the headers: a data message of a definition with a column plan is only noted
where it lies (a run of back-to-back messages of one definition, the usual recording, is one
slice found by one numpy comparison), and all of them are decoded into columns at the end of
the member (:class:`FitTable`); every other message is unpacked by its definition's struct
and built into its field dict by the definition's generated function.

A member (one FIT file of a chain) is decoded whole or not at all: when it holds something
fitparse would stumble on in its own way (a timestamp that is no integer, an array where a
component expects a number), :meth:`Decoder.decode_member` raises :class:`Unsupported` and the
caller decodes that member with fitparse instead (:mod:`.fit_fitparse`). The CRC that closes a
member is computed here too, in numpy lanes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, NamedTuple

import numpy as np

from .fit_definitions import (
    DEVELOPER_FIELDS,
    INVALID,
    TIMESTAMP,
    Definition,
    Unsupported,
    accumulate,
    compile_definition,
)

#: Compiled definitions kept across files: a device writes the same few dozen in every file.
DEFINITION_CACHE_SIZE = 2048


class FitMessage(NamedTuple):
    """A decoded data message: its profile name (``unknown_233`` when unknown), its fields by
    name (date_time values as raw FIT seconds), and the index of the chained FIT file it came
    from. The fast decoder names only the fields its caller asked for; fitparse names all."""

    name: str
    fields: dict[str, Any]
    member: int


class FitTable(NamedTuple):
    """The data messages named ``name`` of one member, in file order, decoded into float
    columns: per field name an array with NaN where a message has no number (absent, invalid
    or not a number). ``rows`` are the messages of definitions decoded one by one
    (``(row, fields)``, their columns NaN there): the caller converts those. ``developer``:
    the developer fields of the rest, raw, as :class:`TableDeveloperField` items."""

    name: str
    columns: dict[str, np.ndarray]
    rows: list[tuple[int, dict[str, Any]]]
    # Shadows tuple.count() on purpose: the field is the table's size, and a public name.
    count: int  # type: ignore[assignment]
    member: int
    developer: tuple[TableDeveloperField, ...] = ()


class TableDeveloperField(NamedTuple):
    """One developer field of one definition's messages in a table: their ``rows``, and the
    field's bytes for each (a row of ``raw``), as a :data:`DEVELOPER_FIELDS` item holds them
    for one message."""

    rows: np.ndarray
    developer_data_index: int
    number: int
    raw: np.ndarray  # uint8, one row a message
    big_endian: bool


@dataclass(frozen=True, slots=True)
class FitDamage:
    """Something wrong at byte ``offset``; ``stopped`` when nothing after it was decoded."""

    offset: int
    reason: str
    stopped: bool


def truncated(offset: int) -> FitDamage:
    return FitDamage(offset, f"truncated at byte {offset}", True)


def unreadable(offset: int, why: object) -> FitDamage:
    return FitDamage(offset, f"unreadable from byte {offset} ({why}): the rest left out", True)


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


_CRC_TABLE_ARRAY = np.array(_CRC_TABLE, dtype=np.uint32)


#: Bytes per lane when the CRC runs over many lanes at once.
CRC_BLOCK = 16


def _crc_loop(data: bytes | memoryview, crc: int = 0) -> int:
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


@lru_cache(maxsize=1)
def _crc_pair_table() -> np.ndarray:
    """The CRC after two bytes (a little-endian 16-bit word) from a state: a 16-bit CRC has
    shifted its whole state out after two bytes, so it is ``table[state ^ word]``."""
    words = np.arange(1 << 16, dtype=np.uint32)
    crc = np.zeros(1 << 16, dtype=np.uint32)
    for shift in (0, 8):
        crc = (crc >> 8) ^ _CRC_TABLE_ARRAY[(crc ^ (words >> shift)) & 0xFF]
    return crc.astype(np.uint16)


@lru_cache(maxsize=64)
def _crc_skip_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """What ``length`` zero bytes make of a CRC state, as two tables (low byte, high byte):
    the CRC is linear, so skip(c) = low[c & 0xFF] ^ high[c >> 8]. Twice a length is the
    skip applied twice."""
    states = np.arange(256, dtype=np.uint32)
    if length <= CRC_BLOCK:
        zeros = bytes(length)
        return (np.array([_crc_loop(zeros, b) for b in range(256)], dtype=np.uint32),
                np.array([_crc_loop(zeros, b << 8) for b in range(256)], dtype=np.uint32))
    low, high = _crc_skip_tables(length // 2)

    def twice(crc: np.ndarray) -> np.ndarray:
        crc = low[crc & 0xFF] ^ high[crc >> 8]
        skipped: np.ndarray = low[crc & 0xFF] ^ high[crc >> 8]
        return skipped

    return twice(states), twice(states << 8)


def crc16(data: bytes) -> int:
    """The FIT CRC-16 (CRC-16/ARC) of ``data``.

    Byte by byte in Python this is ~0.1 us a byte, more than decoding the messages takes. So
    the data is cut into lanes of CRC_BLOCK bytes whose CRCs numpy computes side by side, two
    bytes a step, and neighbouring lanes are joined pairwise, level by level: CRC(a + b) =
    skip(CRC(a), len(b)) ^ CRC(b) for a CRC without final xor. ~2 ns a byte.
    """
    blocks = len(data) // CRC_BLOCK
    if blocks < 16:
        return _crc_loop(data)
    head = len(data) - blocks * CRC_BLOCK
    crc = _crc_loop(memoryview(data)[:head])
    lanes = np.frombuffer(data, "<u2", offset=head).reshape(blocks, CRC_BLOCK // 2).T.copy()
    state = np.zeros(blocks, dtype=np.uint16)
    pairs = _crc_pair_table()
    for words in lanes:
        state = pairs[state ^ words]
    joined = state.astype(np.uint32)
    length = CRC_BLOCK
    while True:
        low, high = _crc_skip_tables(length)
        if len(joined) % 2:  # the first lane joins the CRC so far
            crc = int(low[crc & 0xFF] ^ high[crc >> 8] ^ joined[0])
            joined = joined[1:]
        if not len(joined):
            return crc
        left = joined[0::2]
        joined = low[left & 0xFF] ^ high[left >> 8] ^ joined[1::2]
        length *= 2


class Decoder:
    """Decodes FIT members into the messages and fields named in ``wanted``
    (message name -> field names; a field's subfields and components count as the field)."""

    def __init__(self, wanted: Mapping[str, Collection[str]],
                 tables: Collection[str] = ()) -> None:
        self.wanted = {message: frozenset(names) for message, names in wanted.items()}
        #: messages given as one FitTable per member (records: thousands a file)
        self.tables = frozenset(tables)
        self._compile = lru_cache(maxsize=DEFINITION_CACHE_SIZE)(
            partial(compile_definition, wanted_fields=self.wanted, tables=self.tables))

    # -- the message loop --------------------------------------------------------------------

    def decode_member(self, chunk: bytes, base: int, member: int
                      ) -> list[FitMessage | FitTable | FitDamage]:
        """The messages of one member (header + data + CRC, as its header sizes it), ending
        with a stopping FitDamage where fitparse would stop. ``base``: the member's offset in
        the file, for damage offsets. Messages named in ``tables`` come as one FitTable, after
        the others. Raises Unsupported."""
        header_size = chunk[0]
        if 12 < header_size < 14:
            return [unreadable(base, "Irregular File Header Size")]
        if len(chunk) < header_size:
            return [truncated(base)]
        try:
            try:
                return self._messages(chunk, base, header_size, member, bool(self.tables))
            except _CompressedTimestamps:
                # Compressed timestamps count on every message's time: one by one, then.
                return self._messages(chunk, base, header_size, member, False)
        except KeyError as exc:  # an accumulator no definition started: fitparse raises
            raise Unsupported(f"component accumulator {exc} never started") from None

    def _messages(self, chunk: bytes, base: int, pos: int, member: int, tabulate: bool
                  ) -> list[FitMessage | FitTable | FitDamage]:
        """The data messages after the header (at ``pos``), with a FitDamage where decoding
        stopped; ``tabulate``: the messages of definitions with a column plan are gathered
        by their place in the bytes and decoded into columns at the end, together."""
        out: list[FitMessage | FitTable | FitDamage] = []
        table = _TableRows(self.tables, member) if tabulate else None
        end = len(chunk)
        data_end = pos + int.from_bytes(chunk[4:8], "little")
        local: list[Definition | None] = [None] * 16
        accumulators: dict[tuple[int, int], int] = {}
        timestamp = 0
        decoded_to = pos  # fitparse reports breaks after the last data message it yielded
        append = out.append
        new_tuple = tuple.__new__
        compile_definition = self._compile
        stop = None
        while pos < data_end:
            if pos >= end:
                stop = truncated(base + decoded_to)
                break
            header = chunk[pos]
            if header & 0x80:  # compressed timestamp: 2-bit local number, 5-bit offset
                if table is not None:
                    raise _CompressedTimestamps
                number = (header >> 5) & 0x3
                time_offset = header & 0x1F
            elif header & 0x40:
                parsed = _read_definition(chunk, pos, header)
                if parsed is None:
                    stop = truncated(base + decoded_to)
                    break
                key, pos = parsed
                compiled = local[header & 0xF] = compile_definition(key)
                for reset in compiled.resets:
                    accumulators[reset] = 0
                continue
            else:
                number = header & 0xF
                time_offset = -1
            definition = local[number]
            if definition is None:
                stop = unreadable(base + decoded_to, f"local message {number} not defined")
                break
            name, size, broken, unpack_from, build, timestamps, names_timestamp, _, plan = \
                definition
            if broken is not None:
                stop = unreadable(base + decoded_to, broken)
                break
            start = pos + 1
            pos = start + size
            if pos > end:
                stop = truncated(base + decoded_to)
                break
            if table is not None and name in table.names:
                if plan is not None:
                    # A run of messages of this definition, back to back, is one slice.
                    count = _run_length(chunk, start - 1, size + 1, data_end, end)
                    table.add_run(definition, start, count)
                    pos = start - 1 + count * (size + 1)
                    decoded_to = pos
                    continue
            values = unpack_from(chunk, start) if unpack_from is not None else ()
            for item, invalid in timestamps:
                if values[item] != invalid:
                    timestamp = values[item]
            fields = build(values, accumulators) if build is not None else {}
            if time_offset >= 0:
                timestamp = accumulate(time_offset, timestamp, 5)
                if names_timestamp:
                    fields[TIMESTAMP] = timestamp
            decoded_to = pos
            if table is not None and name in table.names:
                table.add_row(name, fields)
                continue
            # tuple.__new__ skips the NamedTuple's Python-level __new__: a third of the time
            # a record takes here.
            append(new_tuple(FitMessage, (name, fields, member)))
        else:
            if end - pos < 2:  # no room for the CRC that closes the member
                stop = truncated(base + decoded_to)
        if table is not None:
            out.extend(table.tables(chunk))
        if stop is not None:
            out.append(stop)
        return out


class _CompressedTimestamps(Exception):
    """A compressed-timestamp header in a member being decoded into columns."""


def _run_length(chunk: bytes, pos: int, stride: int, data_end: int, end: int) -> int:
    """How many data messages of ``stride`` bytes (header included) follow each other from
    ``pos`` with the same header byte, the first included: each must start before
    ``data_end`` and end by ``end``, as the message loop would take them one by one."""
    following = pos + stride
    if following >= data_end or following + stride > end or chunk[following] != chunk[pos]:
        return 1
    last = min((data_end - 1 - pos) // stride, (end - stride - pos) // stride)
    heads = np.frombuffer(chunk, np.uint8, count=last * stride + 1, offset=pos)[::stride]
    other = np.flatnonzero(heads != chunk[pos])
    return int(other[0]) if other.size else last + 1


class _TableRows:
    """Where the messages of each table name lie, in file order, while a member is read."""

    def __init__(self, names: frozenset[str], member: int) -> None:
        self.names = names
        self.member = member
        self.count: dict[str, int] = dict.fromkeys(names, 0)
        #: name -> id of a definition -> (it, [(first row, first byte, count)])
        self.runs: dict[str, dict[int, tuple[Definition, list[tuple[int, int, int]]]]] = {
            name: {} for name in names}
        self.rows: dict[str, list[tuple[int, dict[str, Any]]]] = {name: [] for name in names}

    def add_run(self, definition: Definition, start: int, count: int) -> None:
        name = definition.name
        runs = self.runs[name].setdefault(id(definition), (definition, []))[1]
        runs.append((self.count[name], start, count))
        self.count[name] += count

    def add_row(self, name: str, fields: dict[str, Any]) -> None:
        self.rows[name].append((self.count[name], fields))
        self.count[name] += 1

    def tables(self, chunk: bytes) -> list[FitTable]:
        out = []
        for name in sorted(self.names):
            count = self.count[name]
            if not count:
                continue
            columns: dict[str, np.ndarray] = {}
            developer: list[TableDeveloperField] = []
            for definition, runs in self.runs[name].values():
                rows = np.concatenate([np.arange(row, row + n) for row, _, n in runs])
                stride = definition.size + 1
                starts = np.concatenate([np.arange(first, first + n * stride, stride)
                                         for _, first, n in runs])
                plan = definition.columns
                assert plan is not None
                values, raw = plan.decode(chunk, starts, definition.size)
                for field, column in values.items():
                    if field not in columns:
                        columns[field] = np.full(count, np.nan)
                    columns[field][rows] = column
                developer += [TableDeveloperField(rows, index, number, data, plan.big_endian)
                              for index, number, data in raw]
            out.append(FitTable(name, columns, self.rows[name], count, self.member,
                                tuple(developer)))
        return out


def _read_definition(chunk: bytes, pos: int, header: int
                     ) -> tuple[tuple[Any, ...], int] | None:
    """The cache key of the definition message at ``pos`` and the position after it; None
    when the member ends inside it."""
    end = len(chunk)
    if pos + 6 > end:
        return None
    big_endian = chunk[pos + 2] != 0
    mesg_num = int.from_bytes(chunk[pos + 3:pos + 5], "big" if big_endian else "little")
    count = chunk[pos + 5]
    start = pos + 6
    stop = start + 3 * count
    if stop > end:
        return None
    native = tuple(tuple(chunk[i:i + 3]) for i in range(start, stop, 3))
    developer: tuple[tuple[int, ...], ...] = ()
    if header & 0x20:
        if stop + 1 > end:
            return None
        dev_count = chunk[stop]
        start = stop + 1
        stop = start + 3 * dev_count
        if stop > end:
            return None
        developer = tuple(tuple(chunk[i:i + 3]) for i in range(start, stop, 3))
    return (mesg_num, big_endian, native, developer), stop


__all__ = ["DEVELOPER_FIELDS", "INVALID", "Decoder", "FitDamage", "FitMessage", "FitTable",
           "Unsupported", "crc16"]
