"""The local store: what was imported, keyed by content, and how to reuse it.

An embedded SQLite file. Parse results are keyed by the file's content hash (plus the reader
options and parser version that shaped them), so the same bytes are parsed once, whatever their
path. A second table remembers each file's fingerprint (size and modification time; for archive
members, size and CRC) so unchanged files are not even read again.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from .errors import NotAnActivity, ParseError, StoreError, UnsupportedFormat
from .model import Activity

SCHEMA_VERSION = 1
ENV_VAR = "RUNLOG_STORE"
_REFUSALS = {cls.__name__: cls for cls in (ParseError, NotAnActivity, UnsupportedFormat)}


def default_path() -> Path:
    """``$RUNLOG_STORE``, else the user data folder that platformdirs names."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("runlog", appauthor=False)) / "store.sqlite"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT NOT NULL,
    member TEXT NOT NULL,
    size INTEGER NOT NULL,
    stamp INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (path, member)
);
CREATE TABLE IF NOT EXISTS parses (
    content_hash TEXT NOT NULL,
    options_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    ok INTEGER NOT NULL,
    payload TEXT NOT NULL,
    parsed_at TEXT NOT NULL,
    PRIMARY KEY (content_hash, options_key, kind)
);
"""


class Store:
    """Parse results and file fingerprints in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store: {exc}", str(self.path)) from exc
        except OSError as exc:
            raise StoreError(f"cannot create the store: {exc}", str(self.path)) from exc

    def _check_schema(self) -> None:
        with self.transaction():
            has_meta = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
            if has_meta:
                row = self._db.execute(
                    "SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row[0]) if row else None
                if version != SCHEMA_VERSION:
                    raise StoreError(
                        f"store schema version {version} is not {SCHEMA_VERSION}, the one this "
                        "runlog reads; use another --store or remove this one", str(self.path))
                return
            tables = self._db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
            if tables:
                raise StoreError("this SQLite file is not a runlog store", str(self.path))
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Fingerprints -------------------------------------------------------------------------
    def known_hash(self, path: str, member: str, size: int, stamp: int) -> str | None:
        row = self._db.execute(
            "SELECT content_hash FROM files WHERE path=? AND member=? AND size=? AND stamp=?",
            (path, member, size, stamp)).fetchone()
        return row[0] if row else None

    # Parse results ------------------------------------------------------------------------
    def get(self, content_hash: str, options_key: str, kind: str
            ) -> list[Activity | ParseError] | ParseError | None:
        """The stored parse of these bytes: activities, or the refusal; None if unknown."""
        row = self._db.execute(
            "SELECT ok, payload FROM parses WHERE content_hash=? AND options_key=? AND kind=?",
            (content_hash, options_key, kind)).fetchone()
        if row is None:
            return None
        payload = json.loads(row[1])
        if not row[0]:
            cls = _REFUSALS.get(payload.get("type", ""), ParseError)
            return cls(payload["reason"], None, offset=payload.get("offset"),
                       line=payload.get("line"))
        out: list[Activity | ParseError] = []
        for entry in payload:
            if "problem" in entry:
                problem = entry["problem"]
                out.append(ParseError(problem["reason"], None, offset=problem.get("offset"),
                                      line=problem.get("line")))
            else:
                out.append(Activity.from_record(entry))
        return out

    def put(
        self,
        fingerprint: tuple[str, str, int, int],
        content_hash: str,
        options_key: str,
        kind: str,
        result: list[Activity | ParseError] | ParseError,
    ) -> None:
        """Record one file's parse (or its refusal) and fingerprint, in one transaction."""
        if isinstance(result, ParseError):
            ok = 0
            payload: object = {"reason": result.reason, "offset": result.offset,
                               "line": result.line, "type": type(result).__name__}
        else:
            ok = 1
            payload = [
                {"problem": {"reason": r.reason, "offset": r.offset, "line": r.line}}
                if isinstance(r, ParseError) else r.to_record()
                for r in result
            ]
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO parses VALUES (?, ?, ?, ?, ?, ?)",
                       (content_hash, options_key, kind, ok, json.dumps(payload), now))
            db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                       (*fingerprint, content_hash))

    def remember_file(self, fingerprint: tuple[str, str, int, int], content_hash: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                       (*fingerprint, content_hash))

    def counts(self) -> dict[str, int]:
        files = self._db.execute("SELECT count(*) FROM files").fetchone()[0]
        parses = self._db.execute("SELECT count(*) FROM parses").fetchone()[0]
        return {"files": files, "parses": parses}
