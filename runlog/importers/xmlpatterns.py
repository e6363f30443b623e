"""Track bodies read by pattern, shared by the GPX and TCX readers.

The readers read the points of common-layout files with regular expressions: each track body
that is nothing but such points is cut out of the file and read by pattern; what is left, the
cut elements marked, goes through :func:`.xmltools.parse` and the tree as usual.

Only bodies whose every byte reads the same to XML and to a pattern are cut: the point
patterns are made of ASCII markup, XML whitespace and the classes :data:`TEXT` and
:data:`ATTRIBUTE_VALUE`, and a body must be their matches and whitespace, nothing else
(:func:`split_whole`), so no other check of its bytes is needed.
"""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar
from xml.etree.ElementTree import Element

import numpy as np

from . import xmltools

T = TypeVar("T")

#: The attribute that marks an element whose body was cut out (a name no producer writes).
CUT_MARK = "runlog-cut"
#: Encodings that write printable ASCII as itself (what XML calls Latin-1 decodes the same).
_ASCII_ENCODINGS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1",
                              b"latin-1", b"latin1", b"windows-1252", b"cp1252"})
_DECLARED_ENCODING_BYTES = re.compile(
    rb"^[ \t\n\r]*<\?xml[^>]*?encoding[ \t\n\r]*=[ \t\n\r]*[\"']([^\"']*)")
_ROOT_TAG = re.compile(rb"<(?![?!])[^>]*>")
_NAMESPACE_DECLARATION = re.compile(
    rb"[ \t\n]xmlns(?::([A-Za-z_][-.\w]*))?[ \t\n]*=[ \t\n]*(?:\"([^\"<&]*)\"|'([^'<&]*)')")

#: Repeats in the point patterns never need to give back what they took (each stops at a byte
#: that what follows must start with), so from Python 3.11 on they are possessive: matching
#: without the bookkeeping for giving back is ~20% faster on a track body.
_KEEP = b"+" if sys.version_info >= (3, 11) else b""
#: XML whitespace, but for CR (which XML turns into a line feed).
WS = rb"[ \t\n]*" + _KEEP
#: Element text: printable ASCII, tab and line feed, but for markup ('<', '&') and ']' (XML
#: refuses ']]>' in text). Such text is what the XML parser gives for it: no character it
#: would refuse, decode differently or normalize. One set of bytes, matched faster than a
#: negated one.
TEXT = rb"[\t\n\x20-\x25\x27-\x3b\x3d-\x5c\x5e-\x7e]*" + _KEEP
#: An attribute value within double quotes, likewise (']' may be there).
ATTRIBUTE_VALUE = rb"[\t\n\x20\x21\x23-\x25\x27-\x3b\x3d-\x7e]*" + _KEEP
#: A time as almost every producer writes it, without its zone: ISO, seconds to six decimals
#: (numpy reads these as the readers' per-point reading does: :func:`local_times`).
ISO_LOCAL_TIME = rb"(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?"
#: An ISO_LOCAL_TIME in whole seconds, the shortest one can be.
_WHOLE_SECONDS_LENGTH = 19


def root_namespaces(data: bytes) -> list[tuple[bytes, str]] | None:
    """The namespace declarations of the root start tag as (prefix, or b"" for the default,
    URI); None when the file may not be read by pattern: an encoding that does not keep ASCII
    as itself, or a root tag whose declarations do not all read."""
    declared = _DECLARED_ENCODING_BYTES.match(data[:512].lstrip(codecs.BOM_UTF8))
    if declared and declared.group(1).lower() not in _ASCII_ENCODINGS:
        return None
    root_tag = _ROOT_TAG.search(data, _prolog_end(data))
    if root_tag is None:
        return None
    found = _NAMESPACE_DECLARATION.findall(root_tag.group())
    if len(found) != root_tag.group().count(b"xmlns"):
        return None
    return [(prefix, (double or single).decode("ascii", "replace"))
            for prefix, double, single in found]


@dataclass
class Split:
    """A body cut into the matches of one pattern: ``re.split``'s parts (the text before each
    match, then its groups)."""

    pattern: re.Pattern[bytes]
    parts: list[bytes | None]

    @property
    def count(self) -> int:
        """How many matches: each gives its groups and the text before it, and the text after
        the last one ends the parts."""
        return (len(self.parts) - 1) // (self.pattern.groups + 1)

    def column(self, name: str) -> list[bytes | None]:
        """Group ``name`` of every match (None where it did not take part, or the pattern
        has no such group)."""
        if name not in self.pattern.groupindex:
            return [None] * self.count
        return self.parts[self.pattern.groupindex[name]::self.pattern.groups + 1]


def exact_pattern(point: re.Match[bytes], values: dict[str, bytes]) -> re.Pattern[bytes]:
    """The pattern of points written byte for byte as ``point`` is (one point found by a
    general pattern), but for their values: each group named in ``values`` matches its
    pattern there instead of the text it holds; the rest, markup and whitespace, is copied.
    A serializer writes every point as it wrote the first, and literal bytes match faster
    than the general pattern's choices (~15% on a Garmin Connect track). Whitespace before a
    point is matched too, so the parts of a split between points are all empty."""
    spans = sorted((point.start(name), point.end(name), value)
                   for name, value in values.items() if point.start(name) >= 0)
    pieces = [WS]
    text = point.group()
    at = point.start() + len(text) - len(text.lstrip(b" \t\n"))
    for start, end, value in spans:
        pieces += [re.escape(point.string[at:start]), value]
        at = end
    pieces.append(re.escape(point.string[at:point.end()]))
    return re.compile(b"".join(pieces))


def local_times(local: list[bytes], zone: bytes) -> tuple[np.ndarray, timedelta | None] | None:
    """Times that matched :data:`ISO_LOCAL_TIME`, all written in ``zone``, as
    :func:`.xmltools.utc_times` reads them; in whole seconds (the joined texts as long as
    that each, so each is), straight from the joined bytes, without a string per time."""
    joined = b"".join(local)
    texts: np.ndarray | list[str]
    if len(joined) == _WHOLE_SECONDS_LENGTH * len(local):
        texts = np.frombuffer(joined, f"S{_WHOLE_SECONDS_LENGTH}")
    else:
        texts = b"\n".join(local).decode("ascii").split("\n")
    return xmltools.utc_times(texts, zone.decode("ascii"))


def split_whole(body: bytes, patterns: Iterable[re.Pattern[bytes]]) -> Split | None:
    """``body`` split by the first of ``patterns`` whose matches are all of it but
    whitespace; None when none reads it whole."""
    for pattern in patterns:
        parts = pattern.split(body)
        if not b"".join(parts[::pattern.groups + 1]).strip(b" \t\n"):
            return Split(pattern, parts)
    return None


def cut_bodies(data: bytes, start: re.Pattern[bytes], end: bytes, element: str,
               read: Callable[[bytes], T | None]) -> tuple[bytes, list[T]] | None:
    """Cut the body of every element that ``start`` opens and ``end`` closes out of ``data``,
    as ``read`` reads it; ``data`` without the bodies, each element marked with the index of
    its body, and the bodies read. None when one body does not read, or there is none, or
    what is left holds :data:`CUT_MARK` already (an element the file marked itself).

    A body is only read where it holds nothing but points (no start tag of its own), so the
    next element is looked for after it, not through it."""
    pieces: list[bytes] = []
    bodies: list[T] = []
    mark = CUT_MARK.encode()
    at = 0
    match = start.search(data)
    while match is not None:
        if _inside_other_markup(data, match.start()):
            return None
        stop = data.find(end, match.end())
        if stop < 0:
            return None
        body = read(data[match.end():stop])
        if body is None:
            return None
        pieces += [data[at:match.start()], f'<{element} {CUT_MARK}="{len(bodies)}">'.encode()]
        bodies.append(body)
        at = stop
        match = start.search(data, stop)
    pieces.append(data[at:])
    if not bodies or any(mark in piece for piece in pieces[::2]):
        return None
    return b"".join(pieces), bodies


#: Markup whose content is no element: a start tag written there is text (or an error).
_OPAQUE = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))


def _inside_other_markup(data: bytes, pos: int) -> bool:
    """True when ``pos`` may be inside a comment, a CDATA section or a processing
    instruction: the last one opened before it is not closed before it. (Cautious: an opening
    written inside another one's content counts too; then the tree reads the file.)"""
    for opening, closing in _OPAQUE:
        begun = data.rfind(opening, 0, pos)
        if begun >= 0 and data.find(closing, begun + len(opening), pos) < 0:
            return True
    return False


def deepest_cut(root: Element) -> int:
    """The depth (the root is 0) of the deepest element marked with :data:`CUT_MARK`; -1
    when none is. A reader adds the depth of what it cut, so that the file is refused as
    nested too deep (:data:`MAX_DEPTH`) exactly when the whole file would be."""
    return max((depth for depth, level in enumerate(xmltools.levels(root))
                if any(elem.get(CUT_MARK) is not None for elem in level)), default=-1)


def _prolog_end(data: bytes) -> int:
    """Where the root element starts: after the XML declaration, comments and PIs."""
    pos = 0
    while True:
        pos = data.find(b"<", pos)
        if pos < 0:
            return len(data)
        if data.startswith(b"<?", pos):
            pos = data.find(b"?>", pos) + 2
        elif data.startswith(b"<!--", pos):
            pos = data.find(b"-->", pos) + 3
        else:
            return pos
        if pos < 2:
            return len(data)
