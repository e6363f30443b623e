"""runlog.toml: defaults, units, shoes, and errors that name the key and the line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from runlog.config import KM_PER_MI, Settings, find_config, load_settings, shoe_key
from runlog.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "runlog.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_evidence_md() -> None:
    settings = load_settings(None)
    assert settings.units == "mi"
    assert settings.window_days == 28
    assert settings.thresholds.shoe_approaching_km == pytest.approx(350 * 1.609344)
    assert settings.thresholds.shoe_replace_km == pytest.approx(550 * 1.609344)
    assert settings.thresholds.cadence_low_spm == 170
    assert settings.thresholds.cadence_high_spm == 190
    assert settings.thresholds.spike_ratio == pytest.approx(1.10)


def test_shoes_with_initial_distance_in_km(tmp_path: Path) -> None:
    path = write(tmp_path, """
units = "km"
timezone = "Europe/Berlin"

[[shoes]]
name = "Brooks Ghost 15"
first_used = 2026-03-01
retired = 2026-10-01
initial_distance = 300
surfaces = ["road", "track"]
""")
    settings = load_settings(path)
    assert settings.units == "km"
    assert settings.timezone == "Europe/Berlin"
    (shoe,) = settings.shoes
    assert shoe.name == "Brooks Ghost 15"
    assert shoe.first_used == date(2026, 3, 1)
    assert shoe.retired == date(2026, 10, 1)
    assert shoe.initial_distance_m == pytest.approx(300_000)
    assert shoe.surfaces == ("road", "track")


def test_shoe_aliases(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[[shoes]]\nname = "Pegasus 40"\n'
                                             'aliases = ["Nike Pegasus 40 ", "Peg"]\n'))
    assert settings.shoes[0].aliases == ("Nike Pegasus 40", "Peg")
    assert load_settings(write(tmp_path, '[[shoes]]\nname = "A"\n')).shoes[0].aliases == ()


def test_shoe_key_folds_case_spaces_and_punctuation_but_not_digits() -> None:
    assert shoe_key("Pegasus 40") == shoe_key(" pegasus-40 ") == shoe_key("PEGASUS_40")
    assert shoe_key("Pegasus 40") != shoe_key("Pegasus 41")
    assert shoe_key("Pegasus 40") != shoe_key("Nike Pegasus 40")
    assert shoe_key("Névé") == shoe_key("neve")


def test_initial_distance_in_miles_by_default(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[[shoes]]\nname = "A"\ninitial_distance = 10\n'))
    assert settings.shoes[0].initial_distance_m == pytest.approx(10 * KM_PER_MI * 1000)


def test_threshold_given_in_miles_is_stored_in_km(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[thresholds]\nshoe_replace_mi = 500\n"))
    assert settings.thresholds.shoe_replace_km == pytest.approx(500 * KM_PER_MI)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('units = "km"\ncolour = "red"\n', "colour: unknown key", 2),
        ('units = "furlongs"\n', "units: must be 'mi' or 'km'", 1),
        ('timezone = "Mars/Olympus"\n', "unknown timezone", 1),
        ("[thresholds]\nspike_ratio = 1.2\nspikes = 3\n", "thresholds.spikes: unknown", 3),
        ('[thresholds]\ncadence_low_spm = "fast"\n', "must be a non-negative number", 2),
        ('[[shoes]]\nname = "A"\nfirst_used = "yesterday"\n', "must be a date", 3),
        ('[[shoes]]\nname = "A"\nsurfaces = ["lava"]\n', "shoes.surfaces", 3),
        ('[[shoes]]\nfirst_used = 2024-01-01\n', "needs a name", None),
        ('[[shoes]]\nname = "A"\naliases = "Nike A"\n', "shoes.aliases: must be a list", 3),
        ('[[shoes]]\nname = "A"\naliases = ["Nike A", 7]\n', "shoes.aliases: must be a list",
         3),
        ('[[shoes]]\nname = "A"\naliases = [" - "]\n', "shoes.aliases: must be a list", 3),
        # an alias another pair already answers to, case and hyphens aside: line of pair 2
        ('[[shoes]]\nname = "A"\naliases = ["Pegasus 40"]\n\n[[shoes]]\nname = "B"\n'
         'aliases = ["pegasus-40"]\n', "shoes.aliases: 'pegasus-40' is already a name or "
         "alias of 'A'", 7),
        ('[[shoes]]\nname = "Pegasus 40"\n[[shoes]]\nname = "PEGASUS 40"\n',
         "shoes.name: 'PEGASUS 40' is already a name or alias of 'Pegasus 40'", 4),
        # an error in the second pair names the second pair's line (was the first pair's)
        ('[[shoes]]\nname = "A"\nsurfaces = ["road"]\n[[shoes]]\nname = "B"\n'
         'surfaces = ["lava"]\n', "shoes.surfaces", 6),
        ('units = "km\n', "not valid TOML", 1),
    ],
)
def test_bad_values_name_the_key_and_line(
    tmp_path: Path, text: str, message: str, line: int | None
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.line == line


def test_config_is_found_beside_the_analyzed_folder(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "athlete"
    folder.mkdir()
    write(folder, 'units = "km"\n')
    monkeypatch.chdir(tmp_path)
    assert find_config([folder]) == folder / "runlog.toml"
    assert find_config([tmp_path / "nothing-here"]) is None


def test_overrides_ignore_none() -> None:
    settings = Settings(units="km")
    assert settings.with_overrides(units=None).units == "km"
    assert settings.with_overrides(units="mi").units == "mi"
    assert settings.with_overrides(units="mi").metres_per_unit == pytest.approx(1609.344)
