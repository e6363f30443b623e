"""Where activity files come from: files, folders, .gz files, .zip archives, Strava exports.

:func:`discover` turns the paths a user gives into :class:`Item`\\ s, one per file to read, each
knowing how to get its bytes and a cheap fingerprint (size and modification time) so the store
can skip unchanged files without reading them. Nothing here writes anywhere: archives are read
in place, members decompressed in memory.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import ParseError, UnsupportedFormat
from . import kind_of

#: A member or .gz file may not decompress past this many bytes (a zip bomb guard).
MAX_DECOMPRESSED_BYTES = 1 << 30

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

    @property
    def fingerprint(self) -> tuple[str, str, int, int]:
        """Cheap identity: changes whenever the bytes may have changed."""
        return (str(self.path), self.member, self.size, self.mtime_ns ^ self.crc)

    def read_bytes(self, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
        """The file's content, decompressed if it is gzipped."""
        try:
            if self.member:
                with zipfile.ZipFile(self.path) as archive:
                    info = archive.getinfo(self.member)
                    if info.file_size > limit:
                        raise ParseError(
                            f"archive member is {info.file_size} bytes uncompressed, over the "
                            f"{limit}-byte limit", self.source)
                    with archive.open(info) as handle:
                        raw = _read_bounded(handle, limit, self.source)
            else:
                raw = self.path.read_bytes()
        except ParseError:
            raise
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as exc:
            raise ParseError(f"cannot read: {exc}", self.source) from exc
        if self.source.lower().endswith(".gz") or raw[:2] == b"\x1f\x8b":
            return gunzip(raw, self.source, limit)
        return raw


def _read_bounded(handle, limit: int, source: str) -> bytes:  # type: ignore[no-untyped-def]
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ParseError(f"decompresses past the {limit}-byte limit", source)
    return data


def gunzip(raw: bytes, source: str, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress gzip data, bounded; a clear ParseError (with offset) when it is damaged."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ParseError(f"damaged gzip data: {exc}", source) from exc
    if len(data) > limit:
        raise ParseError(f"decompresses past the {limit}-byte limit", source)
    if not decompressor.eof:
        raise ParseError("gzip data ends early (truncated file)", source, offset=len(raw))
    return data


@dataclass
class Discovery:
    items: list[Item]
    problems: list[ParseError]
    ignored: int = 0  # files passed over on purpose (unknown kinds, export side files)


def _is_junk(name: str) -> bool:
    base = PurePosixPath(name).name
    return name.startswith("__MACOSX/") or base.startswith("._") or base.startswith(".")


def discover(paths: list[str | os.PathLike[str]]) -> Discovery:
    """Every readable file under ``paths``, in a stable order, with problems for the rest."""
    result = Discovery(items=[], problems=[])
    seen: set[tuple[str, str]] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for item in _walk_folder(path, result):
                _add(result, seen, item)
        elif path.is_file():
            if zipfile.is_zipfile(path) and path.suffix.lower() == ".zip":
                for item in _walk_zip(path, result):
                    _add(result, seen, item)
                continue
            kind = kind_of(path.name)
            if kind is None:
                result.problems.append(UnsupportedFormat(
                    "not a file runlog reads (expected .fit, .gpx, .tcx, .csv, .gz or .zip)",
                    str(path)))
                continue
            _add(result, seen, _file_item(path, kind, export_root=None))
        elif path.exists():
            result.problems.append(ParseError("not a regular file or folder", str(path)))
        else:
            result.problems.append(ParseError("no such file or folder", str(path)))
    return result


def _add(result: Discovery, seen: set[tuple[str, str]], item: Item) -> None:
    key = (str(item.path.resolve()), item.member)
    if key not in seen:
        seen.add(key)
        result.items.append(item)


def _file_item(path: Path, kind: str, export_root: str | None) -> Item:
    stat = path.stat()
    return Item(source=str(path), kind=kind, path=path, size=stat.st_size,
                mtime_ns=stat.st_mtime_ns, export_root=export_root)


def _is_strava_export(folder: Path) -> bool:
    return (folder / "activities.csv").is_file() and (folder / "activities").is_dir()


def _walk_folder(root: Path, result: Discovery) -> Iterator[Item]:
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        here = Path(folder)
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__MACOSX"]
        if _is_strava_export(here):
            # In a Strava export only activities.csv and activities/ hold activities; the
            # other ~40 files (profile, comments, media...) are not ours to read.
            export_root = str(here)
            yield _file_item(here / "activities.csv", "csv", export_root)
            result.ignored += sum(1 for name in filenames if name != "activities.csv")
            for sub, subdirs, subfiles in os.walk(here / "activities", followlinks=False):
                subdirs.sort()
                for name in sorted(subfiles):
                    yield from _classify(Path(sub) / name, result, export_root)
            dirnames[:] = []
            continue
        for name in sorted(filenames):
            yield from _classify(here / name, result, None)


def _classify(path: Path, result: Discovery, export_root: str | None) -> Iterator[Item]:
    if _is_junk(path.name) or path.is_symlink() or not path.is_file():
        result.ignored += 1
        return
    if path.suffix.lower() == ".zip":
        yield from _walk_zip(path, result)
        return
    kind = kind_of(path.name)
    if kind is None:
        result.ignored += 1
        return
    yield _file_item(path, kind, export_root)


def _walk_zip(path: Path, result: Discovery) -> Iterator[Item]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except (OSError, zipfile.BadZipFile) as exc:
        result.problems.append(ParseError(f"not a readable zip archive: {exc}", str(path)))
        return
    stat = path.stat()
    names = {i.filename for i in infos}
    export_roots = {
        name[: -len("activities.csv")]
        for name in names
        if PurePosixPath(name).name == "activities.csv"
        and any(n.startswith(name[: -len("activities.csv")] + "activities/") for n in names)
    }
    for info in sorted(infos, key=lambda i: i.filename):
        name = info.filename
        if _is_junk(name):
            result.ignored += 1
            continue
        root = next((r for r in export_roots if name.startswith(r)), None)
        if root is not None and name != root + "activities.csv" and not name.startswith(
                root + "activities/"):
            result.ignored += 1
            continue
        if name.lower().endswith(".zip"):
            result.problems.append(UnsupportedFormat(
                "an archive inside an archive is not read: unpack the outer one first",
                f"{path}!{name}"))
            continue
        kind = kind_of(name)
        if kind is None:
            result.ignored += 1
            continue
        yield Item(source=f"{path}!{name}", kind=kind, path=path, member=name,
                   size=info.compress_size, mtime_ns=stat.st_mtime_ns, crc=info.CRC,
                   export_root=f"{path}!{root}" if root is not None else None)


def linked_source(export_root: str, linked_file: str) -> str:
    """The source name of a file an export's activities.csv points to."""
    if "!" in export_root:
        return export_root + linked_file.lstrip("/")
    return str(Path(export_root) / linked_file)
