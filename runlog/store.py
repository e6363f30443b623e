"""The local store: what was imported, keyed by content, and how to reuse it.

An embedded SQLite file. Parse results are keyed by the file's content hash (plus the reader
options and parser version that shaped them), so the same bytes are parsed once, whatever their
path. A second table remembers each file's fingerprint (size and modification time; for archive
members, size and CRC) so unchanged files are not even read again.

Crash safety: each file's parse and fingerprint are written in one transaction (write-ahead
log), so an import killed at any point leaves every file either stored whole or not at all,
and the next import carries on. An import writes its files some dozens at a time
(:meth:`Store.deferred`), one short transaction each, so imports sharing a store (coach
mode's workers) seldom wait for each other. Several imports may share a store at once:
writers take turns (``BEGIN IMMEDIATE``, waiting up to :data:`BUSY_TIMEOUT_S`), and rows are
keyed by content, so the same file stored twice is one row. A store that is damaged, not
SQLite, or of another schema version is refused with a :class:`~runlog.errors.StoreError`
that says what is wrong and what to do: the store is only a cache of parsed files, safe to
delete, but a file that is not a runlog store (a photo given as ``--store``) is never called
one. A store this process may not write is opened read-only: it serves what it holds, and
parses it lacks are not stored (:attr:`Store.read_only`, :attr:`Store.unsaved`).

Where the store is by default (:func:`default_path`) is said in locations.py, which the
command's help reads without importing SQLite and the model; the names stay importable here.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TypedDict, TypeVar

from .errors import NotAnActivity, ParseError, StoreError, UnsupportedFormat
from .locations import ENV_VAR as ENV_VAR
from .locations import default_path as default_path
from .locations import shown_path as shown_path
from .locations import user_store_path as user_store_path
from .model import Activity

SCHEMA_VERSION = 1
#: How long a writer waits for another process's transaction to end.
BUSY_TIMEOUT_S = 60.0
_TABLES = ("meta", "files", "parses")
#: What a damaged store is, and what to do: nothing of the user's is in it.
_ADVICE = ("it is only a cache of parsed files, safe to delete (nothing of yours is in it; the "
           "next import reads the files again): delete it, or use another --store")
_SQLITE_NOTADB = 26  # SQLITE_NOTADB: the file is not a database
T = TypeVar("T")
_REFUSALS = {cls.__name__: cls for cls in (ParseError, NotAnActivity, UnsupportedFormat)}


class StoreInfo(TypedDict):
    """What :func:`describe` finds; ``files`` and ``parses`` only where a store is."""

    path: str
    exists: bool
    bytes: int
    files: int | None
    parses: int | None


def describe(path: str | os.PathLike[str]) -> StoreInfo:
    """What is at a store's path, without creating anything: whether it exists, its size in
    bytes with its write-ahead log, and (when it is a store runlog reads) how many files and
    parses it holds."""
    where = Path(path)
    files = [where, Path(f"{where}-wal"), Path(f"{where}-shm")]
    out: StoreInfo = {"path": str(where), "exists": where.is_file(),
                      "bytes": sum(f.stat().st_size for f in files if f.is_file()),
                      "files": None, "parses": None}
    if where.is_file():
        with Store(where) as store:
            counts = store.counts()
            out["files"], out["parses"] = counts["files"], counts["parses"]
    return out


def clear(path: str | os.PathLike[str]) -> int:
    """Delete the store at ``path`` (with its write-ahead log), after checking it is one: it
    is only a cache of parsed files, and the next import parses them again. The bytes freed."""
    where = Path(path)
    if not where.is_file():
        return 0
    Store(where).close()  # refuses (StoreError) anything that is not a runlog store
    freed = 0
    for file in (where, Path(f"{where}-wal"), Path(f"{where}-shm")):
        if file.is_file():
            freed += file.stat().st_size
            file.unlink()
    return freed


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` is missing, empty, or an SQLite database (damaged or not: the opening
    says what is wrong with it).

    Asked through SQLite itself, read-only: on POSIX, closing *any* descriptor of a file drops
    every lock this process holds on it, so reading the header with open() and close() while
    another connection of this process has the store open (coach mode's threads) made
    SQLite's own locks vanish, and another process reset the write-ahead log under that
    connection ("database disk image is malformed"). SQLite keeps such descriptors open until
    its locks are released."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return True
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (OSError, sqlite3.Error):
        return True
    try:
        probe.execute("PRAGMA schema_version")
    except sqlite3.DatabaseError as exc:
        return not _sqlite_error(exc, (_SQLITE_NOTADB,), ("file is not a database",))
    finally:
        probe.close()
    return True


def _sqlite_error(exc: BaseException, codes: tuple[int, ...], words: tuple[str, ...]) -> bool:
    """Whether SQLite's error is one of ``codes`` (primary result codes); by its message on a
    Python without ``sqlite_errorcode`` (3.10)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in codes
    return any(word in str(exc) for word in words)


def _is_read_only(exc: BaseException) -> bool:
    """SQLITE_READONLY, or SQLITE_CANTOPEN on a file that exists (a folder we cannot write)."""
    return _sqlite_error(exc, (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN),
                         ("readonly database", "unable to open database file"))


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


def _is_busy(exc: BaseException) -> bool:
    """SQLite's SQLITE_BUSY / SQLITE_LOCKED: another connection holds a lock, nothing wrong."""
    return _sqlite_error(exc, (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED),
                         ("database is locked", "database table is locked"))


def _while_busy(step: Callable[[], T]) -> T:
    """Run ``step`` until it is not refused as busy, for up to :data:`BUSY_TIMEOUT_S`; the
    last refusal is raised after that."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.002
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 0.1)


class Store:
    """Parse results and file fingerprints in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        #: writes held back by :meth:`deferred`, each a file's statements
        self._pending: list[list[tuple[str, tuple[object, ...]]]] | None = None
        #: files whose parse or fingerprint this object has committed (what an interrupted
        #: import can say it kept)
        self.committed_files = 0
        self._pending_since = 0.0
        #: True when the store cannot be written (a read-only file or folder): it is then only
        #: read, and parses it lacks are not stored (:attr:`unsaved` counts them).
        self.read_only = False
        self.unsaved = 0
        if self.path.is_dir():
            raise StoreError("this is a folder; the store is a file: give --store a file "
                             "path such as " + str(self.path / "store.sqlite"), str(self.path))
        if not _is_sqlite(self.path):
            # A photo, a GPX file...: not runlog's, so never advise deleting it.
            raise StoreError(
                "this file is not a runlog store and cannot be read as one (it is not an "
                "SQLite database; runlog left it as it was): point --store at a runlog store "
                "or at a file to create", str(self.path))
        if self.path.exists() and not os.access(self.path, os.W_OK):
            self._open_read_only()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store: {exc}", str(self.path)) from exc
        except OSError as exc:
            raise StoreError(f"cannot create the store: {exc}", str(self.path)) from exc
        try:
            with self._damage("opening"):
                self._db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
                # Switching a new file to WAL needs it alone for an instant, and SQLite
                # answers "database is locked" at once, without its busy handler, when
                # another process is opening the same new file: take turns here instead.
                _while_busy(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
                self._db.execute("PRAGMA synchronous=NORMAL")
                _while_busy(self._check_schema)
        except StoreError as exc:
            self._db.close()
            cause = exc.__cause__
            if (cause is not None and _is_read_only(cause) and not _is_busy(cause)
                    and self.path.is_file()):
                self._open_read_only()  # a file or folder this process may not write
                return
            raise
        except BaseException:
            self._db.close()
            raise

    def _open_read_only(self) -> None:
        """Open the store for reading only (it cannot be written): reports still use it."""
        self.read_only = True
        from urllib.parse import quote

        uri = "file:" + quote(str(self.path.absolute()))
        last: sqlite3.DatabaseError | None = None
        # mode=ro reads a WAL store when its folder lets SQLite keep the shared-memory
        # file; else immutable=1 reads the file as it is (no other process may write it).
        for flags in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                self._db = sqlite3.connect(uri + flags, uri=True, timeout=BUSY_TIMEOUT_S,
                                           isolation_level=None)
            except sqlite3.DatabaseError as exc:
                last = exc
                continue
            try:
                with self._damage("opening read-only"):
                    _while_busy(self._check_schema)
                return
            except StoreError as exc:
                self._db.close()
                if not isinstance(exc.__cause__, sqlite3.DatabaseError) \
                        or not _is_read_only(exc.__cause__):
                    raise
                last = exc.__cause__
        raise StoreError(f"the store is read-only and cannot be opened for reading ({last}); "
                         f"{_ADVICE}", str(self.path))

    @contextmanager
    def _damage(self, doing: str) -> Iterator[None]:
        """Turn SQLite's errors into a StoreError that names the store and what to do."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                # Another process held the store longer than we wait: nothing is damaged.
                raise StoreError(
                    f"the store is in use by another runlog process and stayed busy for "
                    f"{BUSY_TIMEOUT_S:.0f} s ({doing}); try again when it has finished",
                    str(self.path)) from exc
            raise StoreError(f"the store cannot be read ({doing}: {exc}); {_ADVICE}",
                             str(self.path)) from exc

    def _check_schema(self) -> None:
        if self.read_only:
            self._check_version(self._tables())
            return
        with self.transaction():
            tables = self._tables()
            if self._check_version(tables):
                return
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))

    def _tables(self) -> set[str]:
        return {row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}

    def _check_version(self, tables: set[str]) -> bool:
        """True for a runlog store this runlog reads, False for an empty file; else a
        StoreError that says what the file is and what to do."""
        if "meta" in tables:
            row = self._db.execute(
                "SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = row[0] if row else None
            if str(version) != str(SCHEMA_VERSION):
                newer = str(version).isdigit() and int(str(version)) > SCHEMA_VERSION
                advice = ("a newer runlog wrote it: upgrade runlog (pip install -U runlog) to "
                          "use it, or use another --store (it is only a cache of parsed files, "
                          "safe to delete)" if newer else _ADVICE)
                raise StoreError(
                    f"store schema version {version} is not {SCHEMA_VERSION}, the one this "
                    f"runlog reads; {advice}", str(self.path))
            missing = [t for t in _TABLES if t not in tables]
            if missing:
                raise StoreError(f"the store lacks its {', '.join(missing)} table; {_ADVICE}",
                                 str(self.path))
            return True
        if tables:
            raise StoreError(
                f"this SQLite file is not a runlog store (it holds other tables: "
                f"{', '.join(sorted(tables)[:3])}; runlog left it as it was): use another "
                "--store", str(self.path))
        if self.read_only:
            raise StoreError("the store is empty and read-only: runlog can neither read nor "
                             "write it; make it writable, or use another --store",
                             str(self.path))
        return False

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
        with self._damage("looking up a file"):
            row = self._db.execute(
                "SELECT content_hash FROM files WHERE path=? AND member=? AND size=? AND "
                "stamp=?", (path, member, size, stamp)).fetchone()
        return row[0] if row else None

    def fingerprints(self) -> dict[tuple[str, str, int, int], str]:
        """Every remembered fingerprint with its content hash, in one query: a re-import of
        thousands of unchanged files should not cost a round trip each."""
        with self._damage("looking up files"):
            rows = self._db.execute(
                "SELECT path, member, size, stamp, content_hash FROM files").fetchall()
        return {(path, member, size, stamp): content_hash
                for path, member, size, stamp, content_hash in rows}

    def parsed(self, options_key: str) -> set[tuple[str, str]]:
        """(content hash, kind) of every parse stored for these reader options."""
        with self._damage("looking up parses"):
            rows = self._db.execute(
                "SELECT content_hash, kind FROM parses WHERE options_key=?",
                (options_key,)).fetchall()
        return {(content_hash, kind) for content_hash, kind in rows}

    # Parse results ------------------------------------------------------------------------
    def get(self, content_hash: str, options_key: str, kind: str
            ) -> list[Activity | ParseError] | ParseError | None:
        """The stored parse of these bytes: activities, or the refusal; None if unknown (or if
        the stored row cannot be decoded: the file is then parsed again and the row replaced)."""
        return self.get_many([(content_hash, kind)], options_key).get((content_hash, kind))

    #: Content hashes looked up per query by :meth:`get_many` (SQLite allows 999 parameters
    #: in a statement before version 3.32).
    _HASHES_PER_QUERY = 500

    def get_many(self, wanted: Iterable[tuple[str, str]], options_key: str
                 ) -> dict[tuple[str, str], list[Activity | ParseError] | ParseError]:
        """The stored parses of these (content hash, kind) pairs, as :meth:`get` gives each, a
        few hundred to a query: a re-import of thousands of unchanged files should not cost a
        round trip each. Pairs unknown or whose row cannot be decoded are left out."""
        wanted = set(wanted)
        hashes = sorted({content_hash for content_hash, _ in wanted})
        rows: list[tuple[str, str, int, str]] = []
        with self._damage("reading parses"):
            for start in range(0, len(hashes), self._HASHES_PER_QUERY):
                chunk = hashes[start:start + self._HASHES_PER_QUERY]
                rows += self._db.execute(
                    "SELECT content_hash, kind, ok, payload FROM parses WHERE options_key=? "
                    f"AND content_hash IN ({', '.join('?' * len(chunk))})",
                    (options_key, *chunk)).fetchall()
        out: dict[tuple[str, str], list[Activity | ParseError] | ParseError] = {}
        for content_hash, kind, ok, payload in rows:
            if (content_hash, kind) not in wanted:
                continue
            try:
                out[(content_hash, kind)] = self._decode(ok, payload)
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
        return out

    @staticmethod
    def _decode(ok: int, text: str) -> list[Activity | ParseError] | ParseError:
        payload = json.loads(text)
        if not ok:
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
        self._write([
            ("INSERT OR REPLACE INTO parses VALUES (?, ?, ?, ?, ?, ?)",
             (content_hash, options_key, kind, ok, json.dumps(payload), now)),
            ("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", (*fingerprint, content_hash)),
        ])

    def remember_file(self, fingerprint: tuple[str, str, int, int], content_hash: str) -> None:
        self._write([("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                      (*fingerprint, content_hash))])

    #: While writes are deferred: flushed after this many files or seconds, whichever first.
    DEFER_FILES = 64
    DEFER_SECONDS = 0.25

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold this block's writes back and store them :data:`DEFER_FILES` at a time (or
        every :data:`DEFER_SECONDS`), and the rest when the block ends, however it ends.
        Each file's statements stay in one transaction; a write lock is held only while a
        batch is written (a per-file commit made two imports on one store wait for each
        other's locks). Reads meanwhile do not see the held-back writes."""
        if self._pending is not None:  # already deferring
            yield
            return
        self._pending = []
        self._pending_since = time.monotonic()
        try:
            yield
        finally:
            pending, self._pending = self._pending, None
            self._commit(pending)

    def _write(self, statements: list[tuple[str, tuple[object, ...]]]) -> None:
        if self.read_only:
            if any(sql.startswith("INSERT OR REPLACE INTO parses") for sql, _ in statements):
                self.unsaved += 1
            return
        if self._pending is None:
            self._commit([statements])
            return
        self._pending.append(statements)
        if (len(self._pending) >= self.DEFER_FILES
                or time.monotonic() - self._pending_since >= self.DEFER_SECONDS):
            pending, self._pending = self._pending, []
            self._commit(pending)
            self._pending_since = time.monotonic()

    def _commit(self, files: list[list[tuple[str, tuple[object, ...]]]]) -> None:
        if not files:
            return
        with self._damage("storing parses"), self.transaction() as db:
            for statements in files:
                for sql, params in statements:
                    db.execute(sql, params)
        self.committed_files += len(files)

    def counts(self) -> dict[str, int]:
        with self._damage("counting"):
            files = self._db.execute("SELECT count(*) FROM files").fetchone()[0]
            parses = self._db.execute("SELECT count(*) FROM parses").fetchone()[0]
        return {"files": files, "parses": parses}
