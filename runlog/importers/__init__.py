"""Readers: one module per format, and the registry that maps a file to its reader.

A reader is a function ``read(data: bytes, source: str, options: ReadOptions) ->
list[Activity | ParseError]``. ``source`` is the name to report (a path, or
``archive.zip!member``). A reader raises :class:`~runlog.errors.ParseError` (or its subclass
``NotAnActivity``) naming ``source`` and, where known, the byte offset or line, when it can read
nothing; it never lets another exception out. When it reads the file but has to leave part of
it out (a CSV row with a bad date, say), it returns a ParseError for that part (with its line)
among the activities: the rest of the file still counts.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError, ParseError
from ..model import Activity

Reader = Callable[[bytes, str, "ReadOptions"], "list[Activity | ParseError]"]

#: Bump when a reader's output changes, so stored parse results are not reused.
PARSER_VERSION = 3


@dataclass(frozen=True)
class ReadOptions:
    """Settings that change what a reader returns (so they are part of the store's key)."""

    #: IANA zone of the athlete's clock, for sources that write local times without a zone.
    timezone: str = "UTC"
    #: Distance unit of Garmin Connect CSV exports ("km" or "mi"); None: infer per file.
    garmin_csv_units: str | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"unknown timezone {self.timezone!r}") from exc
        if self.garmin_csv_units not in (None, "km", "mi"):
            raise ConfigError(f"garmin_csv_units must be 'km' or 'mi', not "
                              f"{self.garmin_csv_units!r}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def cache_key(self) -> str:
        text = json.dumps({"v": PARSER_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextmanager
def reader_boundary(what: str, source: str) -> Iterator[None]:
    """Nothing but ParseError leaves a reader: anything else raised inside becomes one that
    names the file ("unreadable ``what``: TypeError: ...")."""
    try:
        yield
    except ParseError:
        raise
    except Exception as exc:  # the reader boundary: nothing else may escape
        raise ParseError(f"unreadable {what}: {type(exc).__name__}: {exc}", source) from exc


#: File kinds by (lower-cased) extension; ".gz" is unwrapped before this lookup.
EXTENSIONS = {".fit": "fit", ".gpx": "gpx", ".tcx": "tcx", ".csv": "csv"}
#: Kinds told from a file's content or name rather than its extension alone (see
#: :mod:`.archives`): an Apple Health export's main XML, whatever its localized name, and
#: Polar Flow ``training-session-*.json`` files.
SNIFFED_KINDS = ("apple-health", "polar")


def kind_of(name: str) -> str | None:
    """The reader kind for a file name (``run.FIT``, ``x.gpx.gz``), or None."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return EXTENSIONS.get(os.path.splitext(lowered)[1])


#: Reads a file given as successive chunks of its bytes: for kinds whose files are too big
#: to hold (``STREAMED_KINDS``); same contract as :data:`Reader`.
StreamReader = Callable[["Iterable[bytes]", str, "ReadOptions"], "list[Activity | ParseError]"]
#: Kinds read from a stream: an Apple Health export's main XML is 1-3 GB.
STREAMED_KINDS = frozenset({"apple-health"})


def stream_reader_for(kind: str) -> StreamReader:
    """The streaming reader for a kind of :data:`STREAMED_KINDS`."""
    if kind == "apple-health":
        from .apple import read_stream

        return read_stream
    raise KeyError(kind)


@cache
def reader_for(kind: str) -> Reader:
    """The reader function for a kind (imported on first use)."""
    if kind == "fit":
        from .fit import read
    elif kind == "gpx":
        from .gpx import read
    elif kind == "tcx":
        from .tcx import read
    elif kind == "csv":
        from .csv import read
    elif kind == "apple-health":
        from .apple import read
    elif kind == "polar":
        from .polar import read
    else:
        raise KeyError(kind)
    return read
