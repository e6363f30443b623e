"""Finding files: folders, .gz, zips, Strava export layouts, junk left by archivers."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from runlog.errors import ParseError
from runlog.importers.archives import discover, gunzip


def make_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_folder_walk_is_recursive_sorted_and_skips_junk(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        "b/run.FIT": b"x", "a/walk.gpx": b"x", "a/notes.txt": b"x", "a/.hidden.gpx": b"x",
        "__MACOSX/a/._walk.gpx": b"x", "c/ride.tcx.gz": gzip.compress(b"x"),
    })
    found = discover([tmp_path])
    assert [Path(i.source).relative_to(tmp_path).as_posix() for i in found.items] == [
        "a/walk.gpx", "b/run.FIT", "c/ride.tcx.gz"]
    assert [i.kind for i in found.items] == ["gpx", "fit", "tcx"]
    assert found.ignored == 2  # notes.txt and the hidden file
    assert found.problems == []


def test_gz_member_is_decompressed(tmp_path: Path) -> None:
    make_tree(tmp_path, {"run.gpx.gz": gzip.compress(b"<gpx/>")})
    (item,) = discover([tmp_path]).items
    assert item.read_bytes() == b"<gpx/>"


def test_truncated_gz_is_a_clear_error_with_offset(tmp_path: Path) -> None:
    data = gzip.compress(b"<gpx>" + b"x" * 5000 + b"</gpx>")[:-20]
    with pytest.raises(ParseError, match="truncated") as info:
        gunzip(data, "run.gpx.gz")
    assert info.value.offset == len(data)
    assert "run.gpx.gz" in str(info.value)


def test_gz_bomb_is_refused(tmp_path: Path) -> None:
    data = gzip.compress(b"\0" * (2 << 20))
    with pytest.raises(ParseError, match="limit"):
        gunzip(data, "bomb.fit.gz", limit=1 << 20)


def test_zip_members_are_named_archive_bang_member(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("runs/1.gpx", b"<gpx/>")
        zf.writestr("__MACOSX/runs/._1.gpx", b"junk")
        zf.writestr("inner.zip", b"PK")
        zf.writestr("readme.txt", b"hi")
    found = discover([archive])
    assert [i.source for i in found.items] == [f"{archive}!runs/1.gpx"]
    assert found.items[0].read_bytes() == b"<gpx/>"
    assert len(found.problems) == 1 and "archive inside an archive" in str(found.problems[0])


def test_strava_export_folder_reads_only_activities(tmp_path: Path) -> None:
    make_tree(tmp_path / "export", {
        "activities.csv": b"Activity ID\n", "activities/1.fit.gz": gzip.compress(b"x"),
        "activities/2.gpx": b"x", "bikes.csv": b"Bike Name\n", "profile.csv": b"x",
        "media/a.jpg": b"x",
    })
    found = discover([tmp_path])
    names = [Path(i.source).relative_to(tmp_path / "export").as_posix() for i in found.items]
    assert names == ["activities.csv", "activities/1.fit.gz", "activities/2.gpx"]
    assert {i.export_root for i in found.items} == {str(tmp_path / "export")}
    assert found.ignored == 2  # bikes.csv and profile.csv; media/ is never walked


def test_zipped_strava_export_with_top_folder(tmp_path: Path) -> None:
    archive = tmp_path / "strava.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("export_1/activities.csv", b"Activity ID\n")
        zf.writestr("export_1/activities/9.fit.gz", gzip.compress(b"x"))
        zf.writestr("export_1/shoes.csv", b"Shoe Name\n")
    found = discover([archive])
    assert [i.member for i in found.items] == ["export_1/activities.csv",
                                              "export_1/activities/9.fit.gz"]
    assert found.items[1].export_root == f"{archive}!export_1/"
    assert found.items[1].read_bytes() == b"x"


def test_missing_and_unknown_paths_are_problems(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    found = discover([tmp_path / "nope", tmp_path / "notes.txt"])
    assert found.items == []
    assert [p.reason for p in found.problems] == [
        "no such file or folder",
        "not a file runlog reads (expected .fit, .gpx, .tcx, .csv, .gz, .zip, an Apple Health "
        "export's XML or a Polar .json)",
    ]


def test_same_file_given_twice_is_read_once(tmp_path: Path) -> None:
    make_tree(tmp_path, {"run.gpx": b"x"})
    assert len(discover([tmp_path, tmp_path / "run.gpx"]).items) == 1


def test_same_file_by_a_link_a_dotted_path_or_a_linked_folder_is_read_once(
        tmp_path: Path) -> None:
    """Files are told apart by their resolved path; a folder's path is resolved once for its
    files, a linked file on its own."""
    make_tree(tmp_path / "runs", {"a.gpx": b"x", "b.gpx": b"y"})
    (tmp_path / "also-runs").symlink_to(tmp_path / "runs")
    (tmp_path / "b-link.gpx").symlink_to(tmp_path / "runs" / "b.gpx")
    found = discover([tmp_path / "runs", tmp_path / "also-runs",
                      tmp_path / "runs" / ".." / "runs" / "a.gpx", tmp_path / "b-link.gpx"])
    assert sorted(Path(item.source).name for item in found.items) == ["a.gpx", "b.gpx"]
