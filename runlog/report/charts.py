"""The report's charts, drawn with matplotlib (Agg) as self-contained SVG.

Each chart function takes the report's figures (already computed by the analyzers) and returns
``Chart(title, alt, svg)``; nothing here computes a flag. SVG output is made deterministic (no
date, fixed id salt) so the same report renders byte-identical.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any, NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..analyzers import Report

#: Phone-width friendly: 6.4 x 3.2 in at 100 dpi, scaled by the page to the screen width.
SIZE = (6.4, 3.2)
COLORS = {"bar": "#4C78A8", "spike": "#E45756", "ramp": "#F58518", "band": "#54A24B",
          "grey": "#9D9D9D"}
SURFACE_COLORS = {"road": "#7F7F7F", "trail": "#8C6D31", "track": "#E45756",
                  "treadmill": "#4C78A8", "grass": "#54A24B", "sand": "#EECA3B",
                  "unknown": "#D3D3D3"}


class Chart(NamedTuple):
    key: str
    title: str
    alt: str
    svg: str


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "runlog", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure() -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=SIZE, dpi=100)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#E0E0E0", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def weekly_distance(report: Report, weeks_shown: int = 16) -> Chart | None:
    weeks = report.figures.get("weeks", [])[-weeks_shown:]
    if not weeks:
        return None
    spikes = {f.date for f in report.flags + report.history if f.code == "load.spike"}
    ramps = {f.date for f in report.flags + report.history if f.code == "load.weekly_ramp"}
    fig, ax = _figure()
    labels = [w["week_start"][5:] for w in weeks]
    values = [w["distance"] for w in weeks]
    colors = [COLORS["ramp"] if date.fromisoformat(w["week_start"]) in ramps
              else COLORS["bar"] for w in weeks]
    ax.bar(range(len(weeks)), values, color=colors)
    for i, w in enumerate(weeks):
        start = date.fromisoformat(w["week_start"])
        if any(0 <= (d - start).days < 7 for d in spikes):
            ax.annotate("spike", (i, values[i]), ha="center", va="bottom", fontsize=8,
                        color=COLORS["spike"])
    ax.set_xticks(range(len(weeks)), labels, rotation=60, fontsize=7)
    ax.set_ylabel(f"distance ({report.units})")
    ax.set_xlabel("week starting (month-day)")
    ax.set_title("Weekly running distance", fontsize=10)
    peak = max(values) if values else 0
    alt = (f"Bar chart of weekly running distance over the last {len(weeks)} weeks; "
           f"highest week {peak:.1f} {report.units}; {len(ramps)} weekly jumps in orange; "
           f"weeks with a single-run spike are labelled.")
    return Chart("weekly_distance", "Weekly running distance", alt, _svg(fig))


def shoe_mileage(report: Report) -> Chart | None:
    shoes = report.figures.get("shoes", [])
    if not shoes:
        return None
    low, high = report.figures["shoe_window"]
    fig, ax = plt.subplots(figsize=(SIZE[0], 0.5 + 0.45 * len(shoes)), dpi=100)
    ax.spines[["top", "right"]].set_visible(False)
    names = [s["name"] for s in shoes]
    values = [s["distance"] for s in shoes]
    ax.axvspan(low, high, color=COLORS["band"], alpha=0.15, label="replacement window")
    ax.axvline(high, color=COLORS["spike"], linewidth=1)
    colors = [COLORS["spike"] if s["status"] == "replace" else COLORS["ramp"]
              if s["status"] == "approaching" else COLORS["grey"] if s["status"] == "retired"
              else COLORS["bar"] for s in shoes]
    ax.barh(range(len(shoes)), values, color=colors)
    ax.set_yticks(range(len(shoes)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"distance ({report.units})")
    ax.set_title(f"Shoe mileage against the {low:.0f}-{high:.0f} {report.units} window",
                 fontsize=10)
    alt = "Horizontal bars of each shoe's distance against the replacement window: " + "; ".join(
        f"{s['name']} {s['distance']:.0f} {report.units} ({s['status']})" for s in shoes) + "."
    return Chart("shoe_mileage", "Shoe mileage", alt, _svg(fig))


def surface_mix(report: Report) -> Chart | None:
    weeks = report.figures.get("surfaces", {}).get("weeks", [])
    if not weeks or not any(sum(v for k, v in w.items() if k != "week_start") for w in weeks):
        return None
    fig, ax = _figure()
    bottom = [0.0] * len(weeks)
    for surface, color in SURFACE_COLORS.items():
        values = [w.get(surface, 0.0) for w in weeks]
        if not any(values):
            continue
        ax.bar(range(len(weeks)), values, bottom=bottom, color=color, label=surface)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(range(len(weeks)), [w["week_start"][5:] for w in weeks], rotation=60,
                  fontsize=7)
    ax.set_ylabel(f"distance ({report.units})")
    ax.set_xlabel("week starting (month-day)")
    ax.legend(fontsize=7, ncols=4, frameon=False)
    ax.set_title("Surface mix by week", fontsize=10)
    window = report.figures.get("surfaces", {}).get("window", {})
    alt = "Stacked bars of weekly distance by surface; in the report window: " + ", ".join(
        f"{k} {v:.1f} {report.units}" for k, v in window.items() if v) + "."
    return Chart("surface_mix", "Surface mix", alt, _svg(fig))


def cadence_distribution(report: Report) -> Chart | None:
    cadence = report.figures.get("cadence", {})
    hist = cadence.get("histogram") or {}
    if not hist:
        return None
    low, high = cadence["band"]
    fig, ax = _figure()
    xs = [int(k) for k in hist]
    minutes = [v / 60.0 for v in hist.values()]
    ax.axvspan(low, high, color=COLORS["band"], alpha=0.15)
    ax.bar(xs, minutes, width=1.0, color=COLORS["bar"])
    ax.set_xlabel("cadence (steps/min)")
    ax.set_ylabel("running time (min)")
    ax.set_title(f"Cadence distribution; {low:.0f}-{high:.0f} steps/min band shaded",
                 fontsize=10)
    share = cadence.get("share_in_band")
    alt = (f"Histogram of running cadence; median {cadence.get('median')} steps/min"
           + (f", {share:.0%} of running time inside {low:.0f}-{high:.0f}." if share is not None
              else "."))
    return Chart("cadence_distribution", "Cadence distribution", alt, _svg(fig))


def all_charts(report: Report) -> list[Chart]:
    charts = [weekly_distance(report), shoe_mileage(report), surface_mix(report),
              cadence_distribution(report)]
    return [c for c in charts if c is not None]
