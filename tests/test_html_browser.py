"""The HTML report in a real headless Chromium (Debian's chromium + chromedriver).

Locally the test skips when Chromium is not installed; in CI (``CI`` set) it must run:
.ci/run installs both packages.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from runlog.analyzers import analyze
from runlog.config import Settings
from runlog.model import Activity, to_frame
from runlog.report import render

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_SHOE = '<img src=x onerror="alert(2)">'


def hostile_history() -> pd.DataFrame:
    acts = []
    for i in range(40):
        acts.append(Activity(
            source=f"r{i}.fit", format="fit", sport="running", athlete="Robin",
            start_time=pd.Timestamp("2026-09-01 06:00", tz="UTC") + pd.Timedelta(days=i),
            distance_m=8000.0 + 500 * (i % 3), moving_time_s=2500.0, cadence_spm=164.0,
            cadence_histogram={162: 1200.0, 166: 1300.0}, surface="road", shoe=HOSTILE_SHOE,
            activity_id=f"a{i}", name=f"Run {i}"))
    acts.append(Activity(
        source="long.fit", format="fit", sport="running", athlete="Robin",
        start_time=pd.Timestamp("2026-10-12 07:00", tz="UTC"), distance_m=25_000.0,
        moving_time_s=8000.0, cadence_spm=168.0, surface="trail", activity_id="long",
        name=HOSTILE_NAME))
    return to_frame(acts)


@pytest.fixture(scope="module")
def driver():  # type: ignore[no-untyped-def]
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver (see .ci/run)")
        pytest.skip("chromium and chromedriver are not installed here")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = analyze(hostile_history(), Settings(units="km", timezone="UTC"),
                     as_of="2026-10-14")
    assert any(f.code == "load.spike" for f in report.flags)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(report, "html"), encoding="utf-8")
    return path


def test_report_loads_without_console_errors_and_runs_no_script(driver, page: Path) -> None:
    driver.set_window_size(1200, 900)
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert driver.execute_script("return document.scripts.length") == 0
    body = driver.execute_script("return document.body.innerText")
    assert HOSTILE_NAME in body
    assert HOSTILE_SHOE in body
    assert driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0


def test_every_chart_is_visible_with_alt_text(driver, page: Path) -> None:
    driver.get(page.as_uri())
    charts = driver.execute_script("""
        return Array.from(document.querySelectorAll('figure img')).map(img => ({
            alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
            width: img.getBoundingClientRect().width,
            height: img.getBoundingClientRect().height}));
    """)
    assert len(charts) == 5
    for chart in charts:
        assert chart["loaded"], chart
        assert chart["width"] > 100 and chart["height"] > 50, chart
        assert len(chart["alt"]) > 20


def test_report_fits_a_phone_screen(driver, page: Path) -> None:
    driver.set_window_size(390, 844)
    driver.get(page.as_uri())
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    widths = driver.execute_script(
        "return Array.from(document.querySelectorAll('figure img'))"
        ".map(i => i.getBoundingClientRect().width)")
    assert all(w <= 390 for w in widths)


PHONE = (390, 844)


def test_on_a_phone_every_table_cell_shows_and_no_date_wraps(driver, page: Path) -> None:
    """Issue 15, item 5: at 390 px the shoe table's status and replace-by cells are inside
    the screen (not cut off or scrolled away), and a date is one line, never broken."""
    driver.set_window_size(*PHONE)
    driver.get(page.as_uri())
    cells = driver.execute_script("""
        const width = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('td')).map(td => {
            const r = td.getBoundingClientRect();
            const line = parseFloat(getComputedStyle(td).lineHeight) ||
                         1.5 * parseFloat(getComputedStyle(td).fontSize);
            return {label: td.dataset.label || '', text: td.innerText, left: r.left,
                    right: r.right, width: width, lines: Math.round(
                        (r.height - parseFloat(getComputedStyle(td).paddingTop)
                         - parseFloat(getComputedStyle(td).paddingBottom)) / line)};
        });
    """)
    shoe_cells = [c for c in cells if c["label"] in ("status", "replace by")]
    assert shoe_cells, "the shoe table has status and replace-by cells"
    for cell in cells:
        assert cell["left"] >= 0 and cell["right"] <= cell["width"] + 0.5, cell
    dates = [c for c in cells if len(c["text"]) == 10 and c["text"][4] == "-"]
    assert dates and all(c["lines"] <= 1 for c in dates), [c for c in dates if c["lines"] > 1]


def test_on_a_phone_chart_text_stays_legible(driver, page: Path) -> None:
    """Chart text drawn at the width the phone shows the chart: at least 8 px (it was about
    5 px), with captions that say more than the chart's title."""
    driver.set_window_size(*PHONE)
    driver.get(page.as_uri())
    charts = driver.execute_script("""
        return Array.from(document.querySelectorAll('figure img')).map(img => ({
            shown: img.getBoundingClientRect().width,
            font: parseFloat(img.dataset.minFontPt), width: parseFloat(img.dataset.widthPt),
            caption: img.parentElement.querySelector('figcaption').innerText}));
    """)
    assert len(charts) == 5
    for chart in charts:
        smallest_px = chart["font"] * chart["shown"] / chart["width"]
        assert smallest_px >= 8.0, chart
        assert len(chart["caption"]) > 30, chart
