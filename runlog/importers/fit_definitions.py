"""FIT definition messages compiled for :mod:`.fit_decode`, once per layout.

fitparse spends ~100 us on a record: an object per field, processors, a struct per field. Here
each definition is compiled into one :class:`struct.Struct` that unpacks exactly the fields
the reader asks for and skips the rest, and a small Python function generated for that
definition that turns the unpacked numbers into the reader's field dict: invalid values to
None, subfields, components (speed and distance out of ``compressed_speed_distance``,
``enhanced_*`` out of their plain fields) and scale/offset. Where every needed field is a plain
number, a numpy dtype over the message bytes decodes all messages of the definition into
columns at once (:class:`ColumnPlan`), by the same steps. Field numbers, types, scales,
offsets, subfields and components are fitparse's own profile objects, and every step copies
what fitparse 1.2 does with them (see :mod:`.fit_fitparse`), down to the order in which fields
overwrite each other, so the decoders agree value for value (``tests/test_fit_decode.py``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from fitparse.profile import FIELD_TYPE_TIMESTAMP, MESSAGE_TYPES
from fitparse.records import BASE_TYPE_BYTE, BASE_TYPES, parse_string

#: fitparse's invalid value per base type (its ``BaseType.parse`` lambdas): a field holding it
#: is absent (None). Floats are invalid when NaN, strings when empty, bytes when all 0xFF.
INVALID = {
    "enum": 0xFF, "uint8": 0xFF, "sint8": 0x7F, "uint16": 0xFFFF, "sint16": 0x7FFF,
    "uint32": 0xFFFFFFFF, "sint32": 0x7FFFFFFF, "uint64": 0xFFFFFFFFFFFFFFFF,
    "sint64": 0x7FFFFFFFFFFFFFFF, "uint8z": 0, "uint16z": 0, "uint32z": 0, "uint64z": 0,
}


_FLOATS = ("float32", "float64")


TIMESTAMP = FIELD_TYPE_TIMESTAMP.name


#: The key under which a message's developer fields are kept (raw), when the caller asks for
#: it among a message's fields: ``((developer_data_index, field number, bytes, big_endian),
#: ...)`` in definition order.
DEVELOPER_FIELDS = "developer_fields"


class Unsupported(Exception):
    """A member this decoder cannot decode exactly as fitparse does; the reason says why."""


def accumulate(value: int, total: int, bits: int) -> int:
    """A ``bits``-wide counter that rolled over, added onto the running ``total`` (FIT SDK)."""
    high = 1 << bits
    mask = high - 1
    out = value + (total & ~mask)
    if value < (total & mask):
        out += high
    return out


class Definition(NamedTuple):
    """One definition message, ready to decode its data messages (a tuple: the message loop
    unpacks it in one step)."""

    name: str
    #: bytes of each data message after its header
    size: int
    #: fitparse's error for a data message of this definition (a field of size 0), or None
    broken: str | None
    #: unpacks the fields needed (None: none are)
    unpack_from: Callable[[bytes, int], tuple[Any, ...]] | None
    #: builds the field dict from the unpacked values and the accumulators (None: {})
    build: Callable[[tuple[Any, ...], dict[tuple[int, int], int]], dict[str, Any]] | None
    #: where native timestamps (field 253) lie in the unpacked values, with their invalid
    #: value: the last valid one restarts the compressed timestamps
    timestamps: tuple[tuple[int, int], ...]
    #: whether compressed-timestamp headers give this message a "timestamp" field
    names_timestamp: bool
    #: accumulators (message number, field number) a definition of these fields resets
    resets: tuple[tuple[int, int], ...]
    #: how its data messages decode into columns, when its name is among the tables and
    #: every needed field is a plain number (see :class:`ColumnPlan`); None: one by one
    columns: ColumnPlan | None = None


class _Step(NamedTuple):
    """One value a plain numeric field gives (itself, or one of its components): the field's
    raw number, invalid when it equals ``invalid`` (NaN for floats), shifted and masked for
    a component, then divided by ``scale`` and less ``offset``; ``values``: its enum names."""

    name: str
    shift: int
    mask: int  # 0: the whole number
    scale: float | None
    offset: float | None
    values: dict[Any, Any] | None


@dataclass(frozen=True)
class ColumnPlan:
    """A definition's data messages as numpy reads them: ``dtype`` lays the needed fields at
    their offsets in a message's bytes; each field's steps give its columns, in fitparse's
    order (a later value of a name overwrites an earlier one, as in the field dict)."""

    dtype: np.dtype[Any]
    fields: tuple[tuple[str, int | None, tuple[_Step, ...]], ...]  # (dtype field, invalid, steps)
    #: developer fields kept raw: (developer_data_index, field number, offset, size)
    developer: tuple[tuple[int, int, int, int], ...] = ()
    big_endian: bool = False

    def decode(self, chunk: bytes, starts: np.ndarray, size: int
               ) -> tuple[dict[str, np.ndarray], list[tuple[int, int, np.ndarray]]]:
        """The columns of the messages whose bytes start at ``starts``, and each developer
        field's bytes, a row a message: ``(developer_data_index, field number, bytes)``."""
        messages = np.frombuffer(chunk, np.uint8)[starts[:, None] + np.arange(size)]
        table = messages.view(self.dtype).reshape(len(starts))
        out: dict[str, np.ndarray] = {}
        for item, invalid, steps in self.fields:
            raw = table[item]
            bad = np.isnan(raw) if invalid is None else raw == invalid
            if any(step.mask for step in steps):  # components: ints only
                wide = raw.astype(np.uint64 if raw.dtype.kind == "u" else np.int64)
            for step in steps:
                bits = (wide >> step.shift) & step.mask if step.mask else raw
                value = bits.astype(np.float64)
                if step.scale:
                    value /= step.scale
                if step.offset:
                    value -= step.offset
                value[bad] = np.nan
                out[step.name] = value
        developer = [(index, number, messages[:, offset:offset + length].copy())
                     for index, number, offset, length in self.developer]
        return out, developer


@dataclass(eq=False)
class _FieldDef:
    """A field of a definition as fitparse reads it."""

    def_num: int
    size: int
    base: Any  # fitparse BaseType
    profile: Any  # fitparse Field, or None when the profile does not know it
    first_item: int = -1  # index of its first value in the unpacked tuple; -1 when skipped

    @property
    def count(self) -> int:
        items: int = self.size // self.base.size
        return items

    @property
    def shape(self) -> str:
        """How fitparse parses its bytes: one number, a float, text, bytes or an array."""
        if self.base.name == "string":
            return "string"
        if self.base.name == "byte":
            return "bytes"
        if self.count != 1:
            return "array"
        return "float" if self.base.name in _FLOATS else "int"


def _candidates(field: Any) -> list[Any]:
    """A profile field's subfields (checked in this order) and the field itself, last."""
    return [*(field.subfields or ()), field]


def _components(field: Any) -> list[Any]:
    return [c for f in _candidates(field) for c in (f.components or ())]


class _Source:
    """Python source of one definition's build function, and the objects it refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}

    def const(self, value: Any) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + line)


def compile_definition(key: tuple[Any, ...], wanted_fields: Mapping[str, frozenset[str]],
                       tables: frozenset[str]) -> Definition:
    """One definition message (its cache key: see ``fit_decode._read_definition``) ready to
    decode its data messages: the fields in ``wanted_fields`` for its message name, and a
    column plan when that name is among ``tables``."""
    mesg_num, big_endian, native, developer = key
    mesg_type = MESSAGE_TYPES.get(mesg_num)
    name = mesg_type.name if mesg_type else f"unknown_{mesg_num}"
    wanted = wanted_fields.get(name, frozenset())
    fields = []
    for def_num, size, base_type_num in native:
        base = BASE_TYPES.get(base_type_num, BASE_TYPE_BYTE)
        if size % base.size:  # read as bytes, as later fitparse releases do
            base = BASE_TYPE_BYTE
        profile = mesg_type.fields.get(def_num) if mesg_type else None
        fields.append(_FieldDef(def_num, size, base, profile))
    # A definition restarts the accumulators of its fields' components (fitparse).
    resets = tuple(
        (mesg_num, c.def_num) for f in fields if f.profile is not None
        for c in (f.profile.components or ()) if c.accumulate)
    empty = [f"field {_name(f)} of size 0" for f in fields if f.size == 0]
    empty += [f"field dev_{index}_{num} of size 0" for num, size, index in developer
              if size == 0]
    if empty:  # fitparse fails on the first data message of this definition
        return Definition(name, 0, empty[0], None, None, (), False, resets)

    _check_like_fitparse(fields)
    timestamps = [f for f in fields if f.def_num == FIELD_TYPE_TIMESTAMP.def_num]
    for field in timestamps:
        if field.shape != "int":
            raise Unsupported(f"a timestamp field of type {field.base.name}[{field.count}]")
    needed = [f for f in fields
              if f.profile is not None and _is_needed(f.profile, wanted, mesg_type)]
    # Fields that choose a subfield of a needed field or of a component's target.
    references = set()
    for field in needed:
        targets = [mesg_type.fields.get(c.def_num) for c in _components(field.profile)]
        for profile in (field.profile, *targets):
            for sub in (profile.subfields or ()) if profile is not None else ():
                references |= {ref.def_num for ref in sub.ref_fields}

    formats = [">" if big_endian else "<"]
    items = 0
    extracted = []
    for field in fields:
        if field in needed or field in timestamps or field.def_num in references:
            field.first_item = items
            extracted.append(field)
            if field.shape == "string":
                formats.append(f"{field.size}s")
                items += 1
            else:
                formats.append(f"{field.count}{field.base.fmt}")
                items += field.count
        else:
            formats.append(f"{field.size}x")
    keep_developer = bool(developer) and DEVELOPER_FIELDS in wanted
    native_items = items
    if keep_developer:
        formats.extend(f"{size}s" for _, size, _ in developer)
        items += len(developer)
    else:
        formats.extend(f"{size}x" for _, size, _ in developer)
    layout = struct.Struct("".join(formats))

    build = None
    if needed:
        build = _build_function(mesg_type, fields, extracted, needed, wanted)
    if keep_developer:
        build = _with_developer_fields(build, native_items, developer, big_endian)
    columns = None
    if name in tables:
        columns = _column_plan(fields, developer if keep_developer else (), needed,
                               [_plain_steps(mesg_type, f, wanted) for f in needed],
                               big_endian, layout.size)
    return Definition(
        name=name,
        size=layout.size,
        broken=None,
        unpack_from=layout.unpack_from if items else None,
        build=build,
        timestamps=tuple((f.first_item, INVALID[f.base.name]) for f in timestamps),
        names_timestamp=FIELD_TYPE_TIMESTAMP.name in wanted,
        resets=resets,
        columns=columns,
    )


def _with_developer_fields(
    build: Callable[..., dict[str, Any]] | None, native_items: int,
    developer: tuple[tuple[int, ...], ...], big_endian: bool,
) -> Callable[..., dict[str, Any]]:
    """``build`` on the native values, plus the developer fields' raw bytes under
    :data:`DEVELOPER_FIELDS`: ``((developer_data_index, field number, bytes, big_endian),
    ...)``, as ``fit._ReaderFitFile`` gives them."""
    keys = tuple((index, num, big_endian) for num, _, index in developer)

    def build_all(values: tuple[Any, ...], acc: dict[tuple[int, int], int]) -> dict[str, Any]:
        fields = build(values[:native_items], acc) if build is not None else {}
        fields[DEVELOPER_FIELDS] = tuple(
            (index, num, raw, endian)
            for (index, num, endian), raw in zip(keys, values[native_items:]))
        return fields

    return build_all


def _name(field: _FieldDef) -> str:
    return field.profile.name if field.profile is not None else f"unknown_{field.def_num}"


def _is_needed(profile: Any, wanted: frozenset[str], mesg_type: Any) -> bool:
    """Whether a field (or one of its subfields) is wanted, or feeds a wanted field."""
    if any(f.name in wanted for f in _candidates(profile)):
        return True
    for component in _components(profile):
        target = mesg_type.fields.get(component.def_num)
        if target is not None and any(f.name in wanted for f in _candidates(target)):
            return True
    return False


def _check_like_fitparse(fields: list[_FieldDef]) -> None:
    """Raise Unsupported where fitparse's component code fails on a field's values (it does
    so whether or not the field is wanted): arrays whose invalid items are None, and
    accumulation of floats or text."""
    for field in fields:
        if field.profile is None or field.size == 0:
            continue
        components = _components(field.profile)
        if not components:
            continue
        if field.shape == "array":
            raise Unsupported(f"{field.profile.name} is an array of {field.base.name}")
        if field.shape in ("float", "string") and any(c.accumulate for c in components):
            raise Unsupported(f"{field.profile.name} accumulates {field.base.name} values")


def _build_function(mesg_type: Any, fields: list[_FieldDef], extracted: list[_FieldDef],
                    needed: list[_FieldDef], wanted: frozenset[str]) -> Callable[..., Any]:
    """Generate the function that turns one definition's unpacked values into the field dict.

    Generated code, because a record has ~10 fields and a loop over field descriptions costs
    more than the rest of the decoding; the code is what fitparse does per field, unrolled.
    Plain numeric fields (all of a record, usually) become one dict display; subfields and
    components that accumulate or come out of bytes take statements.
    """
    src = _Source()
    items = sum(1 if f.shape == "string" else f.count for f in extracted)
    names = [f"i{n}" for n in range(items)]
    src.emit(f"{', '.join(names)}{',' if items == 1 else ''} = values")
    steps = [_plain_steps(mesg_type, f, wanted) for f in needed]
    if all(s is not None for s in steps):
        entries = [_plain_entries(src, f, s or [], names) for f, s in zip(needed, steps)]
        display = ", ".join(f"{key!r}: {value}" for e in entries for key, value in e)
        src.emit(f"return {{{display}}}")
    else:
        raw: dict[int, str] = {}  # id of a _FieldDef -> the variable holding its parsed value
        for number, field in enumerate(extracted):
            var = raw[id(field)] = f"r{number}"
            src.emit(f"{var} = {_parse_expression(field, names, src)}")
        src.emit("fields = {}")
        for field in fields:
            if field in needed:
                _emit_field(src, mesg_type, field, fields, raw, wanted)
        src.emit("return fields")
    code = "def build(values, acc):\n" + "\n".join(src.lines) + "\n"
    namespace: dict[str, Any] = {"_parse_string": parse_string, "_accumulate": accumulate,
                                 "_scale_offset": _scale_offset, "_component": _component,
                                 **src.constants}
    exec(compile(code, f"<FIT definition {mesg_type.name}>", "exec"), namespace)
    build: Callable[..., Any] = namespace["build"]  # what exec() made of ``code``
    return build


def _plain_steps(mesg_type: Any, field: _FieldDef, wanted: frozenset[str]
                 ) -> list[_Step] | None:
    """The values a plain numeric field gives, in fitparse's order (its components'
    targets, then itself); None when the field needs statements (subfields, accumulation,
    bytes, arrays, text)."""
    profile = field.profile
    if field.shape not in ("int", "float") or profile.subfields:
        return None
    steps = []
    for component in profile.components or ():
        target = mesg_type.fields[component.def_num]
        if not any(f.name in wanted for f in _candidates(target)):
            continue
        if (component.accumulate or target.subfields or _enum_values(target)
                or field.shape != "int"):
            return None
        steps.append(_Step(target.name, component.bit_offset, (1 << component.bits) - 1,
                           component.scale, component.offset, None))
    if profile.name in wanted:
        values = _enum_values(profile)
        if values and (profile.scale or profile.offset):
            return None
        steps.append(_Step(profile.name, 0, 0, profile.scale, profile.offset, values))
    return steps


def _plain_entries(src: _Source, field: _FieldDef, steps: list[_Step], names: list[str]
                   ) -> list[tuple[str, str]]:
    """(name, expression) for each dict entry of a plain numeric field's ``steps``."""
    item = names[field.first_item]
    if field.shape == "int":
        guard = f"None if {item} == {INVALID[field.base.name]} else "
    else:
        guard = f"None if {item} != {item} else "
    # Below 2**53 an integer divides exactly as its float does; 64-bit values go by float().
    number = item if field.base.size < 8 else f"float({item})"
    entries = []
    for step in steps:
        if step.mask:
            bits = f"({item} >> {step.shift}) & {step.mask}"
            value = _scale_code(step, f"({bits})", exact=True)
        elif step.values:
            value = f"{src.const(step.values)}.get({item}, {item})"
        else:
            value = _scale_code(step, number, exact=True)
        entries.append((step.name, guard + value))
    return entries


def _column_plan(fields: list[_FieldDef], developer: tuple[tuple[int, ...], ...],
                 needed: list[_FieldDef],
                 steps: list[list[_Step] | None], big_endian: bool, size: int
                 ) -> ColumnPlan | None:
    """How numpy decodes a definition's messages into columns: when every needed field is
    a plain number without enum names; else None."""
    if not needed or any(s is None or any(step.values for step in s) for s in steps):
        return None
    names: list[str] = []
    formats: list[np.dtype[Any]] = []
    offsets: list[int] = []
    plan: list[tuple[str, int | None, tuple[_Step, ...]]] = []
    offset = 0
    for field in fields:
        if field in needed:
            dtype = np.dtype((">" if big_endian else "<") + field.base.fmt)
            if dtype.itemsize != field.size:
                return None
            item = f"f{len(names)}"
            names.append(item)
            formats.append(dtype)
            offsets.append(offset)
            invalid = None if field.shape == "float" else INVALID[field.base.name]
            plan.append((item, invalid, tuple(steps[needed.index(field)] or ())))
        offset += field.size
    kept = []
    for number, length, index in developer:  # after the native fields, in their order
        kept.append((index, number, offset, length))
        offset += length
    layout = np.dtype({"names": names, "formats": formats, "offsets": offsets,
                       "itemsize": size})
    return ColumnPlan(layout, tuple(plan), tuple(kept), big_endian)


def _parse_expression(field: _FieldDef, names: list[str], src: _Source) -> str:
    """fitparse's parsed value of a field from its unpacked items (None when invalid)."""
    first = field.first_item
    shape = field.shape
    if shape == "string":
        return f"_parse_string({names[first]})"
    if shape == "int":
        return f"None if {names[first]} == {INVALID[field.base.name]} else {names[first]}"
    if shape == "float":
        return f"None if {names[first]} != {names[first]} else {names[first]}"
    group = "(" + ", ".join(names[first:first + field.count]) + ",)"
    if shape == "bytes":
        return f"None if {group} == {(0xFF,) * field.count!r} else {group}"
    if field.base.name in _FLOATS:
        return f"tuple(None if x != x else x for x in {group})"
    return f"tuple(None if x == {INVALID[field.base.name]} else x for x in {group})"


def _emit_field(src: _Source, mesg_type: Any, field: _FieldDef, fields: list[_FieldDef],
                raw: dict[int, str], wanted: frozenset[str]) -> None:
    """The code for one field: subfield choice, its components, then its own value."""
    var = raw[id(field)]
    branches = _branches(src, field.profile, fields, raw)
    for depth, condition, chosen in branches:
        if condition is not None:
            src.emit(condition, depth - 1)
            src.emit("pass", depth)
        for component in chosen.components or ():
            _emit_component(src, mesg_type, field, component, var, fields, raw, wanted, depth)
        if chosen.name in wanted or field.profile.name in wanted:
            src.emit(f"fields[{chosen.name!r}] = {_value_expression(src, chosen, field, var)}",
                     depth)


def _branches(src: _Source, profile: Any, fields: list[_FieldDef], raw: dict[int, str]
              ) -> list[tuple[int, str | None, Any]]:
    """fitparse's subfield choice as if/elif/else: (indent, line, field chosen there)."""
    out: list[tuple[int, str | None, Any]] = []
    for sub in profile.subfields or ():
        tests = [f"{raw[id(f)]} == {ref.raw_value!r}" for ref in sub.ref_fields for f in fields
                 if f.def_num == ref.def_num and id(f) in raw]
        if tests:
            keyword = "if" if not out else "elif"
            out.append((2, f"{keyword} {' or '.join(tests)}:", sub))
    if not out:
        return [(1, None, profile)]
    out.append((2, "else:", profile))
    return out


def _emit_component(src: _Source, mesg_type: Any, field: _FieldDef, component: Any, var: str,
                    fields: list[_FieldDef], raw: dict[int, str], wanted: frozenset[str],
                    depth: int) -> None:
    target = mesg_type.fields[component.def_num]
    if not any(f.name in wanted for f in _candidates(target)):
        return
    key = src.const((mesg_type.mesg_num, component.def_num))
    if field.shape == "int":
        mask = (1 << component.bits) - 1
        src.emit(f"c = None if {var} is None else ({var} >> {component.bit_offset}) & {mask}",
                 depth)
        if component.accumulate:
            src.emit("if c is not None:", depth)
            src.emit(f"c = acc[{key}] = _accumulate(c, acc[{key}], {component.bits})",
                     depth + 1)
        scaled = _scale_code(component, "c")
        if scaled != "c":
            src.emit(f"c = None if c is None else {scaled}", depth)
    else:  # bytes, text or a float: fitparse's own steps, with its ValueError for short bytes
        src.emit("try:", depth)
        src.emit(f"c = _component({src.const(component)}, {var}, acc, {key})", depth + 1)
        src.emit("except ValueError:", depth)
        src.emit("c = _SKIP", depth + 1)
        src.constants["_SKIP"] = _SKIP
        src.emit("if c is not _SKIP:", depth)
        depth += 1
    for sub_depth, condition, chosen in _branches(src, target, fields, raw):
        if condition is not None:
            src.emit(condition, depth + sub_depth - 2)
        if not (chosen.name in wanted or target.name in wanted):
            src.emit("pass", depth + sub_depth - 1)
            continue
        values = _enum_values(chosen)
        rendered = f"{src.const(values)}.get(c, c)" if values else "c"
        src.emit(f"fields[{chosen.name!r}] = {rendered}", depth + sub_depth - 1)


def _value_expression(src: _Source, chosen: Any, field: _FieldDef, var: str) -> str:
    """fitparse's ``_apply_scale_offset(field, field.render(raw))`` for one field."""
    values = _enum_values(chosen)
    rendered = f"{src.const(values)}.get({var}, {var})" if values else var
    if not (chosen.scale or chosen.offset):
        return rendered
    if field.shape in ("int", "float") and not values:
        return f"None if {var} is None else {_scale_code(chosen, var)}"
    return f"_scale_offset({src.const(chosen)}, {rendered})"


def _scale_code(field: Any, var: str, *, exact: bool = False) -> str:
    """fitparse's scale and offset as code; ``exact``: ``var`` is a number that converts to
    float exactly, so the float() can go."""
    code = var
    if field.scale:
        code = f"{code} / {field.scale!r}" if exact else f"float({code}) / {field.scale!r}"
    if field.offset:
        code = f"{code} - {field.offset!r}"
    return code


def _enum_values(field: Any) -> dict[Any, Any] | None:
    values = getattr(field.type, "values", None)
    return values or None


_SKIP = object()


def _scale_offset(field: Any, value: Any) -> Any:
    """fitparse's _apply_scale_offset: numbers scaled, tuples item by item, the rest as is."""
    if isinstance(value, tuple):
        return tuple(_scale_offset(field, item) for item in value)
    if isinstance(value, (int, float)):
        if field.scale:
            value = float(value) / field.scale
        if field.offset:
            value = value - field.offset
    return value


def _component(component: Any, raw: Any, acc: dict[tuple[int, int], int],
               key: tuple[int, int]) -> Any:
    """A component's value from bytes, text or a float, as fitparse computes it; raises
    ValueError where fitparse skips the component (bytes too short for it)."""
    value = component.render(raw)
    if component.accumulate and value is not None:
        value = acc[key] = accumulate(value, acc[key], component.bits)
    return _scale_offset(component, value)
