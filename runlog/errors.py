"""One exception tree for runlog: every error carries where it happened."""

from __future__ import annotations


class RunlogError(Exception):
    """Base of every error runlog raises on purpose.

    ``path`` names the file (inside an archive ``archive.zip!member``); ``offset`` is a byte
    offset and ``line`` a 1-based line number, when known.
    """

    def __init__(
        self,
        reason: str,
        path: str | None = None,
        *,
        offset: int | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.offset = offset
        self.line = line

    def __reduce__(self) -> tuple[object, ...]:
        # Exception pickles only ``args`` (the reason): a parse error sent back from a worker
        # process would lose its path, offset and line.
        return (type(self), (self.reason, self.path), self.__dict__)

    def where(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.offset is not None:
            parts.append(f"byte {self.offset}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.reason
        where = self.where()
        if where:
            text = f"{text} (at {where})"
        if self.path:
            text = f"{self.path}: {text}"
        return text


class ParseError(RunlogError):
    """A file could not be read as what it claims to be."""


class NotAnActivity(ParseError):
    """A well-formed file that holds no activity (a course, settings, monitoring data...)."""


class UnsupportedFormat(ParseError):
    """A file whose kind runlog does not read."""


class ConfigError(RunlogError):
    """A bad runlog.toml: unknown key or bad value."""


class StoreError(RunlogError):
    """The local store cannot be opened or is of an unknown schema version."""


class DateError(RunlogError, ValueError):
    """A date that is not written YYYY-MM-DD or is not a real day (``as_of="2026-11-31"``)."""


class PathNotFound(RunlogError, FileNotFoundError):
    """A path given to read that does not exist."""
