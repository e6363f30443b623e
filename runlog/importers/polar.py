"""Polar Flow training sessions (placeholder until the reader lands)."""

from __future__ import annotations

from ..errors import ParseError, UnsupportedFormat
from ..model import Activity
from . import ReadOptions


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    raise UnsupportedFormat("Polar Flow files are not read yet", source)
