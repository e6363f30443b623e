"""Names from files in what runlog writes (issue 6): escaped in HTML and Markdown so none runs in
a browser, neutralised in CSV so none runs in a spreadsheet, and stripped of control characters
in the terminal table. Checked end to end through the command line, on a log whose shoe and
activity names, a file name and a CSV header are hostile.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import defusedxml.ElementTree as safe_et
import pytest
from click.testing import CliRunner

from runlog.cli import main
from runlog.output import safe_cell

AS_OF = "2026-11-15"
SCRIPT_SHOE = "<script>alert('shoe')</script>"
IMG_NAME = '"><img src=x onerror=alert(1)>'
LINK_SHOE = "[click](javascript:alert(1))"
FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'
MARKUP_SHOE = "a|b`c`*d*_e_#f~g\\h![i](http://evil.example/i.png)"
TERMINAL_NAME = "\x1b]0;pwned\x07\x1b[2J evil"
SKIPPED_FILE = "<img src=x onerror=alert(2)>.gpx"
ATHLETE = "<b>Mallory</b> [x](javascript:alert(3))"

LOG = f"""date,distance,duration,type,surface,shoe,name
2026-11-01 07:00,10 km,50:00,Run,road,"{SCRIPT_SHOE}","{IMG_NAME.replace('"', '""')}"
2026-11-03 07:00,10 km,50:00,Run,road,"{LINK_SHOE}","{FORMULA_NAME.replace('"', '""')}"
2026-11-05 07:00,10 km,50:00,Run,road,"=cmd|' /C calc'!A0",+SUM(1)
2026-11-07 07:00,10 km,50:00,Run,road,@SUM(1),-2+3
2026-11-09 07:00,10 km,50:00,Run,road,"{MARKUP_SHOE}","{TERMINAL_NAME}"
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "log.csv").write_text(LOG, encoding="utf-8")
    (folder / SKIPPED_FILE).write_text("not xml")
    (folder / "header.csv").write_text("<svg onload=alert(4),x\n1,2\n")
    (folder / "runlog.toml").write_text(f'athlete = "{ATHLETE}"\ntimezone = "UTC"\n')
    return folder


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--no-store", "--quiet"])
    assert result.exit_code == 0, result.output
    return result.stdout


def report(folder: Path, fmt: str) -> str:
    return cli("report", str(folder), "--format", fmt, "--as-of", AS_OF)


class Markup(HTMLParser):
    """Every element and attribute of an HTML page, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_shows_names_as_text_and_runs_nothing(hostile: Path) -> None:
    page = Markup()
    page.feed(report(hostile, "html"))
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "svg" not in tags and "iframe" not in tags
    for tag, attrs in page.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, value)
            if tag == "img":
                assert name != "src" or (value or "").startswith("data:image/svg+xml;base64,")
    text = "".join(page.text)
    for name in (SCRIPT_SHOE, LINK_SHOE, ATHLETE, SKIPPED_FILE, "<svg onload=alert(4)"):
        assert name in text, name  # shown, as text


def test_charts_embedded_in_html_hold_no_script(hostile: Path) -> None:
    page = Markup()
    page.feed(report(hostile, "html"))
    charts = [dict(attrs)["src"] for tag, attrs in page.tags if tag == "img"]
    assert charts
    for src in charts:
        svg = safe_et.fromstring(base64.b64decode(src.split(",", 1)[1]))
        for elem in svg.iter():
            assert not elem.tag.endswith("script")
            assert not any(key.lower().startswith("on") for key in elem.attrib)


def test_markdown_report_escapes_every_name(hostile: Path) -> None:
    text = report(hostile, "markdown")
    assert "<" not in text and ">" not in text  # no HTML at all: names' < and > are entities
    assert not re.search(r"(?<!\\)\]\(", text)  # no ]( that a Markdown link would start
    assert r"\[click\](javascript:alert(1))" in text
    assert "&lt;script&gt;alert('shoe')&lt;/script&gt;" in text
    assert "\x1b" not in text
    # A name's | does not add a column: every row of a table has the header's cell count.
    table: list[int] = []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            table.append(len(re.findall(r"(?<!\\)\|", line)))
        elif table:
            assert len(set(table)) == 1, table
            table = []


def test_csv_output_neutralises_formulas(hostile: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli("activities", str(hostile), "--format", "csv"))))
    rows = [r for r in rows if not r["activity_id"].startswith("#")]
    names = {r["name"] for r in rows}
    shoes = {r["shoe"] for r in rows}
    assert "'" + FORMULA_NAME in names and "'+SUM(1)" in names and "'-2+3" in names
    assert "'=cmd|' /C calc'!A0" in shoes and "'@SUM(1)" in shoes
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)


def test_a_source_path_that_looks_like_a_formula_is_neutralised(
        hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (hostile / "=1+1.csv").write_text("date,distance\n2026-11-11,5 km\n")
    monkeypatch.chdir(hostile)
    rows = list(csv.DictReader(io.StringIO(cli("activities", "=1+1.csv", "--format", "csv"))))
    assert rows[0]["source"] == "'=1+1.csv"


def test_json_keeps_names_exactly(hostile: Path) -> None:
    """JSON is data for programs: names are kept as the files wrote them."""
    activities = json.loads(cli("activities", str(hostile), "--format", "json"))
    assert {a["name"] for a in activities} >= {IMG_NAME, FORMULA_NAME, TERMINAL_NAME}
    assert json.loads(report(hostile, "json"))["athlete"] == ATHLETE


def test_terminal_table_drops_control_characters(hostile: Path) -> None:
    table = cli("activities", str(hostile))
    assert "\x1b" not in table and "\x07" not in table
    assert "]0;pwned" in table  # the rest of the name is still shown


@pytest.mark.parametrize(("value", "cell"), [
    ("=1", "'=1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("plain", "plain"), (" =1", " =1"), (-1.5, -1.5), (None, None)])
def test_safe_cell(value: object, cell: object) -> None:
    assert safe_cell(value) == cell
