"""Reading an Apple Health export's main XML as a stream of bytes: the prolog checked (its
internal DTD skipped unparsed, refused when it declares an entity), each ``<Workout>`` block
found by a byte search and parsed alone, the step records between them handed to
:class:`~.apple_steps.StepCollector`. The file is 1-3 GB of records, mostly not wanted: it is
never parsed as one tree."""

from __future__ import annotations

import codecs
import re
from xml.etree.ElementTree import Element, XMLParser
from xml.etree.ElementTree import ParseError as XmlSyntaxError

from ..errors import NotAnActivity, ParseError
from .apple_steps import StepCollector
from .apple_workouts import Workout, read_workout

#: An export tells itself by its document type or its root element (apple.sniff looks for them).
DOCTYPE = re.compile(rb"<!DOCTYPE\s+HealthData\b")
_DTD_END = re.compile(rb"\]\s*>")
ROOT = re.compile(rb"<HealthData[\s>/]")
_START_TAG = re.compile(rb"""<Workout(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")


#: The prolog (declaration, DTD, comments) is a few kilobytes in every export.
MAX_PROLOG_BYTES = 16 << 20
#: A workout is a few kilobytes (an interval session with its steps, some tens).
MAX_WORKOUT_BYTES = 64 << 20


# --- the document around the workouts -------------------------------------------------------


def body_start(data: bytes, source: str) -> int:
    """Where the ``<HealthData>`` root starts, after checking the prolog: the internal DTD is
    skipped unparsed, and refused when it declares an entity or points outside the file."""
    if data.startswith(codecs.BOM_UTF8):
        start = 3
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError("an Apple Health export in UTF-16 is not read (Apple writes UTF-8)",
                         source, offset=0)
    else:
        start = 0
    root = ROOT.search(data, start)
    doctype = data.find(b"<!DOCTYPE", start, root.start() if root else None)
    if doctype >= 0:
        open_subset = data.find(b"[", doctype)
        declaration_end = data.find(b">", doctype)
        head = data[doctype:open_subset if 0 <= open_subset < declaration_end
                    else declaration_end]
        if b"SYSTEM" in head or b"PUBLIC" in head:
            raise ParseError("XML document type declarations (<!DOCTYPE>) that point outside "
                             "the file are not allowed", source, line=_line(data, doctype))
        end = declaration_end + 1
        if 0 <= open_subset < declaration_end:
            closing = _DTD_END.search(data, open_subset)
            if closing is None:
                raise ParseError("the document type declaration is never closed", source,
                                 line=_line(data, doctype))
            end = closing.end()
            subset = data[open_subset:end]
            entity = subset.find(b"<!ENTITY")
            if entity >= 0:
                raise ParseError("XML entity declarations are not allowed", source,
                                 line=_line(data, open_subset + entity))
        root = ROOT.search(data, end)
    if root is None:
        raise NotAnActivity("not an Apple Health export (no <HealthData> element)", source)
    # Nothing after the DTD may declare anything: a second DOCTYPE or an ENTITY is hostile.
    later = data.find(b"<!ENTITY", root.start())
    if later >= 0:
        raise ParseError("XML entity declarations are not allowed", source,
                         line=_line(data, later))
    return root.start()


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse_block(block: bytes) -> Element:
    parser = XMLParser()
    parser.feed(block)
    return parser.close()


# --- the workouts among the records --------------------------------------------------------


class Scanner:
    """Reads the main XML a chunk at a time: the prolog checked, each ``<Workout>`` parsed on
    its own, the Watch's step records gathered; nothing else kept."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.buffer = b""
        self.offset = 0  # the byte buffer[0] is at
        self.in_body = False
        self.workouts: list[Workout] = []
        self.problems: list[ParseError] = []
        self.steps = StepCollector()

    def feed(self, chunk: bytes) -> None:
        self.buffer = self.buffer + chunk if self.buffer else chunk
        if not self.in_body:
            if not self._prolog(final=False):
                return
        self._scan(final=False)

    def finish(self) -> None:
        if not self.in_body:
            self._prolog(final=True)
        self._scan(final=True)
        self.buffer = b""

    def _prolog(self, *, final: bool) -> bool:
        data = self.buffer
        if not final and len(data) < MAX_PROLOG_BYTES and ROOT.search(data) is None:
            return False
        try:
            start = body_start(data, self.source)
        except ParseError as exc:
            if not final and "never closed" in exc.reason and len(data) < MAX_PROLOG_BYTES:
                return False
            raise
        self._drop(start)
        self.in_body = True
        return True

    def _drop(self, upto: int) -> None:
        self.offset += upto
        self.buffer = self.buffer[upto:]

    def _scan(self, *, final: bool) -> None:
        data = self.buffer
        # Whole tags only: what follows the last "<" may be cut (attribute values hold no "<").
        limit = len(data) if final else max(data.rfind(b"<"), 0)
        pos = 0
        while True:
            at = _next_workout(data, pos, limit)
            if at < 0:
                self._records(data, pos, limit)
                self._drop(limit)
                return
            self._records(data, pos, at)
            end = _workout_end(data, at)
            if end < 0:
                if not final and len(data) - at <= MAX_WORKOUT_BYTES:
                    self._drop(at)
                    return
                end = len(data)
            self._workout(data, at, end)
            pos = end
            if pos > limit:
                limit = pos

    def _records(self, data: bytes, start: int, end: int) -> None:
        # Nothing here is parsed as XML (a declaration past the DTD could only reach expat
        # inside a workout block, where it is a syntax error): the step records are read by
        # pattern, the rest passed over.
        if end > start:
            self.steps.scan(data, start, end)

    def _workout(self, data: bytes, start: int, end: int) -> None:
        try:
            elem = parse_block(data[start:end])
        except XmlSyntaxError as exc:
            reason = re.sub(r": line \d+, column \d+$", "", str(exc))
            # Lines are not counted in a file of millions (a byte offset says where).
            line, column = exc.position
            self.problems.append(ParseError(
                f"workout not read: not well-formed XML: {reason} (its line {line}, column "
                f"{column})", self.source, offset=self.offset + start))
            return
        self.workouts.append(read_workout(elem, self.source))


def _next_workout(data: bytes, pos: int, limit: int) -> int:
    """Where the next ``<Workout`` start tag is in ``data[pos:limit]``, or -1."""
    while True:
        at = data.find(b"<Workout", pos, limit)
        if at < 0 or data[at + 8:at + 9] in (b" ", b"\n", b"\t", b"\r", b">", b"/", b""):
            return at
        pos = at + 8  # <WorkoutRoute>, <WorkoutEvent>... outside a workout


def _workout_end(data: bytes, at: int) -> int:
    """The end of the workout element starting at ``at``; -1 when not in ``data`` yet."""
    # The start tag's end: a ">" outside quotes (attribute values may hold one).
    tag = _START_TAG.match(data, at)
    if tag is not None and tag.group(1):
        return tag.end()
    close = data.find(b"</Workout>", tag.end() if tag else at)
    return -1 if close < 0 else close + len(b"</Workout>")
