"""The README's promises: its two set-up commands are what CI runs, and the output it shows
is what the first command prints."""

from __future__ import annotations

import re

from click.testing import CliRunner

from conftest import REPO
from runlog.cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    block = README.split("## Set up", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.strip().splitlines() if line.strip()]


def test_readme_has_exactly_two_setup_commands_and_ci_runs_them() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    assert "runlog report examples/" in commands[0]
    assert "pytest" in commands[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert command in ci, f"CI does not run: {command}"


def test_readme_output_is_what_the_first_command_prints(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))
    args = setup_commands()[0].split(".venv/bin/runlog ", 1)[1].split()
    shown = README.split("```text\n", 1)[1].split("\n...\n", 1)[0]
    result = CliRunner().invoke(main, args, env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(shown + "\n")


def test_readme_lists_every_command() -> None:
    for name in main.commands:
        assert re.search(rf"runlog {name} ([A-Z]+|\[-)", README), name


def test_readme_next_section_is_what_the_report_prints(tmp_path, monkeypatch) -> None:
    """The "What a report says" transcript is the Next section of the sample runner's report."""
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))
    block = README.split("## What a report says", 1)[1].split("```text\n", 1)[1]
    shown = block.split("\n```", 1)[0]
    command = README.split("## What a report says", 1)[1].split("(`runlog ", 1)[1]
    args = " ".join(command.split("`", 1)[0].split()).split()
    result = CliRunner().invoke(main, args, env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "\n" + shown + "\n\nCurrent flags\n" in result.stdout
