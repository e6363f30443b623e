"""FIT members decoded by fitparse, the reference: for the differential tests, and for a
member runlog's decoder (:mod:`.fit_decode`) leaves to it. fitparse 1.2 with a quicker data
path and two quirks survived (see :class:`ReaderFitFile`); the items are the same
:class:`~.fit_decode.FitMessage` and :class:`~.fit_decode.FitDamage` runlog's decoder gives.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import fitparse
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

from . import fit_decode
from .fit_decode import FitDamage, FitMessage

#: What a decoding break inside fitparse can raise besides its own errors (struct.error on
#: short reads, KeyError/IndexError on profile lookups with odd values, TypeError on None).
DECODE_ERRORS = (FitParseError, struct.error, KeyError, IndexError, TypeError, ValueError)


class ReaderFitFile(fitparse.FitFile):  # type: ignore[misc]  # fitparse has no type hints
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

    def __init__(self, fileish: Any, *, developer_messages: Collection[str] = (),
                 **kwargs: Any) -> None:
        #: the messages whose developer fields are kept (raw, as runlog's decoder keeps them)
        self._developer_messages = frozenset(developer_messages)
        self._layouts: dict[DefinitionMessage, Layout] = {}
        super().__init__(fileish, **kwargs)

    def _parse_data_message(self, header: Any) -> Any:
        definition = self._local_mesgs.get(header.local_mesg_num)
        if definition is None:
            raise FitParseError(f"local message {header.local_mesg_num} not defined")
        layout = self._layouts.get(definition)
        if layout is None:
            layout = self._layouts[definition] = Layout.of(definition)
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
        if layout.developer and str(definition.name) in self._developer_messages:
            big_endian = definition.endian == ">"
            fields[fit_decode.DEVELOPER_FIELDS] = tuple(
                (index, num, bytes(items[first:first + count]), big_endian)
                for index, num, first, count in layout.developer)
        return DataMessage(definition, fields)

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
class Layout:
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
    def of(cls, definition: DefinitionMessage) -> Layout:
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


class DataMessage:
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


def decode_member(chunk: bytes, base: int, member: int,
                  wanted: Mapping[str, Collection[str]]) -> Iterator[FitMessage | FitDamage]:
    """One member by fitparse, as :meth:`.fit_decode.Decoder.decode_member` gives it: the
    developer fields of the messages that want them, a stopping damage where it breaks."""
    buffer = io.BytesIO(chunk)
    decoded_to = 0
    try:
        fit = ReaderFitFile(buffer, check_crc=False, developer_messages=[
            name for name, fields in wanted.items() if fit_decode.DEVELOPER_FIELDS in fields])
        decoded_to = buffer.tell()
        for message in fit.get_messages():
            decoded_to = buffer.tell()
            yield FitMessage(message.name, message.fields, member)
    except FitEOFError:
        offset = base + decoded_to
        yield FitDamage(offset, f"truncated at byte {offset}", True)
    except DECODE_ERRORS as exc:
        offset = base + decoded_to
        yield FitDamage(offset, f"unreadable from byte {offset} ({exc}): the rest left out",
                        True)
