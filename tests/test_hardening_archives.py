"""Hostile archives (issue 6): members named ``../`` or absolute, symbolic links, archives in
archives, members that decompress past the bound (1 GiB by default, ``max_bytes`` to change it)
or at a bomb's ratio, overlapping members, encrypted and unknown compression, damaged zips.
Each is refused with a reason or read safely, in memory: an audit hook proves nothing is
written anywhere while they are read.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hardening import (
    TALLY,
    Sandbox,
    deep_run,
    discover_and_read,
    report_at_end,
    snapshot,
    watch_writes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runlog
from runlog.importers import archives
from runlog.importers.archives import discover

GPX = (b'<?xml version="1.0"?><gpx version="1.1" creator="t" '
       b'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
       b'<trkpt lat="46.0" lon="14.0"><time>2024-03-01T07:00:00Z</time></trkpt>'
       b'<trkpt lat="46.0018" lon="14.0"><time>2024-03-01T07:01:00Z</time></trkpt>'
       b'<trkpt lat="46.0036" lon="14.0"><time>2024-03-01T07:02:00Z</time></trkpt>'
       b"</trkseg></trk></gpx>")
MiB = 1 << 20


# --- building archives byte by byte -----------------------------------------------------------


def local_header(name: bytes, data: bytes, *, method: int = 0, flags: int = 0) -> bytes:
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 0, zlib.crc32(data),
                       len(data), len(data), len(name), 0) + name


def central_entry(name: bytes, data: bytes, offset: int, *, method: int = 0,
                  flags: int = 0) -> bytes:
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, 0, 0,
                       zlib.crc32(data), len(data), len(data), len(name), 0, 0, 0, 0, 0,
                       offset) + name


def raw_zip(entries: list[tuple[bytes, bytes, int]], body: bytes, **kw: int) -> bytes:
    """``body`` (local headers and data) followed by a central directory of ``entries``
    (name, data, offset of its local header)."""
    directory = b"".join(central_entry(n, d, o, **kw) for n, d, o in entries)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), len(body), 0)
    return body + directory + end


def stored_zip(name: bytes, data: bytes, **kw: int) -> bytes:
    return raw_zip([(name, data, 0)], local_header(name, data, **kw) + data, **kw)


def overlapping_zip() -> bytes:
    """The "better zip bomb" shape: b.gpx's local header and data sit inside a.gpx's data."""
    inner = local_header(b"b.gpx", GPX) + GPX
    outer = local_header(b"a.gpx", inner) + inner
    return raw_zip([(b"a.gpx", inner, 0), (b"b.gpx", GPX, 30 + len(b"a.gpx"))], outer)


def zip_of(members: dict[str | zipfile.ZipInfo, bytes], **kw: Any) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **kw) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix, so external_attr carries the file mode
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def lying_size(data: bytes, declared: int) -> bytes:
    """A one-member zip whose headers claim ``declared`` uncompressed bytes."""
    out = bytearray(data)
    struct.pack_into("<L", out, 22, declared)  # local header
    central = out.rindex(b"PK\x01\x02")
    struct.pack_into("<L", out, central + 24, declared)
    return bytes(out)


def zeros_zip(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("bomb.fit", "w") as member:
        for _ in range(size // MiB):
            member.write(bytes(MiB))
    return buffer.getvalue()


# --- the hostile collection ----------------------------------------------------------------------

@functools.cache
def hostile_files() -> dict[str, tuple[bytes, str | None]]:
    """File name -> (its bytes, the reason's words, or None when it is read safely)."""
    return {
        "dotdot.zip": (zip_of({"../../evil.gpx": GPX}), "climbs out with '..'"),
        "absolute.zip": (zip_of({"/tmp/runlog-evil.gpx": GPX}), "absolute"),
        "windows-dotdot.zip": (zip_of({"..\\..\\evil.gpx": GPX}), "climbs out with '..'"),
        "drive.zip": (zip_of({"C:/Windows/evil.gpx": GPX}), "absolute"),
        "symlink.zip": (zip_of({symlink_info("run.gpx"): b"/etc/passwd"}), "symbolic link"),
        "nested.zip": (zip_of({"inner.zip": zip_of({"run.gpx": GPX})}), "archive inside"),
        "encrypted.zip": (stored_zip(b"run.gpx", GPX, flags=0x1), "encrypted"),
        "method-99.zip": (stored_zip(b"run.gpx", GPX, method=99), "method 99"),
        "overlap.zip": (overlapping_zip(), "overlap"),
        "declared-huge.zip": (lying_size(zip_of({"run.gpx": GPX}), 0xFFFF_FFF0), "limit"),
        "declared-small.zip": (lying_size(zip_of({"run.gpx": GPX * 20}), 100), "CRC"),
        "ratio-bomb.zip": (zeros_zip(32 * MiB), "decompression bomb"),
        "bomb.fit.gz": (gzip.compress(bytes(32 * MiB)), "decompression bomb"),
        "lying-isize.gpx.gz": (gzip.compress(GPX)[:-4] + struct.pack("<L", 1 << 30),
                               "damaged gzip"),
        "truncated.gpx.gz": (gzip.compress(GPX * 50)[:-30], "truncated"),
        "not-a-zip.zip": (b"PK\x03\x04 this is no archive", "not a readable zip"),
        # read safely: these decompress (once) in memory and go to their reader
        "gz-in-zip.zip": (zip_of({"runs/1.gpx.gz": gzip.compress(GPX)}), None),
        "zip-named-fit.zip": (zip_of({"run.fit": zip_of({"x.gpx": GPX})}), None),
        "gz-in-gz.fit.gz": (gzip.compress(gzip.compress(b".FIT" * 10)), None),
        "streamed.zip": (_streamed_zip(), None),
    }


def _streamed_zip() -> bytes:
    """A zip written to a pipe: data descriptors after each member (not an overlap)."""
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            self.buffer += data
            return len(data)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(3):
            with archive.open(f"runs/{n}.gpx", "w") as member:
                member.write(GPX)
    return bytes(sink.buffer)


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "inbox"
    folder.mkdir()
    for name, (data, _) in hostile_files().items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    report_at_end(request.config)
    box = Sandbox(memory_bytes=512 * MiB)
    yield box
    box.close()


def run(box: Sandbox, paths: list[Path], label: str, **kw: Any) -> dict[str, Any]:
    import json

    outcome = box.run(discover_and_read, [str(p) for p in paths], *kw.values())
    TALLY.add(label, outcome)
    assert outcome.ok, f"{outcome.kind}: {outcome.detail}"
    return json.loads(outcome.detail)


@pytest.mark.parametrize("name", list(hostile_files()))
def test_each_hostile_archive_is_refused_with_its_reason_or_read_safely(
        sandbox: Sandbox, hostile_dir: Path, name: str) -> None:
    _, words = hostile_files()[name]
    result = run(sandbox, [hostile_dir / name], "archives (hostile)")
    if words is None:
        assert result["read"] and not result["refused"], result
    else:
        assert not result["read"], result
        reasons = " | ".join(result["refused"].values())
        assert words in reasons, reasons


def test_read_safely_means_decompressed_once(hostile_dir: Path) -> None:
    (member,) = discover([hostile_dir / "gz-in-zip.zip"]).items
    assert member.read_bytes() == GPX
    (double,) = discover([hostile_dir / "gz-in-gz.fit.gz"]).items
    assert gzip.decompress(double.read_bytes()) == b".FIT" * 10  # the inner gzip stays shut


def test_the_bound_is_configurable(tmp_path: Path) -> None:
    noise = os.urandom(2 * MiB)  # does not compress: no ratio guard, only the bound
    (tmp_path / "big.fit").write_bytes(noise)
    (tmp_path / "big.zip").write_bytes(zip_of({"big.fit": noise}))
    (tmp_path / "big.fit.gz").write_bytes(gzip.compress(noise))
    default = [item.read_bytes() for item in discover([tmp_path]).items]
    assert [len(d) for d in default] == [2 * MiB] * 3
    for item in discover([tmp_path], max_bytes=MiB).items:
        with pytest.raises(runlog.RunlogError, match=f"over the {MiB}-byte limit|past the "
                           f"{MiB}-byte limit") as info:
            item.read_bytes()
        assert info.value.path == item.source
    assert archives.MAX_DECOMPRESSED_BYTES == 1 << 30


def test_an_archive_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(zip_of({f"runs/{n}.gpx": GPX for n in range(30)}))
    with mock.patch.object(archives, "MAX_MEMBERS", 20):
        found = discover([path])
    assert found.items == []
    assert "30 entries, more than the 20" in str(found.problems[0])


def test_an_archive_is_opened_once_however_many_members(tmp_path: Path) -> None:
    """Reopening per member parses the whole directory each time: 20 000 tiny members took
    hours. Now a 2 000-member archive is opened once for its listing and once for reading."""
    path = tmp_path / "export.zip"
    path.write_bytes(zip_of({f"runs/{n}.gpx": GPX for n in range(2000)}))
    real = zipfile.ZipFile
    with mock.patch.object(archives.zipfile, "ZipFile", side_effect=real) as opened:
        items = discover([path]).items
        assert all(item.read_bytes() == GPX for item in items)
    assert len(items) == 2000
    assert opened.call_count == 2


# --- nothing is written ----------------------------------------------------------------------

def test_the_write_watch_sees_writes(tmp_path: Path) -> None:
    """The proof below could fail: a write, a new folder and a subprocess are all seen."""
    with watch_writes() as seen:
        (tmp_path / "x.txt").write_text("x")
        (tmp_path / "d").mkdir()
    assert any("x.txt" in s for s in seen) and any("os.mkdir" in s for s in seen)


def test_reading_hostile_archives_writes_nothing_anywhere(hostile_dir: Path) -> None:
    """The whole collection through runlog.load (no store): every refusal is reported and
    not one byte is written, in the inbox, beside it, or anywhere else."""
    runlog.load([hostile_dir / "gz-in-zip.zip"])  # imports and caches warmed, outside the watch
    around = hostile_dir.parent
    before = snapshot(around)
    with watch_writes() as seen:  # one process (jobs=1), so the audit hook sees every step
        loaded = runlog.load([hostile_dir], jobs=1)
    assert seen == []
    assert snapshot(around) == before
    assert not Path("/tmp/runlog-evil.gpx").exists()
    refused = {str(p.path)[len(str(hostile_dir)) + 1:].split("!")[0] for p in loaded.skipped}
    assert refused >= {name for name, (_, words) in hostile_files().items() if words}


# --- damaged zips, at random ------------------------------------------------------------------

SEED_ZIP = zip_of({"export/activities.csv": b"Activity ID,Activity Date,Filename\n",
                   "export/activities/1.gpx.gz": gzip.compress(GPX),
                   "runs/2.gpx": GPX, "runs/3.tcx": b"<TrainingCenterDatabase/>"})


@settings(max_examples=300 if not deep_run() else int(os.environ["RUNLOG_FUZZ_EXAMPLES"]),
          deadline=None, derandomize=not deep_run(), database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(flips=st.lists(st.tuples(st.integers(0, len(SEED_ZIP) - 1), st.integers(1, 255)),
                      min_size=1, max_size=12),
       cut=st.none() | st.integers(0, len(SEED_ZIP)))
def test_damaged_zips_are_refused_or_read(sandbox: Sandbox, tmp_path_factory: Any,
                                          flips: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(SEED_ZIP)
    for at, xor in flips:
        data[at] ^= xor
    path = tmp_path_factory.getbasetemp() / "damaged.zip"
    path.write_bytes(bytes(data[:cut]))
    run(sandbox, [path], "zip (damaged)")
