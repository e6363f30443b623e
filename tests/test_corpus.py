"""Every real file in ../shared/corpus through the whole ingest path (discovery, .gz, readers,
store), as MANIFEST.tsv describes it: read, or refused with a clear reason naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import runlog
from conftest import manifest
from runlog.errors import NotAnActivity

ROWS = manifest()
SPORT_OF_KIND = {"run": "running", "bike": "cycling", "swim": "swimming"}


@pytest.fixture(scope="module")
def walked(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, runlog.Loaded]:
    """Each corpus file loaded on its own, through one store."""
    store = tmp_path_factory.mktemp("store") / "store.sqlite"
    return {row["local_name"]: runlog.load([corpus / row["local_name"]], store=store,
                                           settings=runlog.Settings(timezone="UTC"))
            for row in ROWS}


def test_manifest_lists_the_whole_corpus(corpus: Path) -> None:
    on_disk = {p.relative_to(corpus).as_posix() for p in corpus.glob("*/*")}
    assert {row["local_name"] for row in ROWS} == on_disk
    assert len(ROWS) == 155


@pytest.mark.parametrize("row", ROWS, ids=[r["local_name"] for r in ROWS])
def test_every_file_is_read_or_refused_with_a_reason(
        row: dict[str, str], walked: dict[str, runlog.Loaded]) -> None:
    loaded = walked[row["local_name"]]
    name = row["local_name"]
    assert loaded.files == 1
    if loaded.skipped:
        (problem,) = loaded.skipped
        assert problem.path is not None and problem.path.endswith(name)
        assert problem.reason and "\n" not in problem.reason
        assert "unexpected" not in problem.reason, problem  # a reader bug, not a refusal
        assert row["kind"] in ("broken", "edge", "other"), f"{name} refused: {problem}"
        if "NOT an activity" in row["note"] or "NOT a run-history CSV" in row["note"]:
            assert isinstance(problem, NotAnActivity)
        return
    frame = loaded.activities
    assert len(frame) >= 1
    assert set(frame["source"]) == {str(Path(loaded.activities["source"].iloc[0]))}
    if row["kind"] in SPORT_OF_KIND:
        # TCX's Sport attribute knows only Running, Biking and Other: a swim is "other".
        expected = "other" if name.startswith("tcx/") and row["kind"] == "swim" else \
            SPORT_OF_KIND[row["kind"]]
        assert expected in set(frame["sport"]), name
    if row["kind"] == "run":
        runs = frame[frame["sport"] == "running"]
        assert (runs["distance_m"] > 0).all(), name
        cadence = runs["cadence_spm"].dropna()
        assert cadence.between(140, 200).all(), (name, cadence.tolist())


def test_refusals_and_reads_add_up(walked: dict[str, runlog.Loaded]) -> None:
    refused = sorted(n for n, loaded in walked.items() if loaded.skipped)
    read = [n for n, loaded in walked.items() if not loaded.skipped]
    assert len(refused) + len(read) == len(ROWS)
    # Every run, bike and swim file of the corpus is read.
    assert not [n for n in refused if n.split("/")[0] and
                next(r for r in ROWS if r["local_name"] == n)["kind"] in SPORT_OF_KIND]


def test_second_pass_over_the_corpus_parses_nothing(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    folders = [corpus / "gpx", corpus / "tcx", corpus / "csv"]
    first = runlog.load(folders, store=store)
    second = runlog.load(folders, store=store)
    assert first.parsed == first.files and first.reused == 0
    assert second.parsed == 0 and second.reused == second.files
    assert second.activities.equals(first.activities)


def test_watch_fit_and_its_strava_export_copy_are_one_activity(corpus: Path,
                                                                tmp_path: Path) -> None:
    export = tmp_path / "strava"
    (export / "activities").mkdir(parents=True)
    shutil.copy(corpus / "csv" / "martin-ueding__geo-activity-playground__activities.csv",
                export / "activities.csv")
    shutil.copy(corpus / "fit" / "martin-ueding__geo-activity-playground__12866632127.fit.gz",
                export / "activities" / "12866632127.fit.gz")
    watch = tmp_path / "watch"
    watch.mkdir()
    shutil.copy(corpus / "fit" / ("martin-ueding__geo-activity-playground__"
                                  "2022-05-29-15-53-35_Laufen_Landal_Park.fit"),
                watch / "2022-05-29-15-53-35_Laufen_Landal_Park.fit")
    loaded = runlog.load([export, watch], settings=runlog.Settings(timezone="Europe/Berlin"))
    assert loaded.skipped == []
    (run,) = loaded.activities.itertuples(index=False)
    assert run.sport == "running"
    assert run.name == "Laufen Landal Park"  # from Strava's activities.csv
    assert run.start_time.isoformat() == "2022-05-29T15:53:35+00:00"
    # The original device file is the richer source: it keeps fractional cadence.
    assert run.source == str(watch / "2022-05-29-15-53-35_Laufen_Landal_Park.fit")
    assert "merged with" in run.notes and "12866632127.fit.gz" in run.notes
    assert 3200 < run.distance_m < 3400
    assert 140 < run.cadence_spm < 180
