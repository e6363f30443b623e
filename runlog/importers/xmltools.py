"""XML plumbing shared by the GPX and TCX readers.

Real exports are often not quite XML (FORMATS.md sections 1.4, 6 and 7): Strava puts spaces
before ``<?xml``, converters write prefixes they never declare (``gpxdata:``, ``xsi:``), and
extensions move between namespaces from one producer to the next. :func:`parse` cleans the
bytes until they parse (noting each repair) and refuses document type declarations, so no
entity is expanded and nothing outside the file is fetched; the element helpers find children
by local name, whatever namespace a producer chose.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import cast
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlSyntaxError
from xml.etree.ElementTree import XMLParser as _CXmlParser

import defusedxml.ElementTree as safe_et
import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden

from ..errors import ParseError

#: Where prefixes that files use without declaring them usually point.
KNOWN_PREFIXES = {
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "gpxdata": "http://www.cluetrust.com/XML/GPXDATA/1/0",
    "gpxx": "http://www.garmin.com/xmlschemas/GpxExtensions/v3",
    "gpxtpx": "http://www.garmin.com/xmlschemas/TrackPointExtension/v1",
    "gpxtrkx": "http://www.garmin.com/xmlschemas/TrackStatsExtension/v1",
}
#: A file with more undeclared prefixes than this is not a near-miss worth repairing.
MAX_PREFIX_REPAIRS = 20
#: GPX and TCX nest about ten deep. Far deeper nesting is hostile: gpxpy's deep copy of
#: extensions recurses in C and a few hundred thousand levels crash the interpreter.
MAX_DEPTH = 100

_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_PREFIXED_NAME = re.compile(r"(?:^</?|\s)([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*")
_PREFIX_DECLARATION = re.compile(r"\sxmlns:([A-Za-z_][\w.-]*)\s*=")
_POSITION_SUFFIX = re.compile(r": line \d+, column \d+$")
_START_TAG = re.compile(r"<[^\s/>]+")


@dataclass
class XmlDocument:
    """A parsed file: its root, the cleaned text that parsed, and what cleaning did."""

    root: Element
    text: str
    notes: list[str] = field(default_factory=list)


def parse(data: bytes, source: str) -> XmlDocument:
    """Clean ``data`` until it parses as XML; ParseError (with its line) when it cannot.

    A ``<!DOCTYPE>`` is refused: it is how every entity-expansion bomb, external entity and
    external DTD fetch gets in, and no GPX or TCX producer writes one.
    """
    notes: list[str] = []
    text = _decode(data, notes).lstrip("\ufeff")
    body = text.lstrip()
    if not body:
        raise ParseError("empty file", source, offset=0)
    if not body.startswith("<"):
        raise ParseError("not an XML file (it does not start with '<')", source, offset=0)
    if len(body) < len(text) and body.startswith("<?xml"):
        notes.append("whitespace before <?xml removed")
    lines_removed = text[: len(text) - len(body)].count("\n")

    repaired: list[str] = []
    while True:
        try:
            root = _fromstring(body)
            break
        except DTDForbidden:
            if "<!ENTITY" in body:
                raise ParseError("XML entity declarations are not allowed", source) from None
            raise ParseError("XML document type declarations (<!DOCTYPE>, where entities and "
                             "external references are declared) are not allowed", source,
                             line=_line_of(body, "<!DOCTYPE") + lines_removed) from None
        except EntitiesForbidden:
            raise ParseError("XML entity declarations are not allowed", source) from None
        except DefusedXmlException as exc:
            raise ParseError(f"XML external references are not allowed ({exc})",
                             source) from None
        except XmlSyntaxError as exc:
            line, column = exc.position
            unbound = []
            if str(exc).startswith("unbound prefix") and len(repaired) < MAX_PREFIX_REPAIRS:
                unbound = [p for p in _prefixes_at(body, line, column) if p not in repaired]
            if not unbound:
                reason = _POSITION_SUFFIX.sub("", str(exc))
                raise ParseError(f"not well-formed XML: {reason}", source,
                                 line=line + lines_removed) from None
            body = _declare_prefixes(body, unbound)
            repaired.extend(unbound)
    if _deeper_than(root, MAX_DEPTH):
        raise ParseError(f"XML nested more than {MAX_DEPTH} elements deep: not an activity file",
                         source)
    notes.extend(f"undeclared XML prefix {prefix}: declared" for prefix in repaired)
    return XmlDocument(root=root, text=body, notes=notes)


def _fromstring(text: str) -> Element:
    """The tree of ``text``; defusedxml's guarded parser when it has a document type
    declaration (which it refuses), else the standard library's C parser.

    Without a ``<!DOCTYPE`` there is no place to declare an entity or name anything outside
    the file, so expat has nothing to expand or fetch (an undeclared entity is a syntax
    error) and defusedxml's guards would never fire. Its parser is a pure-Python subclass and
    builds pure-Python elements: about three times slower on a one-hour TCX file (issue 5).
    """
    if "<!DOCTYPE" in text:
        return safe_et.fromstring(text, forbid_dtd=True)
    parser = _CXmlParser()
    parser.feed(text)
    return parser.close()


def levels(root: Element) -> Iterator[list[Element]]:
    """The elements of the tree under ``root``, a level at a time (no recursion)."""
    level = [root]
    while level:
        yield level
        level = [c for elem in level for c in elem]


def _deeper_than(root: Element, limit: int) -> bool:
    """True when the tree under ``root`` has more than ``limit`` levels."""
    return any(depth >= limit for depth, _ in zip(range(limit + 1), levels(root)))


def _decode(data: bytes, notes: list[str]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        declared = _DECLARED_ENCODING.match(data[:512])
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
        try:
            # Only a text encoding may decode a file: a declared "zlib" or "base64" codec
            # would turn a few bytes into many.
            if not codecs.lookup(encoding)._is_text_encoding:
                raise LookupError(encoding)
        except LookupError:
            notes.append(f"unknown encoding {encoding!r}: read as UTF-8")
            encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeError as exc:  # punycode and friends raise the base class
        # Older Windows tools write Latin-1 names into files that claim UTF-8.
        where = f" (byte {exc.start})" if isinstance(exc, UnicodeDecodeError) else ""
        notes.append(f"not valid {encoding}{where}: read as Windows-1252")
        return data.decode("cp1252", errors="replace")


def _line_of(text: str, needle: str) -> int:
    """The 1-based line where ``needle`` first appears in ``text`` (1 when it does not)."""
    return text.count("\n", 0, max(text.find(needle), 0)) + 1


def _prefixes_at(text: str, line: int, column: int) -> list[str]:
    """Prefixes used, but not declared, in the tag that starts at (line, column)."""
    line_start = 0
    for _ in range(line - 1):
        line_start = text.find("\n", line_start) + 1
        if line_start == 0:
            return []
    start = text.rfind("<", line_start, line_start + column + 1)
    if start < 0:
        return []
    end = text.find(">", start)
    tag = text[start : end if end > 0 else len(text)]
    declared = set(_PREFIX_DECLARATION.findall(tag))
    used = dict.fromkeys(_PREFIXED_NAME.findall(tag))
    return [p for p in used if p not in declared and p not in ("xml", "xmlns")]


def _declare_prefixes(text: str, prefixes: list[str]) -> str:
    """Declare ``prefixes`` on the root element, so the whole document may use them."""
    at = _root_name_end(text)
    declarations = "".join(
        f' xmlns:{p}="{KNOWN_PREFIXES.get(p, f"urn:runlog:undeclared:{p}")}"' for p in prefixes
    )
    return text[:at] + declarations + text[at:]


def _root_name_end(text: str) -> int:
    """Index just after the root element's name (past the prolog, comments and doctype)."""
    pos = 0
    while True:
        pos = text.index("<", pos)
        if text.startswith("<!--", pos):
            pos = text.index("-->", pos) + 3
        elif text.startswith("<?", pos):
            pos = text.index("?>", pos) + 2
        elif text.startswith("<!", pos):
            pos = text.index(">", pos) + 1
        else:
            match = _START_TAG.match(text, pos)
            return match.end() if match else pos + 1


# --- elements by local name -------------------------------------------------------------------


def local_name(tag: object) -> str:
    """``{uri}name`` → ``name`` (comments and processing instructions give "")."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: object) -> str:
    """``{uri}name`` → ``uri``; "" for an element in no namespace."""
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def _is_named(tag: object, name: str, suffix: str) -> bool:
    """``local_name(tag) == name``, where ``suffix`` is ``"}" + name`` (no splitting)."""
    return isinstance(tag, str) and (tag == name or tag.endswith(suffix))


def children(elem: Element, name: str) -> list[Element]:
    suffix = "}" + name
    return [c for c in elem if _is_named(c.tag, name, suffix)]


def child(elem: Element | None, *path: str) -> Element | None:
    """The first element down ``path`` (local names), or None."""
    for name in path:
        if elem is None:
            return None
        suffix = "}" + name
        elem = next((c for c in elem if _is_named(c.tag, name, suffix)), None)
    return elem


def descendants(elem: Element, name: str) -> Iterator[Element]:
    """``elem`` and the elements under it with local name ``name``, in document order."""
    suffix = "}" + name
    tags = [tag for tag in {e.tag for e in elem.iter()} if _is_named(tag, name, suffix)]
    if len(tags) == 1:  # one namespace: the C iterator takes that tag alone
        return elem.iter(tags[0])
    return (e for e in elem.iter() if _is_named(e.tag, name, suffix))


def text_at(elem: Element | None, *path: str) -> str | None:
    """Stripped text of the element down ``path``; None when absent or empty."""
    found = child(elem, *path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


def finite_number(text: str | bytes | None) -> float | None:
    """A number as a file writes it; None when absent, empty, not a number or not finite."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def number_at(elem: Element | None, *path: str) -> float | None:
    """The number down ``path``; None when absent or not a number."""
    return finite_number(text_at(elem, *path))


def floats(texts: Sequence[str | bytes | None], *, strict: bool = False) -> np.ndarray:
    """A column of element texts as float64: NaN where there is no text (None or empty);
    where a text is no number, ValueError when ``strict`` (gpxpy refuses such a file), else
    NaN, as for a number that is not finite (:func:`finite_number`).

    The numbers are exactly Python's ``float()`` of each text (tests/test_number_columns.py
    holds the column to it, bit for bit). A column of plain decimals all written alike, as a
    device writes coordinates, is converted by numpy in one go (:func:`_same_width_decimals`);
    any other is converted by ``float()`` called from C (``map`` into ``np.fromiter``), with
    no Python bytecode per value unless a text is no number. numpy's own text parsing
    (``np.fromstring``, a string array's ``astype``) is no faster than that on numbers this
    short, and would need a grammar check to refuse exactly what ``float()`` refuses."""
    count = len(texts)
    # (filter keeps what is not None and not empty; mypy cannot tell)
    written = cast("Sequence[str | bytes]", texts if all(texts) else list(filter(None, texts)))
    if not written:
        return np.full(count, np.nan)
    values = _same_width_decimals(written)
    if values is None:
        try:
            values = np.fromiter(map(float, written), "float64", len(written))
        except ValueError:
            if strict:
                raise
            values = np.array([np.nan if v is None else v for v in map(finite_number, written)],
                              dtype="float64")
        if not strict:
            values[~np.isfinite(values)] = np.nan
    if len(written) == count:
        return values
    out = np.full(count, np.nan)
    out[np.fromiter(map(bool, texts), bool, count)] = values
    return out


#: Exact powers of ten: 10**22 is the last that float64 holds exactly.
_EXACT_POWERS_OF_TEN = 10.0 ** np.arange(23)
#: Digits whose integer float64 holds exactly (below 2**53).
_EXACT_DIGITS = 15


def _same_width_decimals(texts: Sequence[str | bytes]) -> np.ndarray | None:
    """``float()`` of each text when all are bytes of one width and one form: the same sign
    (or none), the decimal point in the same place (or none), digits everywhere else, at
    most 15 of them; else None.

    Such a text is an integer N of at most 15 digits over 10**k (k at most 15): N and 10**k
    are exact in float64, and IEEE division rounds their quotient correctly, so N / 10**k is
    the float nearest the decimal, which is what ``float()`` gives (David Gay's strtod takes
    the same shortcut). The rows of the joined column are read as a matrix of digits."""
    first = texts[0]
    width = len(first)
    if not isinstance(first, bytes) or not 0 < width <= _EXACT_DIGITS + 2:
        return None
    if len(texts[-1]) != width:  # most columns that differ in width differ here already
        return None
    try:
        joined = b"\n".join(texts) + b"\n"  # type: ignore[arg-type]
    except TypeError:
        return None
    count = len(texts)
    if len(joined) != count * (width + 1):
        return None
    # Rows of one text each, unless widths differ (then some line feed is out of its column,
    # and the checks below find it there or a character where it should be).
    rows = np.frombuffer(joined, np.uint8).reshape(count, width + 1)
    if not (rows[:, width] == ord("\n")).all():
        return None
    signed = first[0] in b"+-"
    point = first.find(b".")
    places = [i for i in range(signed, width) if i != point]
    if not 0 < len(places) <= _EXACT_DIGITS:
        return None
    if signed and not (rows[:, 0] == first[0]).all():
        return None
    if point >= 0 and not (rows[:, point] == ord(".")).all():
        return None
    digits = rows[:, places] - np.uint8(ord("0"))
    if not (digits < 10).all():
        return None
    weights = 10 ** np.arange(len(places) - 1, -1, -1, dtype=np.int64)
    values = (digits @ weights).astype(np.float64)
    if 0 <= point < width - 1:
        values /= _EXACT_POWERS_OF_TEN[width - 1 - point]
    return -values if first[0] == ord("-") else values


# --- times as activity files write them --------------------------------------------------------

#: Times before this are a device's reset clock or an overflow (1901-12-13), not a recording.
EARLIEST_PLAUSIBLE = pd.Timestamp("1990-01-01", tz="UTC")
#: Times further ahead of the machine's clock than this are bogus.
FUTURE_SLACK = pd.Timedelta(days=1)


@dataclass(frozen=True)
class FileTime:
    """A time from a file: UTC, and the UTC offset it was written with (None for Z/none)."""

    utc: pd.Timestamp
    offset: timedelta | None


def file_time(value: str | datetime | None) -> FileTime | None:
    """Read an ISO time (``Z``, ``+02:00``, fractions, or naive meaning UTC); None if unreadable."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = pd.Timestamp(text) if text else pd.NaT
            except (ValueError, OverflowError):
                return None
            value = None if pd.isna(parsed) else parsed.to_pydatetime()
    if value is None:
        return None
    try:
        offset = value.utcoffset() if value.tzinfo is not None else None
        utc = value.astimezone(timezone.utc) if value.tzinfo is not None else value.replace(
            tzinfo=timezone.utc)
    except (ValueError, OverflowError):  # an offset of a day or more (gpxpy reads +25:00)
        return None
    return FileTime(pd.Timestamp(utc), offset if offset else None)


_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ISO_LOCAL = r"(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?"
#: Times joined by line feeds: every one plain ISO (seconds to six decimals), all written in
#: the zone of the first (``Z`` or ``+hh:mm``).
_PLAIN_TIMES = re.compile(_ISO_LOCAL + r"(Z|[+-]\d\d:\d\d)\n(?:" + _ISO_LOCAL + r"\1\n)*")


def plain_utc_times(texts: list[str]) -> tuple[np.ndarray, timedelta | None] | None:
    """Times that are all plain ISO in one zone, as the readers' per-point reading would give
    them, in one numpy conversion: naive UTC datetime64[us] and the zone's offset (None for
    UTC); None when they are not all so (then each is read alone)."""
    if not texts:
        return None
    joined = "\n".join(texts) + "\n"
    plain = _PLAIN_TIMES.fullmatch(joined)
    if plain is None:
        return None
    zone = plain.group(1)
    return utc_times(joined.replace(zone + "\n", "\n").split("\n")[:-1], zone)


def utc_times(local: Sequence[str] | np.ndarray, zone: str
              ) -> tuple[np.ndarray, timedelta | None] | None:
    """Plain ISO local times (``2021-05-01T07:00:00.5``) written with ``zone`` (``Z`` or
    ``+hh:mm``), as naive UTC datetime64[us], and the offset (None for UTC); None for a zone
    of a day or more or a field out of range (no reader reads a time there either)."""
    offset = timedelta(0)
    if zone != "Z":
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        offset = -offset if zone[0] == "-" else offset
    if abs(offset) >= timedelta(days=1):
        return None
    try:
        times = np.array(local, dtype="datetime64[us]")
    except ValueError:
        return None
    return times - np.timedelta64(offset // _ONE_US, "us"), offset if offset else None


def datetime64(when: FileTime) -> np.datetime64:
    """A file time as naive UTC datetime64[us]."""
    return np.datetime64((when.utc.to_pydatetime() - _EPOCH) // _ONE_US, "us")


def is_plausible(when: pd.Timestamp) -> bool:
    """False for times no watch recorded: before 1990 or more than a day in the future."""
    return EARLIEST_PLAUSIBLE <= when <= pd.Timestamp.now(tz="UTC") + FUTURE_SLACK


def local_wall_clock(utc: pd.Timestamp, offset: timedelta | None) -> datetime | None:
    """The naive wall-clock time at ``utc`` in a non-zero UTC ``offset``, else None."""
    if not offset:
        return None
    return (utc + offset).tz_localize(None).to_pydatetime()

