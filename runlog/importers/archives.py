"""Where activity files come from: files, folders, .gz files, .zip archives, Strava exports.

:func:`discover` turns the paths a user gives into :class:`Item`\\ s, one per file to read, each
knowing how to get its bytes and a cheap fingerprint (size and modification time) so the store
can skip unchanged files without reading them. Nothing here writes anywhere: archives are read
in place, members decompressed in memory, never extracted.

Archives come from other people (a coach gets zips from athletes), so a member is refused, with
the reason, when its name is absolute or climbs out with ``..``, when it is a symbolic link, an
archive itself, encrypted, or compressed in a way zipfile cannot read, and when it would
decompress past ``max_bytes`` (default :data:`MAX_DECOMPRESSED_BYTES`) or to more than
:data:`MAX_RATIO` times its compressed size. An archive whose members overlap (the
"better zip bomb") or that holds more than :data:`MAX_MEMBERS` entries is refused whole.
"""

from __future__ import annotations

import itertools
import lzma
import os
import stat
import threading
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from ..errors import ParseError, UnsupportedFormat
from . import kind_of

#: A file or member may not decompress past this many bytes (a zip bomb guard); pass
#: ``max_bytes`` to :func:`discover` for another bound.
MAX_DECOMPRESSED_BYTES = 1 << 30
#: Activity files compress about 3:1 (FIT) to 35:1 (TCX); past this ratio the data is a bomb,
#: not an activity...
MAX_RATIO = 200
#: ...once it is past this size (small files may be as repetitive as they like).
RATIO_FLOOR_BYTES = 16 << 20
#: A Strava export of ten years of daily runs holds about 5 000 entries.
MAX_MEMBERS = 100_000
_CHUNK = 1 << 20
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
#: What a damaged archive may raise while a member is read.
_DAMAGE = (OSError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, RuntimeError,
           NotImplementedError, ValueError)

#: Junk that archives and file managers leave behind.
_JUNK_PREFIXES = ("__MACOSX/", "._", ".")


@dataclass(frozen=True)
class Item:
    """One file to read: a plain file, or a member of a zip archive."""

    source: str  # what to call it: a path, or "archive.zip!member"
    kind: str  # fit, gpx, tcx or csv
    path: Path  # the file on disk (the archive, for a member)
    member: str = ""  # the member's name inside the archive
    size: int = 0  # bytes on disk (for a member: its compressed size and CRC below)
    mtime_ns: int = 0
    crc: int = 0
    #: the folder (or archive prefix) of a Strava export this file belongs to
    export_root: str | None = None
    #: bytes the file may decompress to
    max_bytes: int = MAX_DECOMPRESSED_BYTES

    @property
    def fingerprint(self) -> tuple[str, str, int, int]:
        """Cheap identity: changes whenever the bytes may have changed."""
        return (str(self.path), self.member, self.size, self.mtime_ns ^ self.crc)

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The file's content, decompressed if it is gzipped; at most ``limit`` bytes
        (default: the item's ``max_bytes``)."""
        limit = self.max_bytes if limit is None else limit
        try:
            if self.member:
                archive = _open_zip(self.path, self.mtime_ns)
                info = archive.getinfo(self.member)
                _check_declared(info, limit, self.source)
                with archive.open(info) as handle:
                    raw = _read_bounded(handle, limit, info.compress_size, self.source)
            else:
                with self.path.open("rb") as handle:
                    size = os.fstat(handle.fileno()).st_size
                    if size > limit:
                        raise ParseError(f"file is {size} bytes, over the {limit}-byte limit",
                                         self.source)
                    raw = _read_bounded(handle, limit, None, self.source)
        except ParseError:
            raise
        except _DAMAGE as exc:
            raise ParseError(f"cannot read: {exc}", self.source) from exc
        if self.source.lower().endswith(".gz") or raw[:2] == b"\x1f\x8b":
            return gunzip(raw, self.source, limit)
        return raw


    def chunks(self, size: int = _CHUNK * 8) -> Iterator[bytes]:
        """The file's content a chunk at a time, never held whole (for a reader that streams:
        an Apple Health export's XML is gigabytes). A zip member is bounded by
        :data:`MAX_RATIO` and by :data:`MAX_STREAMED_BYTES` (or ``max_bytes`` when larger):
        what is streamed is not kept, so the bound is on the work, not on memory."""
        limit = max(self.max_bytes, MAX_STREAMED_BYTES)
        try:
            if self.member:
                archive = _open_zip(self.path, self.mtime_ns)
                info = archive.getinfo(self.member)
                _check_declared(info, limit, self.source)
                handle: IO[bytes] = archive.open(info)
                compressed: int | None = info.compress_size
            else:
                handle = self.path.open("rb")
                compressed = None
            with handle:
                total = 0
                while True:
                    chunk = handle.read(size)
                    if not chunk:
                        return
                    total += len(chunk)
                    _check_growth(total, limit, compressed, self.source)
                    yield chunk
        except ParseError:
            raise
        except _DAMAGE as exc:
            raise ParseError(f"cannot read: {exc}", self.source) from exc


#: Bytes a streamed file may hold (a real Apple Health export.xml is 1-3 GB).
MAX_STREAMED_BYTES = 16 << 30

#: Open archives by (path, mtime, process): reopening a zip parses its whole directory, so a
#: member-by-member read of a 20 000-entry archive would take hours. The process id keeps a
#: forked worker off its parent's file offset.
_OPEN_ZIPS: dict[tuple[str, int, int], zipfile.ZipFile] = {}
_OPEN_ZIPS_LOCK = threading.Lock()
_OPEN_ZIPS_KEPT = 4


def _open_zip(path: Path, mtime_ns: int) -> zipfile.ZipFile:
    key = (str(path), mtime_ns, os.getpid())
    with _OPEN_ZIPS_LOCK:
        archive = _OPEN_ZIPS.get(key)
        if archive is None:
            archive = zipfile.ZipFile(path)
            while len(_OPEN_ZIPS) >= _OPEN_ZIPS_KEPT:
                # Not closed here: another thread may be reading from it; it closes when the
                # last reference goes.
                del _OPEN_ZIPS[next(iter(_OPEN_ZIPS))]
            _OPEN_ZIPS[key] = archive
        return archive


def _check_declared(info: zipfile.ZipInfo, limit: int, source: str) -> None:
    """Refuse a member whose own header says it is too big, before decompressing it."""
    if info.file_size > limit:
        raise ParseError(f"archive member is {info.file_size} bytes uncompressed, over the "
                         f"{limit}-byte limit", source)
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1):
        raise ParseError(f"archive member would decompress {info.file_size} bytes from "
                         f"{info.compress_size} (over {MAX_RATIO}:1): a decompression bomb, "
                         "not read", source)


def _read_bounded(handle: IO[bytes], limit: int, compressed: int | None, source: str) -> bytes:
    """Read ``handle`` a chunk at a time, refusing past ``limit`` bytes or, for compressed
    data of ``compressed`` bytes, past :data:`MAX_RATIO` times that."""
    data = bytearray()
    while True:
        chunk = handle.read(_CHUNK)
        if not chunk:
            return bytes(data)
        data += chunk
        _check_growth(len(data), limit, compressed, source)


def _check_growth(size: int, limit: int, compressed: int | None, source: str) -> None:
    if size > limit:
        raise ParseError(f"decompresses past the {limit}-byte limit", source)
    if compressed is not None and size > RATIO_FLOOR_BYTES and size > MAX_RATIO * max(
            compressed, 1):
        raise ParseError(f"decompresses to over {MAX_RATIO} times its {compressed} compressed "
                         "bytes: a decompression bomb, not read", source)


def gunzip(raw: bytes, source: str, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress gzip data, bounded (see :func:`_check_growth`); a clear ParseError (with
    offset) when it is damaged."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = bytearray()
    pending = raw
    try:
        while pending and not decompressor.eof:
            data += decompressor.decompress(pending, _CHUNK)
            pending = decompressor.unconsumed_tail
            _check_growth(len(data), limit, len(raw), source)
        if not decompressor.eof:
            data += decompressor.flush()
            _check_growth(len(data), limit, len(raw), source)
    except zlib.error as exc:
        raise ParseError(f"damaged gzip data: {exc}", source) from exc
    if not decompressor.eof:
        raise ParseError("gzip data ends early (truncated file)", source, offset=len(raw))
    return bytes(data)


@dataclass
class Discovery:
    items: list[Item]
    problems: list[ParseError]
    ignored: int = 0  # files passed over on purpose (unknown kinds, export side files)


def _is_junk(name: str) -> bool:
    base = PurePosixPath(name).name
    return name.startswith("__MACOSX/") or base.startswith(("._", "."))


def discover(paths: Sequence[str | os.PathLike[str]], *,
             max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Discovery:
    """Every readable file under ``paths``, in a stable order, with problems for the rest.

    ``max_bytes`` bounds what one file or archive member may decompress to.
    """
    result = Discovery(items=[], problems=[])
    seen: set[tuple[str, str]] = set()
    folders: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for item in _walk_folder(path, result, max_bytes):
                _add(result, seen, item, folders)
        elif path.is_file():
            if path.suffix.lower() == ".zip":
                for item in _walk_zip(path, result, max_bytes):
                    _add(result, seen, item, folders)
                continue
            kind = kind_of(path.name) or _sniffed_kind(path, given=True)
            if kind is None:
                result.problems.append(UnsupportedFormat(
                    "not a file runlog reads (expected .fit, .gpx, .tcx, .csv, .gz, .zip, an "
                    "Apple Health export's XML or a Polar .json)", str(path)))
                continue
            _add(result, seen, _file_item(path, kind, None, max_bytes), folders)
        elif path.exists():
            result.problems.append(ParseError("not a regular file or folder", str(path)))
        else:
            result.problems.append(ParseError("no such file or folder", str(path)))
    return result


def _add(result: Discovery, seen: set[tuple[str, str]], item: Item,
         folders: dict[str, str]) -> None:
    key = (_resolved(item.path, folders), item.member)
    if key not in seen:
        seen.add(key)
        result.items.append(item)


def _resolved(path: Path, folders: dict[str, str]) -> str:
    """``str(path.resolve())``: a file that is no link is its folder's resolved path and its
    name, and a folder's thousands of files resolve the folder once (``folders``, kept for
    one discovery; a full resolve looks at every folder up to the root, a third of an
    unchanged import's time)."""
    if os.path.islink(path):
        return str(path.resolve())
    parent = str(path.parent)
    if parent not in folders:
        folders[parent] = str(Path(parent).resolve())
    return os.path.join(folders[parent], path.name)


def _file_item(path: Path, kind: str, export_root: str | None, max_bytes: int,
               info: os.stat_result | None = None) -> Item:
    if info is None:
        info = path.stat()
    return Item(source=str(path), kind=kind, path=path, size=info.st_size,
                mtime_ns=info.st_mtime_ns, export_root=export_root, max_bytes=max_bytes)


def _is_strava_export(folder: Path) -> bool:
    return (folder / "activities.csv").is_file() and (folder / "activities").is_dir()


def _walk_folder(root: Path, result: Discovery, max_bytes: int) -> Iterator[Item]:
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        here = Path(folder)
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__MACOSX"]
        if _is_strava_export(here):
            # In a Strava export only activities.csv and activities/ hold activities; the
            # other ~40 files (profile, comments, media...) are not ours to read.
            export_root = str(here)
            yield _file_item(here / "activities.csv", "csv", export_root, max_bytes)
            result.ignored += sum(1 for name in filenames if name != "activities.csv")
            for sub, subdirs, subfiles in os.walk(here / "activities", followlinks=False):
                subdirs.sort()
                for name in sorted(subfiles):
                    yield from _classify(Path(sub) / name, result, export_root, max_bytes)
            dirnames[:] = []
            continue
        apple = [name for name in sorted(filenames)
                 if name.lower().endswith(".xml") and _sniffed_kind(here / name) == APPLE]
        if apple:
            # An unpacked Apple Health export: its main XML names the route files it needs,
            # and the rest of the folder (clinical XML, ECG CSVs, routes) is not activities.
            for name in apple:
                yield _file_item(here / name, APPLE, None, max_bytes)
            for side in [d for d in dirnames if d in APPLE_SIDE_FOLDERS]:
                result.ignored += sum(len(files) for _, _, files in os.walk(here / side))
            dirnames[:] = [d for d in dirnames if d not in APPLE_SIDE_FOLDERS]
            filenames = [n for n in filenames if n not in apple]
        for name in sorted(filenames):
            yield from _classify(here / name, result, None, max_bytes)


#: Sub-folders of an Apple Health export that its main XML reads (routes) or that hold no
#: workouts.
APPLE_SIDE_FOLDERS = ("workout-routes", "electrocardiograms", "clinical-records")
APPLE = "apple-health"
POLAR = "polar"
#: Polar Flow names a workout file so; its other files (activity-*, account-*, sleep...) are
#: not workouts.
POLAR_SESSION = "training-session-"


def _sniffed_kind(path: Path, *, given: bool = False) -> str | None:
    """The kind of a file that its extension does not tell: an Apple Health export's XML
    (any name), a Polar ``training-session-*.json`` (any ``.json`` when the user named the file
    itself); None otherwise."""
    lowered = path.name.lower()
    if lowered.endswith(".json"):
        return POLAR if given or POLAR_SESSION in lowered else None
    if not lowered.endswith(".xml"):
        return None
    from .apple import SNIFF_BYTES, sniff

    try:
        with path.open("rb") as handle:
            return APPLE if sniff(handle.read(SNIFF_BYTES)) else None
    except OSError:
        return None


def _sniffed_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """:func:`_sniffed_kind` for an archive member."""
    lowered = info.filename.lower()
    if lowered.endswith(".json"):
        return POLAR if POLAR_SESSION in PurePosixPath(lowered).name else None
    if not lowered.endswith(".xml") or _unreadable_member(info):
        return None
    from .apple import SNIFF_BYTES, sniff

    try:
        with archive.open(info) as handle:
            return APPLE if sniff(handle.read(SNIFF_BYTES)) else None
    except _DAMAGE:
        return None


def _classify(path: Path, result: Discovery, export_root: str | None, max_bytes: int
              ) -> Iterator[Item]:
    # Symbolic links are passed over: one could lead anywhere on the machine. (For what is no
    # link, lstat is stat: one call tells both, and gives the size and time.)
    try:
        info = None if _is_junk(path.name) else path.lstat()
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        result.ignored += 1
        return
    if path.suffix.lower() == ".zip":
        yield from _walk_zip(path, result, max_bytes)
        return
    kind = kind_of(path.name) or _sniffed_kind(path)
    if kind is None:
        result.ignored += 1
        return
    yield _file_item(path, kind, export_root, max_bytes, info)


def _walk_zip(path: Path, result: Discovery, max_bytes: int) -> Iterator[Item]:
    try:
        info_on_disk = path.stat()
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            _check_archive(infos, str(path))
            sniffed = {i.filename: kind for i in infos
                       if not _climbs_out(i.filename) and not _is_junk(i.filename)
                       and (kind := _sniffed_member(archive, i)) is not None}
    except ParseError as exc:
        result.problems.append(exc)
        return
    except _DAMAGE as exc:
        result.problems.append(ParseError(f"not a readable zip archive: {exc}", str(path)))
        return
    names = {i.filename for i in infos}
    export_roots = {
        name[: -len("activities.csv")]
        for name in names
        if PurePosixPath(name).name == "activities.csv"
        and any(n.startswith(name[: -len("activities.csv")] + "activities/") for n in names)
    }
    # An Apple Health export's folder inside the archive: its routes are read by its XML.
    apple_sides = tuple(
        f"{str(PurePosixPath(name).parent) + '/' if '/' in name else ''}{side}/"
        for name, kind in sniffed.items() if kind == APPLE for side in APPLE_SIDE_FOLDERS)
    for info in sorted(infos, key=lambda i: i.filename):
        name = info.filename
        if _climbs_out(name):
            result.problems.append(UnsupportedFormat(
                "a member whose name is absolute or climbs out with '..' is not read",
                f"{path}!{name}"))
            continue
        if _is_junk(name):
            result.ignored += 1
            continue
        root = next((r for r in export_roots if name.startswith(r)), None)
        if root is not None and name != root + "activities.csv" and not name.startswith(
                root + "activities/"):
            result.ignored += 1
            continue
        unreadable = _unreadable_member(info)
        if unreadable:
            result.problems.append(UnsupportedFormat(unreadable, f"{path}!{name}"))
            continue
        if name.startswith(apple_sides) if apple_sides else False:
            result.ignored += 1
            continue
        kind = kind_of(name) or sniffed.get(name)
        if kind is None:
            result.ignored += 1
            continue
        yield Item(source=f"{path}!{name}", kind=kind, path=path, member=name,
                   size=info.compress_size, mtime_ns=info_on_disk.st_mtime_ns, crc=info.CRC,
                   export_root=f"{path}!{root}" if root is not None else None,
                   max_bytes=max_bytes)


def _check_archive(infos: list[zipfile.ZipInfo], source: str) -> None:
    """Refuse an archive with too many entries, or whose entries share compressed data."""
    if len(infos) > MAX_MEMBERS:
        raise ParseError(f"archive holds {len(infos)} entries, more than the {MAX_MEMBERS} "
                         "runlog reads", source)
    # Each member's local header (30 bytes and its name) and data must end before the next
    # one starts; overlapping members let a few KB stand for terabytes.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for this, following in itertools.pairwise(ordered):
        # zipfile decodes names as UTF-8 when flag 0x800 says so, else as cp437
        encoding = "utf-8" if this.flag_bits & 0x800 else "cp437"
        name_bytes = len(this.orig_filename.encode(encoding, errors="replace"))
        if this.header_offset + 30 + name_bytes + this.compress_size > following.header_offset:
            raise ParseError(f"archive members {this.filename!r} and {following.filename!r} "
                             "overlap: a decompression bomb, not read", source)


def _climbs_out(name: str) -> bool:
    """True for a member name that, extracted, would land outside the folder: absolute, with
    a drive, or with a '..' part (either slash)."""
    parts = PureWindowsPath(name).parts if "\\" in name else PurePosixPath(name).parts
    return name.startswith(("/", "\\")) or bool(PureWindowsPath(name).drive) or ".." in parts


def _unreadable_member(info: zipfile.ZipInfo) -> str | None:
    """Why a member is not read, or None when it may be."""
    name = info.filename
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link inside an archive is not read"
    if name.lower().endswith(".zip"):
        return "an archive inside an archive is not read: unpack the outer one first"
    if info.flag_bits & 0x1:
        return "an encrypted archive member is not read"
    if info.compress_type not in _ZIP_METHODS:
        return f"archive member compressed with method {info.compress_type}, which runlog " \
               "cannot read"
    return None


def linked_source(export_root: str, linked_file: str) -> str:
    """The source name of a file an export's activities.csv points to."""
    if "!" in export_root:
        return export_root + linked_file.lstrip("/")
    return str(Path(export_root) / linked_file)
